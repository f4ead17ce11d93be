/*
 * jsonw.c - a small JSON writer into a growable buffer, for the trace and summary.json.
 *
 * Output bytes are a pure function of the calls: strings are escaped per RFC 8259 (quote,
 * backslash, and every control character below 0x20 as \u00xx, lower-case hex; other bytes,
 * UTF-8 included, pass through); doubles are printed with "%.*f" at the caller's precision,
 * never with a shortest-representation format, and a negative zero ("-0.000") is written as
 * "0.000"; non-finite doubles are written as null.
 *
 * Layout: compact writes no whitespace at all. Pretty writes one member or element a line,
 * indented 2 spaces a level, "key": value, and an empty container as {} or []. No final
 * newline: the caller owns line endings.
 *
 * State: need_comma says a value was written at the current depth (so the next one needs a
 * separator, and a closing bracket in pretty mode goes on its own line); after_key says the
 * next value completes a member.
 */
#include "jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void jsonw_init(struct jsonw *w, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->pretty = pretty;
}

void jsonw_release(struct jsonw *w)
{
	free(w->buf);
	jsonw_init(w, w->pretty);
}

void jsonw_reset(struct jsonw *w)
{
	w->len = 0;
	if (w->buf)
		w->buf[0] = '\0';
	w->depth = 0;
	w->need_comma = false;
	w->after_key = false;
}

/* Room for n more bytes and a terminating NUL. */
static void reserve(struct jsonw *w, size_t n)
{
	size_t cap;

	if (w->len + n + 1 <= w->cap)
		return;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n + 1)
		cap *= 2;
	w->buf = realloc(w->buf, cap);
	SIM_ASSERT(w->buf != NULL);
	w->cap = cap;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void putc_(struct jsonw *w, char c) { put(w, &c, 1); }
static void puts_(struct jsonw *w, const char *s) { put(w, s, strlen(s)); }

static void newline_indent(struct jsonw *w)
{
	reserve(w, 1 + 2 * (size_t)w->depth);
	w->buf[w->len++] = '\n';
	for (int i = 0; i < w->depth; i++) {
		w->buf[w->len++] = ' ';
		w->buf[w->len++] = ' ';
	}
	w->buf[w->len] = '\0';
}

/* What goes before a value or a key: nothing after a key, else a comma if needed and, in
 * pretty mode inside a container, a new line. */
static void prefix(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->need_comma)
		putc_(w, ',');
	if (w->pretty && w->depth > 0)
		newline_indent(w);
}

static void quoted(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;

	putc_(w, '"');
	for (; *p; p++) {
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		put(w, (const char *)run, (size_t)(p - run));
		run = p + 1;
		if (*p < 0x20) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			put(w, esc, 6);
		} else {
			esc[1] = (char)*p;
			put(w, esc, 2);
		}
	}
	put(w, (const char *)run, (size_t)(p - run));
	putc_(w, '"');
}

static void open_(struct jsonw *w, char c)
{
	prefix(w);
	putc_(w, c);
	w->depth++;
	w->need_comma = false;
}

static void close_(struct jsonw *w, char c)
{
	SIM_ASSERT(w->depth > 0 && !w->after_key);
	w->depth--;
	if (w->pretty && w->need_comma)
		newline_indent(w);
	putc_(w, c);
	w->need_comma = true;
}

void jsonw_obj_begin(struct jsonw *w) { open_(w, '{'); }
void jsonw_obj_end(struct jsonw *w) { close_(w, '}'); }
void jsonw_arr_begin(struct jsonw *w) { open_(w, '['); }
void jsonw_arr_end(struct jsonw *w) { close_(w, ']'); }

void jsonw_key(struct jsonw *w, const char *key)
{
	SIM_ASSERT(!w->after_key);
	prefix(w);
	quoted(w, key);
	puts_(w, w->pretty ? ": " : ":");
	w->after_key = true;
}

/* An already-formatted scalar. */
static void scalar(struct jsonw *w, const char *s)
{
	prefix(w);
	puts_(w, s);
	w->need_comma = true;
}

void jsonw_str(struct jsonw *w, const char *v)
{
	if (!v) {
		scalar(w, "null");
		return;
	}
	prefix(w);
	quoted(w, v);
	w->need_comma = true;
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRId64, v);
	scalar(w, b);
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	scalar(w, b);
}

void jsonw_bool(struct jsonw *w, bool v) { scalar(w, v ? "true" : "false"); }
void jsonw_null(struct jsonw *w) { scalar(w, "null"); }
void jsonw_raw(struct jsonw *w, const char *json) { scalar(w, json); }

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	char b[400]; /* DBL_MAX has 309 integer digits; decimals are capped at 17 */
	const char *p;

	if (!isfinite(v)) {
		scalar(w, "null");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	snprintf(b, sizeof(b), "%.*f", decimals, v);
	p = b;
	if (b[0] == '-' && strspn(b + 1, "0.") == strlen(b + 1))
		p = b + 1; /* "-0.000" -> "0.000" */
	scalar(w, p);
}

void jsonw_kstr(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	jsonw_str(w, v);
}

void jsonw_kint(struct jsonw *w, const char *k, int64_t v)
{
	jsonw_key(w, k);
	jsonw_int(w, v);
}

void jsonw_kuint(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_uint(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *k, bool v)
{
	jsonw_key(w, k);
	jsonw_bool(w, v);
}

void jsonw_kdouble(struct jsonw *w, const char *k, double v, int decimals)
{
	jsonw_key(w, k);
	jsonw_double(w, v, decimals);
}
