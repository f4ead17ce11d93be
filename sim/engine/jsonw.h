/*
 * jsonw.h - a small JSON writer into a growable buffer: objects, arrays, strings escaped,
 * integers, booleans and doubles at a fixed precision (so output bytes never depend on
 * the C library's shortest-representation choices). Compact (one line) or pretty (2-space
 * indent). The trace sink and summary.json both write through it.
 */
#ifndef SIM_ENGINE_JSONW_H
#define SIM_ENGINE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char *buf;
	size_t len, cap;
	bool pretty;
	int depth;
	bool need_comma;  /* a value was written at this depth */
	bool after_key;   /* a key was just written: the next value follows it */
};

void jsonw_init(struct jsonw *w, bool pretty);
void jsonw_release(struct jsonw *w);
void jsonw_reset(struct jsonw *w); /* empty the buffer, keep the memory */

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *v);   /* NULL writes null */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
void jsonw_double(struct jsonw *w, double v, int decimals); /* non-finite writes null */
void jsonw_raw(struct jsonw *w, const char *json);          /* an already-encoded value */

/* key + value in one call */
void jsonw_kstr(struct jsonw *w, const char *k, const char *v);
void jsonw_kint(struct jsonw *w, const char *k, int64_t v);
void jsonw_kuint(struct jsonw *w, const char *k, uint64_t v);
void jsonw_kbool(struct jsonw *w, const char *k, bool v);
void jsonw_kdouble(struct jsonw *w, const char *k, double v, int decimals);

#endif
