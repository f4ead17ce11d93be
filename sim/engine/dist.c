/*
 * dist.c - probability distributions as scenarios write them, drawn on the caller's stream.
 *
 * Every draw takes the caller's generator (exponential, normal and lognormal through the
 * ziggurats of zig.c, the others through GSL's gsl_ran_* functions), so a distribution
 * never owns randomness and a run stays reproducible per stream. Means and variances are
 * the textbook closed forms (not estimates), used for reporting and for dist_sample_sum.
 *
 * dist_sample_sum exists because records are ranges (DESIGN.md): a consumer batch of n
 * records takes the sum of n processing times, drawn once. It is exact where a closed form
 * exists (constant, exponential and gamma through the gamma's additivity, normal) and for
 * n <= 16 (it sums the draws). Above that: uniform uses the normal approximation with the
 * exact mean and variance, clamped to the support [n*low, n*high]; lognormal and pareto,
 * positive and skewed, use a gamma with the exact mean and variance (shifted by n*x_m for
 * pareto), which never goes below the support as a normal would; a pareto with infinite
 * variance (alpha <= 2) has no such approximation and is summed draw by draw.
 */
#include "dist.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "zig.h"

#define DIST_SUM_EXACT_MAX 16

struct dist dist_constant(double v)
{
	struct dist d = { DIST_CONSTANT, v, 0.0 };
	return d;
}

int dist_lognormal_median_p99(double median, double p99, struct dist *out)
{
	double mu;

	if (!(median > 0.0) || !(p99 > median) || !isfinite(p99))
		return -1;
	mu = log(median);
	out->kind = DIST_LOGNORMAL;
	out->a = mu;
	out->b = (log(p99) - mu) / gsl_cdf_ugaussian_Pinv(0.99);
	return 0;
}

double dist_sample(const struct dist *d, gsl_rng *r)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		return d->a;
	case DIST_UNIFORM:
		return gsl_ran_flat(r, d->a, d->b);
	case DIST_EXPONENTIAL:
		return d->a * zig_exp(r);
	case DIST_NORMAL:
		return d->a + d->b * zig_normal(r);
	case DIST_LOGNORMAL: /* ziggurat normals: no logarithm or square root per draw */
		return exp(d->a + d->b * zig_normal(r));
	case DIST_GAMMA:
		return gsl_ran_gamma(r, d->a, d->b);
	case DIST_PARETO:
		return gsl_ran_pareto(r, d->a, d->b);
	}
	sim__assert_fail("known dist_kind", __FILE__, __LINE__);
}

static sim_time_ns to_ns(double v)
{
	if (!(v > 0.0))
		return 0; /* negative, zero and NaN */
	if (v >= 9.2e18)
		return SIM_TIME_MAX;
	/* llround for 0 < v < 2^63, without the call (once per message): the truncation is
	 * exact, and so is v - t (v and t are within one unit of each other), so the half-way
	 * test is exact too (test_dist checks against llround) */
	int64_t t = (int64_t)v;
	return t + (v - (double)t >= 0.5);
}

sim_time_ns dist_sample_ns(const struct dist *d, gsl_rng *r)
{
	return to_ns(dist_sample(d, r));
}

/* A gamma with mean m and variance v, plus lower: for positive skewed sums. */
static double gamma_matched(double lower, double m, double v, gsl_rng *r)
{
	if (!(m > 0.0) || !(v > 0.0))
		return lower + (m > 0.0 ? m : 0.0);
	return lower + gsl_ran_gamma(r, m * m / v, v / m);
}

