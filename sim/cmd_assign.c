/*
 * cmd_assign.c - `kafkasim assign`: one rebalance of a consumer group, computed by Kafka's
 * own assignor logic (models/assignor.c mirrors RangeAssignor, RoundRobinAssignor,
 * StickyAssignor and CooperativeStickyAssignor), printed one member a line:
 *
 *   ID<TAB>TOPIC-P,TOPIC-P,...            in --member order, partitions in assignor order
 *   ID<TAB>revoke<TAB>TOPIC-P,...         with --show-revoked, members that must revoke
 *
 * Options may come in any order; every problem is reported as one line on stderr starting
 * "kafkasim assign: " with exit status 2. Nothing here keeps state between calls.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assignor.h"
#include "cmd_assign.h"
#include "xmem.h"

static const char usage_text[] =
	"usage: kafkasim assign [--strategy S] --topic NAME=PARTITIONS...\n"
	"                       --member ID[:TOPIC,...]... [--static ID=INSTANCE]...\n"
	"                       [--owned ID=TOPIC-P,...]... [--generation ID=N]...\n"
	"                       [--show-revoked]\n"
	"\n"
	"Runs a Kafka consumer partition assignor for one rebalance and prints, for each member\n"
	"in the order given, ID<TAB>TOPIC-P,TOPIC-P,... in the order the assignor returns them.\n"
	"\n"
	"  --strategy S         range (default: first in Kafka's default list), roundrobin,\n"
	"                       sticky, cooperative-sticky, or the Java class name\n"
	"  --topic NAME=N       a topic with N partitions (0 = no metadata: not assigned)\n"
	"  --member ID[:T,...]  a member and its subscription (default: every --topic)\n"
	"  --static ID=INST     member ID has group.instance.id INST (range and roundrobin\n"
	"                       order static members by it, ahead of dynamic ones)\n"
	"  --owned ID=T-P,...   partitions member ID owns now (the sticky strategies keep them)\n"
	"  --generation ID=N    generation member ID's owned partitions come from (default none)\n"
	"  --show-revoked       also print ID<TAB>revoke<TAB>T-P,... for each member that must\n"
	"                       give up partitions it owns; with cooperative-sticky these are\n"
	"                       the partitions a follow-up rebalance hands to their new owner\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 ok, 2 bad usage.\n";

struct cli_member {
	char *id;            /* points into argv */
	const char **topics; /* into a private copy of the --member value */
	int n_topics;
	char *spec;          /* the copy */
	struct asg_tp *owned;
	int n_owned, cap_owned;
};

