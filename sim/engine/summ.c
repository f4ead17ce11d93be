/*
 * summ.c - JSON with remembered numeric paths; see summ.h. Lookups are linear: a summary
 * holds thousands of numbers at most and is read once per expectation.
 */
#include "summ.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void summ_init(struct summ *s)
{
	memset(s, 0, sizeof(*s));
	jsonw_init(&s->w, true);
}

void summ_release(struct summ *s)
{
	for (int i = 0; i < s->n_vals; i++)
		free(s->vals[i].path);
	free(s->vals);
	jsonw_release(&s->w);
	memset(s, 0, sizeof(*s));
}

static void push_key(struct summ *s, const char *key)
{
	size_t len = strlen(s->path);
	if (len && len + 1 < sizeof(s->path))
		s->path[len++] = '.';
	snprintf(s->path + len, sizeof(s->path) - len, "%s", key);
}

void summ_obj(struct summ *s, const char *key)
{
	if (s->depth < 32)
		s->plen[s->depth] = strlen(s->path);
	s->depth++;
	if (key) {
		jsonw_key(&s->w, key);
		push_key(s, key);
	}
	jsonw_obj_begin(&s->w);
}

void summ_end(struct summ *s)
{
	jsonw_obj_end(&s->w);
	s->depth--;
	if (s->depth >= 0 && s->depth < 32)
		s->path[s->plen[s->depth]] = '\0';
}

static void remember(struct summ *s, const char *key, double v)
{
	if (s->n_vals == s->cap_vals) {
		s->cap_vals = s->cap_vals ? 2 * s->cap_vals : 64;
		s->vals = realloc(s->vals, (size_t)s->cap_vals * sizeof(*s->vals));
		if (!s->vals)
			abort();
	}
	size_t len = strlen(s->path) + strlen(key) + 2;
	char *p = malloc(len);
	if (!p)
		abort();
	snprintf(p, len, "%s%s%s", s->path, s->path[0] ? "." : "", key);
	s->vals[s->n_vals].path = p;
	s->vals[s->n_vals].v = v;
	s->n_vals++;
}

void summ_int(struct summ *s, const char *key, int64_t v)
{
	jsonw_kint(&s->w, key, v);
	remember(s, key, (double)v);
}

void summ_double(struct summ *s, const char *key, double v, int decimals)
{
	jsonw_kdouble(&s->w, key, v, decimals);
	remember(s, key, v);
}

void summ_str(struct summ *s, const char *key, const char *v)
{
	jsonw_kstr(&s->w, key, v);
}

void summ_bool(struct summ *s, const char *key, bool v)
{
	jsonw_kbool(&s->w, key, v);
	remember(s, key, v ? 1.0 : 0.0);
}

bool summ_get(const struct summ *s, const char *path, double *out)
{
	for (int i = 0; i < s->n_vals; i++) {
		if (strcmp(s->vals[i].path, path) == 0) {
			*out = s->vals[i].v;
			return true;
		}
	}
	return false;
}
