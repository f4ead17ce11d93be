/*
 * summ.h - a pretty JSON writer that remembers every number it writes under its dotted
 * path ("checker.acked_lost", "partitions.orders-0.records"), so expectations can be
 * checked against exactly what summary.json says.
 */
#ifndef SIM_ENGINE_SUMM_H
#define SIM_ENGINE_SUMM_H

#include <stdbool.h>
#include <stdint.h>

#include "jsonw.h"

struct summ_val {
	char *path;
	double v;
};

struct summ {
	struct jsonw w;
	char path[512];
	int depth;
	size_t plen[32];          /* path length at each open object */
	struct summ_val *vals;
	int n_vals, cap_vals;
};

void summ_init(struct summ *s);
void summ_release(struct summ *s);
void summ_obj(struct summ *s, const char *key); /* key NULL only for the outermost object */
void summ_end(struct summ *s);
void summ_int(struct summ *s, const char *key, int64_t v);
void summ_double(struct summ *s, const char *key, double v, int decimals);
void summ_str(struct summ *s, const char *key, const char *v);
void summ_bool(struct summ *s, const char *key, bool v);
/* Look a number up by dotted path; returns false when no number was written there. */
bool summ_get(const struct summ *s, const char *path, double *out);

#endif
