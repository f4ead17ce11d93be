/*
 * modelrun.h - for tests that run whole scenarios in process: load YAML text, run it to
 * the end under a seed, summarise, and read figures by their summary path. The cluster is
 * kept until run_release so tests may also use read-only accessors.
 */
#ifndef TESTS_MODELRUN_H
#define TESTS_MODELRUN_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "cluster.h"
#include "scenario.h"
#include "summ.h"

struct run {
	struct scenario sc;
	struct summ s;
	struct cluster *c;
	struct trace tr;
};

/* Load and build, at time 0: for tests that step the run themselves. seed 0: the
 * scenario's own. */
static inline void run_begin(struct run *r, const char *yaml, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	int errors = scenario_load_string("test.yaml", yaml, &r->sc, stderr);
	assert_int_equal(errors, 0);
	trace_init(&r->tr, NULL, TRACE_SUMMARY);
	summ_init(&r->s);
	r->c = cluster_new(&r->sc, seed ? seed : r->sc.seed, &r->tr);
}

/* Run a begun run to its end and summarise it. */
static inline void run_end(struct run *r)
{
	cluster_run_until(r->c, r->sc.duration_ns);
	cluster_finish(r->c);
	summ_obj(&r->s, NULL);
	cluster_summary(r->c, &r->s);
	summ_end(&r->s);
}

/* seed 0: the scenario's own */
static inline void run_yaml_seed(struct run *r, const char *yaml, uint64_t seed)
{
	run_begin(r, yaml, seed);
	run_end(r);
}

/* Run a scenario made from a printf template (a test's variants of one story), under its
 * own seed. */
__attribute__((format(printf, 2, 3)))
static inline void run_fmt(struct run *r, const char *fmt, ...)
{
	char yaml[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(yaml, sizeof(yaml), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(yaml));
	run_yaml_seed(r, yaml, 0);
}

static inline void run_release(struct run *r)
{
	cluster_free(r->c);
	trace_release(&r->tr);
	summ_release(&r->s);
	scenario_release(&r->sc);
}

static inline double fig(const struct run *r, const char *path)
{
	double v = 0;
	if (!summ_get(&r->s, path, &v))
		fail_msg("no figure %s in the summary", path);
	return v;
}

/* The figure at path lies strictly between lo and hi (a failure names it and its value). */
static inline void assert_fig_between(const struct run *r, const char *path, double lo, double hi)
{
	double v = fig(r, path);
	if (!(v > lo && v < hi))
		fail_msg("%s = %.3f, not in (%.3f, %.3f)", path, v, lo, hi);
}

#endif
