/*
 * run.h - `kafkasim run`: one scenario under one seed, written to an output directory.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "trace.h"

struct run_opts {
	const char *out_dir;        /* NULL: output/<name>/ */
	bool seed_set;
	uint64_t seed;
	sim_time_ns until_ns;       /* 0: the scenario's duration */
	enum trace_level trace_level;
	bool plots;
	bool quiet;                 /* no report on stdout */
	int threads;                /* 0: the default (cluster_set_threads) */
};

/* Exit status: 0 ok, 1 an expectation failed, 3 an output could not be written. */
int run_scenario(struct scenario *sc, const struct run_opts *o);
int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif
