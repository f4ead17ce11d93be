/*
 * zexp.h - fast standard exponential draws (mean 1) by the ziggurat method.
 */
#ifndef SIM_ENGINE_ZEXP_H
#define SIM_ENGINE_ZEXP_H

#include <stdatomic.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "rng.h"

/* Private to zexp.c and the inline draw below. */
struct zexp__tables {
	uint32_t k[256];  /* a draw below k[i] lies under the curve in layer i */
	double w[256];    /* x_i / 2^24: scales the draw to an abscissa */
	double f[256];    /* f(x_i) */
};
extern struct zexp__tables zexp__t;
extern atomic_bool zexp__ready;
double zexp__draw_slow(gsl_rng *r, uint32_t u);

/* One draw from Exp(1). Needs a generator giving at least 32 random bits (mt19937, taus2).
 * The common case (99% of draws: inside a layer's rectangle) is inline, the rest a call. */
static inline double zexp_draw(gsl_rng *r)
{
	uint32_t u = rng_u32(r), i = u & 255u, j = u >> 8;
	if (atomic_load_explicit(&zexp__ready, memory_order_acquire) && j < zexp__t.k[i])
		return j * zexp__t.w[i];
	return zexp__draw_slow(r, u);
}

#endif