double dist_sample_sum(const struct dist *d, uint64_t n, gsl_rng *r)
{
	double dn = (double)n, var, sum = 0.0;

	if (n == 0)
		return 0.0;
	switch (d->kind) {
	case DIST_CONSTANT:
		return dn * d->a;
	case DIST_EXPONENTIAL:
		return gsl_ran_gamma(r, dn, d->a);
	case DIST_GAMMA:
		return gsl_ran_gamma(r, dn * d->a, d->b);
	case DIST_NORMAL:
		return dn * d->a + gsl_ran_gaussian(r, sqrt(dn) * d->b);
	default:
		break;
	}
	var = dist_variance(d);
	if (n <= DIST_SUM_EXACT_MAX || !isfinite(var)) {
		for (uint64_t i = 0; i < n; i++)
			sum += dist_sample(d, r);
		return sum;
	}
	if (d->kind == DIST_UNIFORM) {
		sum = dn * dist_mean(d) + gsl_ran_gaussian(r, sqrt(dn * var));
		return fmin(fmax(sum, dn * d->a), dn * d->b);
	}
	if (d->kind == DIST_PARETO)
		return gamma_matched(dn * d->b, dn * (dist_mean(d) - d->b), dn * var, r);
	return gamma_matched(0.0, dn * dist_mean(d), dn * var, r);
}

double dist_mean(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONSTANT:
	case DIST_EXPONENTIAL:
	case DIST_NORMAL:
		return d->a;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2.0;
	case DIST_LOGNORMAL:
		return exp(d->a + d->b * d->b / 2.0);
	case DIST_GAMMA:
		return d->a * d->b;
	case DIST_PARETO:
		return d->a > 1.0 ? d->a * d->b / (d->a - 1.0) : INFINITY;
	}
	sim__assert_fail("known dist_kind", __FILE__, __LINE__);
}

double dist_variance(const struct dist *d)
{
	double s2;

	switch (d->kind) {
	case DIST_CONSTANT:
		return 0.0;
	case DIST_UNIFORM:
		return (d->b - d->a) * (d->b - d->a) / 12.0;
	case DIST_EXPONENTIAL:
		return d->a * d->a;
	case DIST_NORMAL:
		return d->b * d->b;
	case DIST_LOGNORMAL:
		s2 = d->b * d->b;
		return expm1(s2) * exp(2.0 * d->a + s2);
	case DIST_GAMMA:
		return d->a * d->b * d->b;
	case DIST_PARETO:
		if (d->a <= 2.0)
			return INFINITY;
		return d->b * d->b * d->a / ((d->a - 1.0) * (d->a - 1.0) * (d->a - 2.0));
	}
	sim__assert_fail("known dist_kind", __FILE__, __LINE__);
}

const char *dist_kind_name(enum dist_kind k)
{
	static const char *const names[] = {
		[DIST_CONSTANT] = "constant",       [DIST_UNIFORM] = "uniform",
		[DIST_EXPONENTIAL] = "exponential", [DIST_NORMAL] = "normal",
		[DIST_LOGNORMAL] = "lognormal",     [DIST_GAMMA] = "gamma",
		[DIST_PARETO] = "pareto",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[k];
}

double zipf_weight(uint32_t k, double s)
{
	return pow((double)k + 1.0, -s);
}

int zipf_init(struct zipf *z, uint32_t n, double s)
{
	double *w;

	z->table = NULL;
	z->n = 0;
	if (n == 0 || !(s >= 0.0) || !isfinite(s))
		return -1;
	w = malloc((size_t)n * sizeof(*w));
	if (!w)
		return -1;
	for (uint32_t k = 0; k < n; k++)
		w[k] = zipf_weight(k, s);
	z->table = gsl_ran_discrete_preproc(n, w);
	free(w);
	if (!z->table)
		return -1;
	z->n = n;
	return 0;
}

void zipf_release(struct zipf *z)
{
	if (z->table)
		gsl_ran_discrete_free(z->table);
	z->table = NULL;
	z->n = 0;
}

uint32_t zipf_sample(const struct zipf *z, gsl_rng *r)
{
	SIM_ASSERT(z->table != NULL);
	return (uint32_t)gsl_ran_discrete(r, z->table);
}
