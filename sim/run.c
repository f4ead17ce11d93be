/*
 * run.c - `kafkasim run` and `kafkasim validate`. A run loads and validates the scenario
 * (nothing is created on bad input), builds the cluster, advances simulated time in steps
 * of the sample interval (writing a metrics row at each) and stops at snapshot times, then
 * writes the summary with each expectation's verdict. Every output is written under a
 * temporary name and renamed when complete. Plots are drawn by gnuplot, an external program;
 * without it the data files are still written and a warning says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "cli.h"
#include "cluster.h"
#include "plots.h"
#include "run.h"
#include "scenario.h"
#include "settings.h"
#include "summ.h"
#include "units.h"

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- expectations ---------------------------------------------------------------------- */

static bool compare(double a, enum ks_expect_op op, double b)
{
	switch (op) {
	case EXP_EQ: return a == b;
	case EXP_NE: return a != b;
	case EXP_LT: return a < b;
	case EXP_LE: return a <= b;
	case EXP_GT: return a > b;
	case EXP_GE: return a >= b;
	}
	return false;
}

/* A bare name is looked up under checker., then records. (acked_lost, produced). */
static bool lookup(const struct summ *s, const char *path, double *v)
{
	static const char *const prefixes[] = { "", "checker.", "records." };
	char buf[256];
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", prefixes[i], path);
		if (summ_get(s, buf, v))
			return true;
	}
	return false;
}

static int write_expectations(const struct scenario *sc, struct summ *s, FILE *report)
{
	int failed = 0;
	jsonw_key(&s->w, "expectations");
	jsonw_arr_begin(&s->w);
	for (int i = 0; i < sc->n_expects; i++) {
		const struct expect_cfg *e = &sc->expects[i];
		double v = 0;
		bool found = lookup(s, e->path, &v);
		bool ok = found && compare(v, e->op, e->value);
		failed += !ok;
		jsonw_obj_begin(&s->w);
		jsonw_kstr(&s->w, "expect", e->text);
		jsonw_kstr(&s->w, "path", e->path);
		if (found)
			jsonw_kdouble(&s->w, "actual", v, 3);
		else
			jsonw_kstr(&s->w, "actual", "no such figure in the summary");
		jsonw_kstr(&s->w, "verdict", ok ? "pass" : "FAIL");
		jsonw_obj_end(&s->w);
		if (report)
			fprintf(report, "  %-4s %s (actual %s%.3f)\n", ok ? "ok" : "FAIL", e->text,
				found ? "" : "missing, ", v);
	}
	jsonw_arr_end(&s->w);
	return failed;
}

/* ---- the run ----------------------------------------------------------------------------- */

struct outputs {
	struct afile trace, metrics, summary, snaps;
	bool have_snaps;
	char dir[4096];
};

static int open_outputs(struct outputs *o, const struct scenario *sc, const char *dir)
{
	char path[4200];
	memset(o, 0, sizeof(*o));
	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "kafkasim: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/trace.jsonl", dir);
	int rc = afile_open(&o->trace, path);
	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	rc |= afile_open(&o->metrics, path);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	rc |= afile_open(&o->summary, path);
	o->have_snaps = sc->n_snapshots > 0;
	if (o->have_snaps) {
		snprintf(path, sizeof(path), "%s/snapshots.txt", dir);
		rc |= afile_open(&o->snaps, path);
	}
	if (rc != 0)
		fprintf(stderr, "kafkasim: cannot write in %s: %s\n", dir, strerror(errno));
	return rc ? -1 : 0;
}

static void abort_outputs(struct outputs *o)
{
	afile_abort(&o->trace);
	afile_abort(&o->metrics);
	afile_abort(&o->summary);
	afile_abort(&o->snaps);
}

static void trace_start(struct trace *tr, const struct scenario *sc, uint64_t seed,
			sim_time_ns until)
{
	trace_begin(tr, 0, "run.start");
	struct jsonw *w = trace_w(tr);
	jsonw_kstr(w, "scenario", sc->name);
	jsonw_kuint(w, "seed", seed);
	jsonw_kint(w, "until_ns", until);
	jsonw_kstr(w, "version", KS_VERSION);
	jsonw_key(w, "config");
	scenario_write_config(sc, w);
	trace_end(tr);
}

static void progress(const struct cluster *c, sim_time_ns until, double t0, bool tty)
{
	if (!tty)
		return;
	double el = wall_s() - t0;
	fprintf(stderr, "\r  simulated %.1fs of %.1fs, %.2f M events/s   ",
		(double)cluster_now(c) / 1e9, (double)until / 1e9,
		el > 0 ? (double)cluster_events(c) / el / 1e6 : 0.0);
}

