/*
 * trace.c - the trace sink: JSON Lines through the caller's FILE (and its buffer).
 *
 * Each line is built in one reusable jsonw buffer (compact mode) and written with a single
 * fwrite, so a line is never interleaved and no memory is allocated per event once the
 * buffer has grown. The line opens with the simulated time then the type, in that order,
 * so traces sort and diff by time. Below the active level callers format nothing: they test
 * trace_on() (or use TRACE_EV) before building a line.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

struct trace_held {
	sim_time_ns at;
	size_t off, len;
};

static const char *const level_names[] = { "summary", "events", "debug" };

void trace_init(struct trace *t, FILE *out, enum trace_level level)
{
	memset(t, 0, sizeof(*t));
	t->out = out;
	t->level = level;
	jsonw_init(&t->line, false);
}

void trace_release(struct trace *t)
{
	if (t->out)
		fflush(t->out);
	jsonw_release(&t->line);
	free(t->held);
	free(t->idx);
	t->held = NULL;
	t->idx = NULL;
	t->held_len = t->held_cap = t->n_idx = t->cap_idx = 0;
}

void trace_hold(struct trace *t, bool on)
{
	t->hold = on;
}

static void held_put(struct trace *t, const char *line, size_t len)
{
	if (t->held_len + len > t->held_cap) {
		size_t cap = t->held_cap ? t->held_cap : 4096;
		while (cap < t->held_len + len)
			cap *= 2;
		t->held = realloc(t->held, cap);
		SIM_ASSERT(t->held != NULL);
		t->held_cap = cap;
	}
	if (t->n_idx == t->cap_idx) {
		t->cap_idx = t->cap_idx ? 2 * t->cap_idx : 256;
		t->idx = realloc(t->idx, t->cap_idx * sizeof(*t->idx));
		SIM_ASSERT(t->idx != NULL);
	}
	memcpy(t->held + t->held_len, line, len);
	t->idx[t->n_idx++] = (struct trace_held){ t->line_at, t->held_len, len };
	t->held_len += len;
}

void trace_merge(struct trace *a, struct trace *b)
{
	size_t i = 0, j = 0;
	while (i < a->n_idx || j < b->n_idx) {
		bool take_a = j == b->n_idx || (i < a->n_idx && a->idx[i].at <= b->idx[j].at);
		const struct trace *t = take_a ? a : b;
		const struct trace_held *h = &t->idx[take_a ? i++ : j++];
		if (a->out)
			fwrite(t->held + h->off, 1, h->len, a->out);
	}
	a->n_idx = a->held_len = b->n_idx = b->held_len = 0;
}

int trace_level_parse(const char *s, enum trace_level *out)
{
	for (int i = TRACE_SUMMARY; i <= TRACE_DEBUG; i++) {
		if (s && strcmp(s, level_names[i]) == 0) {
			*out = (enum trace_level)i;
			return 0;
		}
	}
	return -1;
}

const char *trace_level_name(enum trace_level l)
{
	if ((unsigned)l > TRACE_DEBUG)
		return "unknown";
	return level_names[l];
}

void trace_begin(struct trace *t, sim_time_ns at, const char *type)
{
	t->line_at = at;
	jsonw_reset(&t->line);
	jsonw_obj_begin(&t->line);
	jsonw_kint(&t->line, "t_ns", at);
	jsonw_kstr(&t->line, "type", type);
}

void trace_end(struct trace *t)
{
	struct jsonw *w = &t->line;

	jsonw_obj_end(w);
	SIM_ASSERT(w->depth == 0);
	if (!t->out)
		return;
	/* The buffer always has room for its NUL: borrow it for the newline, one fwrite. */
	w->buf[w->len] = '\n';
	if (t->hold)
		held_put(t, w->buf, w->len + 1);
	else
		fwrite(w->buf, 1, w->len + 1, t->out);
	w->buf[w->len] = '\0';
	t->lines++;
}

struct trace *trace__ev(struct trace *t, enum trace_level l, sim_time_ns at, const char *type)
{
	if (!trace_on(t, l))
		return NULL;
	trace_begin(t, at, type);
	return t;
}
