/*
 * zig.c - standard exponential and standard normal draws by the ziggurat method (Marsaglia
 * and Tsang, "The Ziggurat Method for Generating Random Variables", J. Stat. Software 5(8),
 * 2000).
 *
 * Why. A producer draws one inter-arrival gap per record; with gsl_ran_exponential
 * (-log1p(-u)) the logarithm was the largest single cost of a 10,000 records/s run. And
 * every message draws its one-way latency, lognormal by default: GSL's ziggurat normal
 * took a call through the generator's function pointer per 32 bits, about 90 instructions
 * a draw, 3-4% of a run. The ziggurat covers the density with horizontal layers of equal
 * area: one 32-bit draw picks a layer (its low bits) and a point in it (its high 24 bits,
 * so the point does not depend on the layer's bits); inside the layer's rectangle under
 * the curve, about 99% of draws, the answer is one multiplication. Only the rest test the
 * curve (one exp) or sample the tail (logarithms).
 *
 * Tables. For a decreasing density f on [0, inf) cut into n layers with right edges
 * x_{n-1} = r > ... > x_1 and x_0 = v / f(r) (the base layer's width, tail included),
 * x_{i-1} solves f(x_{i-1}) = f(x_i) + v / x_i; (r, v) close the layers at f = f(0):
 *  - exponential, f(x) = exp(-x), 256 layers: r = 7.69711747013104972,
 *    v = 3.9496598225815571993e-3;
 *  - normal, |x| with f(x) = exp(-x^2 / 2) and a sign bit, 128 layers: r = 3.442619855899,
 *    v = 9.91256303526217e-3.
 * The normal's tail beyond r is Marsaglia's: a = -log(U1) / r, b = -log(U2), kept when
 * 2b >= a^2, giving r + a. Computed once per process (call_once: a sweep may run kernels in
 * threads).
 */
#include "zig.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <threads.h>

#include "rng.h"

#define ZIG_EXP_R 7.69711747013104972
#define ZIG_EXP_V 3.9496598225815571993e-3
#define ZIG_NORM_R 3.442619855899
#define ZIG_NORM_V 9.91256303526217e-3
#define ZIG_SCALE 16777216.0 /* 2^24: the high bits of a draw */

struct zig__layers zig__exp, zig__norm;
static once_flag zig_once = ONCE_FLAG_INIT;
atomic_bool zig__ready; /* set once the tables are: a load, not a call, per draw */

static double f_exp(double x)
{
	return exp(-x);
}

static double f_exp_inv(double y)
{
	return -log(y);
}

static double f_norm(double x)
{
	return exp(-0.5 * x * x);
}

static double f_norm_inv(double y)
{
	return sqrt(-2.0 * log(y));
}

/* The n layers of f (inverse finv) closed by (r, v), as the header describes. */
static void layers_make(struct zig__layers *t, int n, double r, double v, double (*f)(double),
			double (*finv)(double))
{
	double x = r, prev = r, q = v / f(r);

	t->k[0] = (uint32_t)(r / q * ZIG_SCALE);
	t->k[1] = 0;
	t->w[0] = q / ZIG_SCALE;
	t->w[n - 1] = r / ZIG_SCALE;
	t->f[0] = 1.0;
	t->f[n - 1] = f(r);
	for (int i = n - 2; i >= 1; i--) {
		x = finv(v / x + f(x));
		t->k[i + 1] = (uint32_t)(x / prev * ZIG_SCALE);
		prev = x;
		t->f[i] = f(x);
		t->w[i] = x / ZIG_SCALE;
	}
}

static void zig_init(void)
{
	layers_make(&zig__exp, 256, ZIG_EXP_R, ZIG_EXP_V, f_exp, f_exp_inv);
	layers_make(&zig__norm, 128, ZIG_NORM_R, ZIG_NORM_V, f_norm, f_norm_inv);
	atomic_store_explicit(&zig__ready, true, memory_order_release);
}

static void zig_ensure(void)
{
	if (!atomic_load_explicit(&zig__ready, memory_order_acquire))
		call_once(&zig_once, zig_init);
}

/* Is a point of layer i whose abscissa has density fx, at a height uniform in the layer's
 * band [f_i, f_{i-1}), under the curve? */
static bool in_wedge(const struct zig__layers *t, uint32_t i, double fx, gsl_rng *r)
{
	return t->f[i] + rng_unit(r) * (t->f[i - 1] - t->f[i]) < fx;
}

static double exp_tail(gsl_rng *r) /* beyond r: memoryless, so r plus another exponential */
{
	return ZIG_EXP_R - log(gsl_rng_uniform_pos(r));
}

static double norm_tail(gsl_rng *r) /* beyond r: Marsaglia's method */
{
	double a, b;
	do {
		a = -log(gsl_rng_uniform_pos(r)) / ZIG_NORM_R;
		b = -log(gsl_rng_uniform_pos(r));
	} while (b + b < a * a);
	return ZIG_NORM_R + a;
}

/* The rest of a draw whose first 32 bits, u, missed the inline test in zig.h (outside the
 * rectangles, or the tables not made yet): the loop of the method, from u on, for the
 * layers t (the layer in u's bits under mask), density f and tail sampler tail; signed
 * draws take their sign from bit 7 of the last u. */
static double zig_slow(const struct zig__layers *t, uint32_t mask, bool sign,
		       double (*f)(double), double (*tail)(gsl_rng *), gsl_rng *r, uint32_t u)
{
	zig_ensure();
	for (;;) {
		uint32_t i = u & mask, j = u >> 8;
		double x = j * t->w[i];
		if (j >= t->k[i]) { /* outside the layer's rectangle under the curve */
			if (i == 0)
				x = tail(r);
			else if (!in_wedge(t, i, f(x), r)) {
				u = rng_u32(r);
				continue;
			}
		}
		return sign && !(u & 128u) ? -x : x;
	}
}

double zig__exp_slow(gsl_rng *r, uint32_t u)
{
	return zig_slow(&zig__exp, 255u, false, f_exp, exp_tail, r, u);
}

double zig__normal_slow(gsl_rng *r, uint32_t u)
{
	return zig_slow(&zig__norm, 127u, true, f_norm, norm_tail, r, u);
}
