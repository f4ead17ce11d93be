/*
 * cli.c - command dispatch and the top-level help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_assign.h"
#include "cmd_partition.h"
#include "run.h"
#include "settings.h"

static const char usage[] =
	"usage: kafkasim COMMAND [ARGS]\n"
	"\n"
	"A deterministic discrete-event simulator of Apache Kafka clusters.\n"
	"\n"
	"commands:\n"
	"  run SCENARIO [--seed N] [--out DIR] [--until T] [--trace-level L] [--no-plots]\n"
	"                       run a scenario; writes trace.jsonl, metrics.csv, summary.json\n"
	"  validate SCENARIO... check scenarios; every error as FILE:LINE:COL\n"
	"  partition --partitions N KEY...\n"
	"                       the partition of each key, as the Java producer computes it\n"
	"  assign --strategy S --topic NAME=N... --member ID[:TOPIC,...]...\n"
	"                       what a Kafka assignor gives each group member\n"
	"  settings [--markdown] every scenario setting with its type, bounds and default\n"
	"\n"
	"options: --help (also after a command), --version\n"
	"exit codes: 0 ok, 1 an expectation failed, 2 bad input or usage, 3 internal error\n";

static int cmd_settings(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
		settings_print_markdown(stdout);
		return KS_EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--help") != 0) {
		fprintf(stderr, "kafkasim settings: unknown option '%s'\n", argv[1]);
		return KS_EXIT_USAGE;
	}
	settings_print_help(stdout);
	return KS_EXIT_OK;
}

int ks_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return KS_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return KS_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("kafkasim %s\n", KS_VERSION);
		return KS_EXIT_OK;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "validate") == 0)
		return cmd_validate(argc - 1, argv + 1);
	if (strcmp(cmd, "partition") == 0)
		return cmd_partition(argc - 1, argv + 1);
	if (strcmp(cmd, "assign") == 0)
		return cmd_assign(argc - 1, argv + 1);
	if (strcmp(cmd, "settings") == 0)
		return cmd_settings(argc - 1, argv + 1);
	fprintf(stderr, "kafkasim: unknown command '%s' (try kafkasim --help)\n", cmd);
	return KS_EXIT_USAGE;
}
