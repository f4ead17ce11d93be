/*
 * zexp.c - standard exponential draws by the ziggurat method (Marsaglia and Tsang, "The
 * Ziggurat Method for Generating Random Variables", J. Stat. Software 5(8), 2000).
 *
 * Why. A producer draws one inter-arrival gap per record; with gsl_ran_exponential
 * (-log1p(-u)) the logarithm was the largest single cost of a 10,000 records/s run. The
 * ziggurat covers the density with 256 horizontal layers of equal area: one 32-bit draw
 * picks a layer (its low 8 bits) and a point in it (its high 24 bits, so the point does
 * not depend on the layer's bits); inside the layer's rectangle under the curve, about 99%
 * of draws, the answer is one multiplication. Only the rest test the curve (one exp) or
 * sample the tail (one log).
 *
 * Tables. For layers i = 1..255 with right edges x_255 = r > ... > x_1 and x_0 = v / f(r)
 * (the base layer's width, tail included), x_{i-1} solves f(x_{i-1}) = f(x_i) + v / x_i,
 * f(x) = exp(-x); r = 7.69711747013104972 and v = 3.9496598225815571993e-3 make the layers
 * close. Computed once per process (call_once: a sweep may run kernels in threads).
 */
#include "zexp.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <threads.h>

#include "rng.h"

#define ZEXP_R 7.69711747013104972
#define ZEXP_V 3.9496598225815571993e-3
#define ZEXP_SCALE 16777216.0 /* 2^24: the high bits of a draw */

struct zexp__tables zexp__t;
static once_flag zt_once = ONCE_FLAG_INIT;
atomic_bool zexp__ready; /* set once the tables are: a load, not a call, per draw */

static void zt_init(void)
{
	double x = ZEXP_R, prev = ZEXP_R, q = ZEXP_V / exp(-ZEXP_R);

	zexp__t.k[0] = (uint32_t)(ZEXP_R / q * ZEXP_SCALE);
	zexp__t.k[1] = 0;
	zexp__t.w[0] = q / ZEXP_SCALE;
	zexp__t.w[255] = ZEXP_R / ZEXP_SCALE;
	zexp__t.f[0] = 1.0;
	zexp__t.f[255] = exp(-ZEXP_R);
	for (int i = 254; i >= 1; i--) {
		x = -log(ZEXP_V / x + exp(-x));
		zexp__t.k[i + 1] = (uint32_t)(x / prev * ZEXP_SCALE);
		prev = x;
		zexp__t.f[i] = exp(-x);
		zexp__t.w[i] = x / ZEXP_SCALE;
	}
	atomic_store_explicit(&zexp__ready, true, memory_order_release);
}

/* The rest of a draw whose first 32 bits, u, missed the inline test in zexp.h (outside the
 * rectangles, or the tables not made yet): the loop of the method, from u on. */
double zexp__draw_slow(gsl_rng *r, uint32_t u)
{
	if (!atomic_load_explicit(&zexp__ready, memory_order_acquire))
		call_once(&zt_once, zt_init);
	for (;;) {
		uint32_t i = u & 255u, j = u >> 8;
		double x = j * zexp__t.w[i];
		if (j < zexp__t.k[i])
			return x; /* inside the layer's rectangle that lies under the curve */
		if (i == 0) /* the tail beyond r: memoryless, so r plus another exponential */
			return ZEXP_R - log(gsl_rng_uniform_pos(r));
		if (zexp__t.f[i] + rng_unit(r) * (zexp__t.f[i - 1] - zexp__t.f[i]) < exp(-x))
			return x; /* in the wedge, under the curve */
		u = rng_u32(r);
	}
}
