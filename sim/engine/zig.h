/*
 * zig.h - fast standard exponential (mean 1) and standard normal draws by the ziggurat
 * method.
 */
#ifndef SIM_ENGINE_ZIG_H
#define SIM_ENGINE_ZIG_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "rng.h"

/* Private to zig.c and the inline draws below. Layer i of a density: a draw below k[i]
 * lies under the curve; w[i] (x_i / 2^24) scales a draw to an abscissa; f[i] = f(x_i). */
struct zig__layers {
	uint32_t k[256];
	double w[256];
	double f[256];
};
extern struct zig__layers zig__exp, zig__norm; /* 256 layers; 128 (|x|, a sign bit) */
extern atomic_bool zig__ready;
double zig__exp_slow(gsl_rng *r, uint32_t u);
double zig__normal_slow(gsl_rng *r, uint32_t u);

/* One draw from Exp(1). Needs a generator giving at least 32 random bits (mt19937, taus2).
 * The common case (99% of draws: inside a layer's rectangle) is inline, the rest a call. */
static inline double zig_exp(gsl_rng *r)
{
	uint32_t u = rng_u32(r), i = u & 255u, j = u >> 8;
	if (atomic_load_explicit(&zig__ready, memory_order_acquire) && j < zig__exp.k[i])
		return j * zig__exp.w[i];
	return zig__exp_slow(r, u);
}

/* One draw from N(0, 1), with the same needs: the low 7 bits of a 32-bit draw pick the
 * layer, bit 7 the sign, the high 24 the point. */
static inline double zig_normal(gsl_rng *r)
{
	uint32_t u = rng_u32(r), i = u & 127u, j = u >> 8;
	if (atomic_load_explicit(&zig__ready, memory_order_acquire) && j < zig__norm.k[i]) {
		/* the sign by flipping its bit, not a branch: a coin toss mispredicts half the
		 * time (one draw per message) */
		double x = j * zig__norm.w[i];
		uint64_t bits;
		memcpy(&bits, &x, sizeof(bits));
		bits ^= (uint64_t)(~u & 128u) << 56;
		memcpy(&x, &bits, sizeof(x));
		return x;
	}
	return zig__normal_slow(r, u);
}

#endif