struct cli {
	enum ks_assignor strategy;
	bool show_revoked, help;
	struct asg_topic *topics;
	int n_topics;
	struct cli_member *cm;
	struct asg_member *members;
	int n_members;
};

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("kafkasim assign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* A whole decimal int in [lo, INT_MAX]; false on anything else. */
static bool parse_int(const char *s, int lo, int *out)
{
	char *end;
	long v;

	if (!*s || (*s == '+'))
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* --name VALUE or --name=VALUE at argv[*i]: 1 and *val set, 0 not this option, -1 no value. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len))
		return 0;
	if (argv[*i][len] == '=') {
		*val = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int find_topic(const struct cli *cl, const char *name)
{
	for (int t = 0; t < cl->n_topics; t++)
		if (!strcmp(cl->topics[t].name, name))
			return t;
	return -1;
}

static int find_member(const struct cli *cl, const char *id)
{
	for (int m = 0; m < cl->n_members; m++)
		if (!strcmp(cl->cm[m].id, id))
			return m;
	return -1;
}

static int add_topic(struct cli *cl, const char *val)
{
	const char *eq = strrchr(val, '=');
	char *name;
	int n;

	if (!eq || eq == val || !parse_int(eq + 1, 0, &n))
		return fail("--topic %s: expected NAME=PARTITIONS with PARTITIONS >= 0", val);
	name = xcalloc((size_t)(eq - val) + 1, 1);
	memcpy(name, val, (size_t)(eq - val));
	if (find_topic(cl, name) >= 0) {
		fail("--topic %s: topic '%s' given twice", val, name);
		free(name);
		return 2;
	}
	cl->topics[cl->n_topics++] = (struct asg_topic){ name, n };
	return 0;
}

/* ID or ID:T1,T2 - the topic names are checked once every --topic is known. */
static int add_member(struct cli *cl, const char *val)
{
	struct cli_member *m = &cl->cm[cl->n_members];
	const char *colon = strchr(val, ':');
	int rc = 0;

	m->spec = xcalloc(strlen(val) + 1, 1);
	strcpy(m->spec, val);
	m->id = m->spec;
	m->n_topics = -1;   /* every topic */
	if (colon) {
		char *list = m->spec + (colon - val), *tok;
		*list++ = '\0';
		m->n_topics = 0;
		m->topics = xcalloc(strlen(list) / 2 + 2, sizeof *m->topics);
		for (tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
			m->topics[m->n_topics++] = tok;
	}
	if (!*m->id)
		rc = fail("--member %s: empty member id", val);
	else if (find_member(cl, m->id) >= 0)
		rc = fail("--member %s: member '%s' given twice", val, m->id);
	if (rc) {
		free(m->spec);
		free(m->topics);
		*m = (struct cli_member){ 0 };
		return rc;
	}
	cl->n_members++;
	return 0;
}

static int parse_first_pass(struct cli *cl, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;
		int r, rc = 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cl->help = true;
			return 0;
		} else if (!strcmp(argv[i], "--show-revoked")) {
			cl->show_revoked = true;
		} else if ((r = opt_value(argc, argv, &i, "--strategy", &val)) != 0) {
			if (r < 0)
				rc = fail("--strategy needs a value");
			else if (asg_parse_strategy(val, &cl->strategy))
				rc = fail("--strategy %s: expected range, roundrobin, sticky or "
					  "cooperative-sticky", val);
		} else if ((r = opt_value(argc, argv, &i, "--topic", &val)) != 0) {
			rc = r < 0 ? fail("--topic needs NAME=PARTITIONS") : add_topic(cl, val);
		} else if ((r = opt_value(argc, argv, &i, "--member", &val)) != 0) {
			rc = r < 0 ? fail("--member needs ID[:TOPIC,...]") : add_member(cl, val);
		} else if (!strcmp(argv[i], "--static") || !strcmp(argv[i], "--owned") ||
			   !strcmp(argv[i], "--generation")) {
			i++;   /* second pass */
		} else if (strncmp(argv[i], "--static=", 9) && strncmp(argv[i], "--owned=", 8) &&
			   strncmp(argv[i], "--generation=", 13)) {
			rc = fail("unknown argument '%s' (see kafkasim assign --help)", argv[i]);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* "ID=REST": the member and REST, or -1 with the error reported. */
static int split_member(struct cli *cl, const char *opt, const char *val, const char **rest)
{
	const char *eq = strchr(val, '=');
	char *id;
	int m;

	if (!eq || eq == val) {
		fail("%s %s: expected ID=...", opt, val);
		return -1;
	}
	id = xcalloc((size_t)(eq - val) + 1, 1);
	memcpy(id, val, (size_t)(eq - val));
	*rest = eq + 1;
	m = find_member(cl, id);
	if (m < 0)
		fail("%s %s: no --member '%s'", opt, val, id);
	free(id);
	return m;
}

static int add_owned_one(struct cli *cl, int m, const char *tp, size_t len)
{
	struct cli_member *cm = &cl->cm[m];
	char *buf = xcalloc(len + 1, 1), *dash;
	int t = -1, p = 0, rc = 0;

	memcpy(buf, tp, len);
	dash = strrchr(buf, '-');
	if (!dash || dash == buf || !parse_int(dash + 1, 0, &p)) {
		rc = fail("--owned: expected TOPIC-PARTITION, got '%s'", buf);
	} else {
		*dash = '\0';
		t = find_topic(cl, buf);
		if (t < 0)
			rc = fail("--owned: unknown topic '%s' (add --topic %s=N)", buf, buf);
		else if (p >= cl->topics[t].partitions)
			rc = fail("--owned: %s-%d does not exist (%s has %d partitions)", buf, p,
				  buf, cl->topics[t].partitions);
	}
	free(buf);
	if (rc)
		return rc;
	if (cm->n_owned == cm->cap_owned) {
		cm->cap_owned = cm->cap_owned ? 2 * cm->cap_owned : 8;
		cm->owned = realloc(cm->owned, (size_t)cm->cap_owned * sizeof *cm->owned);
		if (!cm->owned) {
			fputs("kafkasim: out of memory\n", stderr);
			exit(3);
		}
	}
	cm->owned[cm->n_owned++] = (struct asg_tp){ t, p };
	return 0;
}

static int add_owned(struct cli *cl, const char *val)
{
	const char *rest;
	int m = split_member(cl, "--owned", val, &rest), rc = 0;

	if (m < 0)
		return 2;
	while (*rest && !rc) {
		size_t len = strcspn(rest, ",");
		rc = add_owned_one(cl, m, rest, len);
		rest += len + (rest[len] == ',');
	}
	return rc;
}

static int add_static_or_gen(struct cli *cl, const char *opt, const char *val)
{
	const char *rest;
	int m = split_member(cl, opt, val, &rest);
	struct asg_member *mb;

	if (m < 0)
		return 2;
	mb = &cl->members[m];
	if (!strcmp(opt, "--static")) {
		if (!*rest)
			return fail("--static %s: empty group.instance.id", val);
		if (mb->instance_id)
			return fail("--static %s: member already static", val);
		mb->instance_id = rest;
		return 0;
	}
	if (mb->has_generation)
		return fail("--generation %s: generation given twice", val);
	if (!parse_int(rest, -1, &mb->generation))
		return fail("--generation %s: expected an integer >= -1", val);
	mb->has_generation = true;
	return 0;
}

static int parse_second_pass(struct cli *cl, int argc, char **argv)
{
	static const char *const opts[] = { "--static", "--owned", "--generation" };

	for (int i = 1; i < argc; i++) {
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
			const char *val = NULL;
			int r = opt_value(argc, argv, &i, opts[k], &val), rc = 0;
			if (r < 0)
				rc = fail("%s needs a value", opts[k]);
			else if (r > 0 && k == 1)
				rc = add_owned(cl, val);
			else if (r > 0)
				rc = add_static_or_gen(cl, opts[k], val);
			if (rc)
				return rc;
			if (r)
				break;
		}
	}
	return 0;
}

/* Resolve subscriptions into the asg_member array. */
static int build_members(struct cli *cl)
{
	for (int m = 0; m < cl->n_members; m++) {
		struct cli_member *cm = &cl->cm[m];
		struct asg_member *mb = &cl->members[m];
		if (cm->n_topics < 0) {
			cm->topics = xcalloc((size_t)cl->n_topics, sizeof *cm->topics);
			for (int t = 0; t < cl->n_topics; t++)
				cm->topics[t] = cl->topics[t].name;
			cm->n_topics = cl->n_topics;
		}
		for (int i = 0; i < cm->n_topics; i++)
			if (find_topic(cl, cm->topics[i]) < 0)
				return fail("--member %s: unknown topic '%s' (add --topic %s=N; "
					    "N=0 for a topic without metadata)", cm->id,
					    cm->topics[i], cm->topics[i]);
		mb->member_id = cm->id;
		mb->topics = cm->topics;
		mb->n_topics = cm->n_topics;
	}
	return 0;
}

static void print_list(const struct cli *cl, const struct asg_list *l)
{
	for (int i = 0; i < l->n; i++)
		printf("%s%s-%d", i ? "," : "", cl->topics[l->tps[i].topic].name,
		       l->tps[i].partition);
	putchar('\n');
}

static int run(struct cli *cl)
{
	struct asg_input in = { cl->topics, cl->n_topics, cl->members, cl->n_members };
	struct asg_result res, rev;

	for (int m = 0; m < cl->n_members; m++) {
		cl->members[m].owned = cl->cm[m].owned;
		cl->members[m].n_owned = cl->cm[m].n_owned;
	}
	if (asg_assign(cl->strategy, &in, &res))
		return fail("the assignor rejected the input");
	for (int m = 0; m < res.n_members; m++) {
		printf("%s\t", cl->members[m].member_id);
		print_list(cl, &res.members[m]);
	}
	if (cl->show_revoked && asg_revocations(&in, &res, &rev) >= 0) {
		for (int m = 0; m < rev.n_members; m++) {
			if (rev.members[m].n) {
				printf("%s\trevoke\t", cl->members[m].member_id);
				print_list(cl, &rev.members[m]);
			}
		}
		asg_result_release(&rev);
	}
	asg_result_release(&res);
	return fflush(stdout) ? 3 : 0;
}

static void cli_release(struct cli *cl)
{
	for (int t = 0; t < cl->n_topics; t++)
		free((char *)cl->topics[t].name);
	for (int m = 0; m < cl->n_members; m++) {
		free(cl->cm[m].spec);
		free(cl->cm[m].topics);
		free(cl->cm[m].owned);
	}
	free(cl->topics);
	free(cl->cm);
	free(cl->members);
}

int cmd_assign(int argc, char **argv)
{
	struct cli cl = { .strategy = ASG_RANGE };
	int rc;

	cl.topics = xcalloc((size_t)argc + 1, sizeof *cl.topics);
	cl.cm = xcalloc((size_t)argc + 1, sizeof *cl.cm);
	cl.members = xcalloc((size_t)argc + 1, sizeof *cl.members);
	rc = parse_first_pass(&cl, argc, argv);
	if (!rc && cl.help) {
		fputs(usage_text, stdout);
		rc = fflush(stdout) ? 3 : 0;
	} else if (!rc && !cl.n_topics) {
		rc = fail("no --topic given (see kafkasim assign --help)");
	} else if (!rc && !cl.n_members) {
		rc = fail("no --member given (see kafkasim assign --help)");
	} else if (!rc && !(rc = parse_second_pass(&cl, argc, argv)) &&
		   !(rc = build_members(&cl))) {
		rc = run(&cl);
	}
	cli_release(&cl);
	return rc;
}