/* Advance in sample steps, stopping at snapshot times too. */
static void drive(struct cluster *c, const struct scenario *sc, sim_time_ns until,
		  struct outputs *o)
{
	bool tty = isatty(2);
	double t0 = wall_s(), last = t0;
	sim_time_ns step = sc->sample_interval_ns, next_sample = step;
	int snap = 0;
	cluster_metrics_header(c, o->metrics.f);
	for (;;) {
		sim_time_ns next = next_sample < until ? next_sample : until;
		while (snap < sc->n_snapshots && sc->snapshots[snap] > until)
			snap++;
		if (snap < sc->n_snapshots && sc->snapshots[snap] < next)
			next = sc->snapshots[snap];
		cluster_run_until(c, next);
		if (snap < sc->n_snapshots && sc->snapshots[snap] == next) {
			cluster_snapshot(c, o->snaps.f);
			snap++;
		}
		if (next == next_sample) {
			cluster_metrics_row(c, o->metrics.f);
			next_sample += step;
		}
		if (wall_s() - last > 0.5) {
			progress(c, until, t0, tty);
			last = wall_s();
		}
		if (next >= until)
			break;
	}
	if (tty)
		fputs("\r\033[K", stderr);
}

static void print_report(struct cluster *c, const struct summ *s, const struct outputs *o,
			 double wall, FILE *out)
{
	double v[8] = { 0 };
	summ_get(s, "records.produced", &v[0]);
	summ_get(s, "records.acked", &v[1]);
	summ_get(s, "records.consumed", &v[2]);
	summ_get(s, "checker.acked_lost", &v[3]);
	summ_get(s, "checker.log_duplicates", &v[4]);
	summ_get(s, "checker.delivery_duplicates", &v[5]);
	summ_get(s, "latency_ms.produce.p99", &v[6]);
	summ_get(s, "latency_ms.end_to_end.p99", &v[7]);
	fprintf(out, "records: %.0f produced, %.0f acknowledged, %.0f consumed\n", v[0], v[1],
		v[2]);
	fprintf(out, "checker: %.0f acknowledged lost, %.0f log duplicates, %.0f delivery "
		     "duplicates\n", v[3], v[4], v[5]);
	fprintf(out, "latency p99: produce %.3f ms, end-to-end %.3f ms\n", v[6], v[7]);
	fprintf(out, "simulated %.1fs in %.2fs wall (%llu events)\n",
		(double)cluster_now(c) / 1e9, wall, (unsigned long long)cluster_events(c));
	fprintf(out, "outputs: %s/\n", o->dir);
}

static int write_summary(struct cluster *c, const struct scenario *sc, uint64_t seed,
			 struct outputs *o, bool quiet, double wall)
{
	struct summ s;
	summ_init(&s);
	summ_obj(&s, NULL);
	summ_str(&s, "scenario", sc->name);
	jsonw_kuint(&s.w, "seed", seed);
	summ_double(&s, "simulated_s", (double)cluster_now(c) / 1e9, 3);
	summ_int(&s, "events", (int64_t)cluster_events(c));
	cluster_summary(c, &s);
	if (!quiet)
		print_report(c, &s, o, wall, stdout);
	if (!quiet && sc->n_expects)
		printf("expectations:\n");
	int failed = write_expectations(sc, &s, quiet ? NULL : stdout);
	summ_end(&s);
	fwrite(s.w.buf, 1, s.w.len, o->summary.f);
	fputc('\n', o->summary.f);
	summ_release(&s);
	return failed;
}

int run_scenario(struct scenario *sc, const struct run_opts *opt)
{
	char dir[4096];
	uint64_t seed = opt->seed_set ? opt->seed : sc->seed;
	sim_time_ns until = opt->until_ns > 0 ? opt->until_ns : sc->duration_ns;
	snprintf(dir, sizeof(dir), "%s", opt->out_dir ? opt->out_dir : "output");
	if (!opt->out_dir)
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", sc->name);
	struct outputs o;
	if (open_outputs(&o, sc, dir) != 0) {
		abort_outputs(&o);
		return KS_EXIT_INTERNAL;
	}
	struct trace tr;
	trace_init(&tr, o.trace.f, opt->trace_level);
	trace_start(&tr, sc, seed, until);
	double t0 = wall_s();
	struct cluster *c = cluster_new(sc, seed, &tr);
	if (opt->threads)
		cluster_set_threads(c, opt->threads);
	drive(c, sc, until, &o);
	cluster_finish(c);
	int failed = write_summary(c, sc, seed, &o, opt->quiet, wall_s() - t0);
	trace_begin(&tr, cluster_now(c), "run.end");
	jsonw_kint(trace_w(&tr), "events", (int64_t)cluster_events(c));
	jsonw_kint(trace_w(&tr), "kernels", cluster_paired(c) ? 2 : 1);
	jsonw_kint(trace_w(&tr), "expectations_failed", failed);
	trace_end(&tr);
	trace_release(&tr);
	cluster_free(c);
	int rc = afile_commit(&o.trace) | afile_commit(&o.metrics) | afile_commit(&o.summary);
	if (o.have_snaps)
		rc |= afile_commit(&o.snaps);
	if (rc != 0) {
		fprintf(stderr, "kafkasim: writing %s failed: %s\n", dir, strerror(errno));
		return KS_EXIT_INTERNAL;
	}
	if (opt->plots)
		plots_draw(sc, dir, opt->quiet);
	return failed ? KS_EXIT_EXPECT : KS_EXIT_OK;
}

