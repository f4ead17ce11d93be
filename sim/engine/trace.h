/*
 * trace.h - the trace sink: one JSON object a line (JSON Lines), simulated time first, fixed
 * field order, written through a buffer. Levels: summary < events < debug. Callers guard
 * with trace_on() (or the TRACE_EV macro) so nothing is formatted below the active level.
 */
#ifndef SIM_ENGINE_TRACE_H
#define SIM_ENGINE_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "sim.h"

enum trace_level { TRACE_SUMMARY = 0, TRACE_EVENTS = 1, TRACE_DEBUG = 2 };

struct trace_held;
struct trace {
	FILE *out;              /* NULL: a sink that drops everything */
	enum trace_level level;
	struct jsonw line;
	uint64_t lines;
	sim_time_ns line_at;    /* the time of the line being built */
	/* trace_hold: lines kept in memory with their times until trace_merge */
	bool hold;
	char *held;
	size_t held_len, held_cap;
	struct trace_held *idx;
	size_t n_idx, cap_idx;
};

/* out may be NULL (no trace). The trace does not own out. */
void trace_init(struct trace *t, FILE *out, enum trace_level level);
void trace_release(struct trace *t); /* flushes */
int trace_level_parse(const char *s, enum trace_level *out); /* 0 ok, -1 unknown */
const char *trace_level_name(enum trace_level l);

static inline bool trace_on(const struct trace *t, enum trace_level l)
{
	return t && t->out && l <= t->level;
}

/* Keep the lines written from now on in memory (on) or write them as they come (off; the
 * lines kept are still for trace_merge). Two kernels running at once (sim.h) each write
 * to a trace of its own, both held, merged after the run in time order. */
void trace_hold(struct trace *t, bool on);
/* Write the lines a and b hold to a's output by time (a's first at equal times), and
 * forget them. */
void trace_merge(struct trace *a, struct trace *b);

/* Start a line {"t_ns":at,"type":type ... ; add fields with jsonw_k*(trace_w(t), ...). */
void trace_begin(struct trace *t, sim_time_ns at, const char *type);
static inline struct jsonw *trace_w(struct trace *t) { return &t->line; }
void trace_end(struct trace *t); /* closes the object, writes the line */

/* TRACE_EV(t, level, at, type) { jsonw_k*(trace_w(t), ...); } runs its block, between
 * trace_begin and trace_end, only when the level is on; below it the block is skipped, so
 * no field is formatted. Do not leave the block with break, return or goto (the line would
 * stay open). */
#define TRACE_EV(t, lvl, at, type)                                                      \
	for (struct trace *trace_ev__ = trace__ev((t), (lvl), (at), (type)); trace_ev__;   \
	     trace_end(trace_ev__), trace_ev__ = NULL)
struct trace *trace__ev(struct trace *t, enum trace_level l, sim_time_ns at, const char *type);

#endif
