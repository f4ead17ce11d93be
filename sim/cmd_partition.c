/*
 * cmd_partition.c - `kafkasim partition --partitions N [--hash] KEY...`.
 *
 * A teaching and checking aid: for each key, the partition the Java producer's default
 * partitioner picks, toPositive(murmur2(key bytes)) % N (BuiltInPartitioner.partitionForKey),
 * with keys taken as the bytes given on the command line (UTF-8 in a UTF-8 locale). --hash adds
 * the signed 32-bit murmur2 value, as Java's Utils.murmur2 returns it.
 */
#include "cmd_partition.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner.h"

#define PARTITIONS_MAX 1000000

static const char usage[] =
	"usage: kafkasim partition --partitions N [--hash] [--] KEY...\n"
	"\n"
	"Print the partition the Java producer sends each key to:\n"
	"toPositive(murmur2(key)) % N, the key taken as the bytes given (UTF-8).\n"
	"\n"
	"  --partitions N, -p N  partitions in the topic, 1..1000000 (required)\n"
	"  --hash                also print murmur2(key) as a signed 32-bit integer\n"
	"  --help, -h            this help\n"
	"  --                    end of options (for keys starting with '-')\n"
	"\n"
	"Output: KEY<TAB>PARTITION, or KEY<TAB>MURMUR2<TAB>PARTITION with --hash.\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("kafkasim partition: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'kafkasim partition --help'.\n", stderr);
	return 2;
}

/* Strict decimal in 1..PARTITIONS_MAX; -1 otherwise. */
static long parse_partitions(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > PARTITIONS_MAX)
		return -1;
	return v;
}

struct opts {
	long partitions;
	bool hash;
	bool help;
	char **keys; /* argc slots, n_keys used; options and keys may be mixed */
	int n_keys;
};

/* Fills o; returns 0, or the exit status of a usage error already reported. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i;
	bool options = true;

	o->partitions = 0;
	o->hash = o->help = false;
	o->n_keys = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!options) {
			o->keys[o->n_keys++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			options = false;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = true;
		} else if (strcmp(a, "--hash") == 0) {
			o->hash = true;
		} else if (strncmp(a, "--partitions=", 13) == 0) {
			val = a + 13;
		} else if (strcmp(a, "--partitions") == 0 || strcmp(a, "-p") == 0) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a value", a);
			val = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			return bad_usage("unknown option '%s'", a);
		} else {
			o->keys[o->n_keys++] = argv[i];
		}
		if (val) {
			o->partitions = parse_partitions(val);
			if (o->partitions < 0)
				return bad_usage("--partitions: '%s' is not a whole number in "
						 "1..1000000", val);
		}
	}
	return 0;
}

static int run(const struct opts *o)
{
	int i;

	if (o->help) {
		fputs(usage, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (o->partitions == 0)
		return bad_usage("%s", "missing --partitions N");
	if (o->n_keys == 0)
		return bad_usage("%s", "no keys given");
	for (i = 0; i < o->n_keys; i++) {
		const char *key = o->keys[i];
		size_t len = strlen(key);
		int32_t h = part_murmur2((const uint8_t *)key, len);
		int p = part_to_positive(h) % (int)o->partitions;

		if (o->hash)
			printf("%s\t%" PRId32 "\t%d\n", key, h, p);
		else
			printf("%s\t%d\n", key, p);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_partition(int argc, char **argv)
{
	struct opts o;
	int rc;

	o.keys = malloc(sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
	if (!o.keys) {
		fputs("kafkasim partition: out of memory\n", stderr);
		return 1;
	}
	rc = parse_opts(argc, argv, &o);
	if (rc == 0)
		rc = run(&o);
	free(o.keys);
	return rc;
}