/* ---- commands ------------------------------------------------------------------------------ */

static const char run_usage[] =
	"usage: kafkasim run SCENARIO [--seed N] [--out DIR] [--until T] [--trace-level L]\n"
	"                    [--no-plots] [--quiet] [--threads N]\n"
	"  --seed N          override the scenario's seed\n"
	"  --out DIR         write outputs to DIR (default output/<scenario name>/)\n"
	"  --until T         stop at simulated time T (a duration such as 30s)\n"
	"  --trace-level L   summary | events (default) | debug\n"
	"  --no-plots        do not run gnuplot\n"
	"  --quiet           print nothing on success\n"
	"  --threads N       threads to use, 1 or 2 (default 2 with two CPUs or more; a large\n"
	"                    cluster without faults runs its producers on the second; the\n"
	"                    outputs are the same bytes either way)\n"
	"Writes trace.jsonl, metrics.csv, summary.json (+ snapshots.txt, *.png).\n"
	"Exit: 0 ok, 1 an expectation failed, 2 bad input, 3 internal error.\n"
	"\nScenario settings (kafkasim settings --markdown for the full reference):\n";

static int parse_run_args(int argc, char **argv, struct run_opts *o, const char **file)
{
	*file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--seed") || !strcmp(a, "--out") || !strcmp(a, "--until") ||
			     !strcmp(a, "--trace-level") || !strcmp(a, "--threads");
		if (takes && !val) {
			fprintf(stderr, "kafkasim run: %s needs a value\n", a);
			return -1;
		}
		if (!strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			o->seed = strtoull(val, &end, 10);
			if (errno || *end || !*val || val[0] == '-') {
				fprintf(stderr, "kafkasim run: --seed: '%s' is not a whole number "
						"from 0 to 18446744073709551615\n", val);
				return -1;
			}
			o->seed_set = true;
		} else if (!strcmp(a, "--out")) {
			o->out_dir = val;
		} else if (!strcmp(a, "--until")) {
			if (units_parse_duration(val, &o->until_ns) != 0 || o->until_ns <= 0) {
				fprintf(stderr, "kafkasim run: --until: '%s' is not a positive "
						"duration such as 30s\n", val);
				return -1;
			}
		} else if (!strcmp(a, "--trace-level")) {
			if (trace_level_parse(val, &o->trace_level) != 0) {
				fprintf(stderr, "kafkasim run: --trace-level: '%s' is not one of "
						"summary, events, debug\n", val);
				return -1;
			}
		} else if (!strcmp(a, "--threads")) {
			if (strcmp(val, "1") && strcmp(val, "2")) {
				fprintf(stderr, "kafkasim run: --threads: '%s' is not 1 or 2\n", val);
				return -1;
			}
			o->threads = val[0] - '0';
		} else if (!strcmp(a, "--no-plots")) {
			o->plots = false;
			continue;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		} else if (a[0] == '-') {
			fprintf(stderr, "kafkasim run: unknown option '%s'\n", a);
			return -1;
		} else if (*file) {
			fprintf(stderr, "kafkasim run: one scenario at a time ('%s' and '%s')\n",
				*file, a);
			return -1;
		} else {
			*file = a;
			continue;
		}
		i++;
	}
	if (!*file) {
		fprintf(stderr, "kafkasim run: no scenario given (kafkasim run --help)\n");
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(run_usage, stdout);
			settings_print_help(stdout);
			return KS_EXIT_OK;
		}
	}
	struct run_opts o = { .trace_level = TRACE_EVENTS, .plots = true };
	const char *file;
	if (parse_run_args(argc, argv, &o, &file) != 0)
		return KS_EXIT_USAGE;
	struct scenario sc;
	if (scenario_load(file, &sc, stderr) != 0)
		return KS_EXIT_USAGE;
	if (o.until_ns > sc.duration_ns) {
		fprintf(stderr, "kafkasim run: --until is past the scenario's duration\n");
		scenario_release(&sc);
		return KS_EXIT_USAGE;
	}
	int rc = run_scenario(&sc, &o);
	scenario_release(&sc);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: kafkasim validate SCENARIO...\n");
		return KS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: kafkasim validate SCENARIO...\n"
		       "Reports every error in every file as FILE:LINE:COL: key.path: what is "
		       "wrong; expected what.\nExit 0 when all files are valid, 2 otherwise.\n");
		return KS_EXIT_OK;
	}
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct scenario sc;
		if (scenario_load(argv[i], &sc, stderr) != 0) {
			bad++;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		scenario_release(&sc);
	}
	return bad ? KS_EXIT_USAGE : KS_EXIT_OK;
}
