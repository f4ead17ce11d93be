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

#include <string.h>

static const char *const level_names[] = { "summary", "events", "debug" };

void trace_init(struct trace *t, FILE *out, enum trace_level level)
{
	t->out = out;
	t->level = level;
	t->lines = 0;
	jsonw_init(&t->line, false);
}

void trace_release(struct trace *t)
{
	if (t->out)
		fflush(t->out);
	jsonw_release(&t->line);
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
