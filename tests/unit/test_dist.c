/*
 * test_dist.c - distributions against theory: sample mean within 4 standard errors of
 * dist_mean, sample variance within 5 of its own standard error (estimated from the sample's
 * fourth central moment) of dist_variance; lognormal by median and p99; sums of n draws;
 * Zipf popularity ratios.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "dist.h"
#include "rng.h"
#include "zig.h"

struct moments { double mean, var, m4; };

static struct moments moments_of(const double *x, size_t n)
{
	struct moments m = { 0, 0, 0 };
	double s2 = 0, s4 = 0;

	for (size_t i = 0; i < n; i++)
		m.mean += x[i];
	m.mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = (x[i] - m.mean) * (x[i] - m.mean);
		s2 += d;
		s4 += d * d;
	}
	m.var = s2 / (double)(n - 1);
	m.m4 = s4 / (double)n;
	return m;
}

/* Mean within 4 SE of theory, variance within 5 SE of theory. */
static void check_moments(const char *what, const double *x, size_t n, double mean, double var)
{
	struct moments m = moments_of(x, n);
	double se_mean = sqrt(var / (double)n);
	double se_var = sqrt((m.m4 - m.var * m.var) / (double)n);

	if (fabs(m.mean - mean) > 4 * se_mean)
		fail_msg("%s: mean %.6g, theory %.6g, 4 SE = %.3g", what, m.mean, mean,
			 4 * se_mean);
	if (fabs(m.var - var) > 5 * se_var)
		fail_msg("%s: variance %.6g, theory %.6g, 5 SE = %.3g", what, m.var, var,
			 5 * se_var);
}

static void test_dist_moments(void **state)
{
	enum { N = 1000000 };
	static const struct dist ds[] = {
		{ DIST_UNIFORM, 2.0, 5.0 },     { DIST_EXPONENTIAL, 3.0, 0.0 },
		{ DIST_NORMAL, 10.0, 2.0 },     { DIST_LOGNORMAL, 1.0, 0.5 },
		{ DIST_GAMMA, 2.5, 1.5 },       { DIST_PARETO, 5.0, 2.0 },
	};
	static const double mean[] = { 3.5, 3.0, 10.0, 3.080216848918031, 3.75, 2.5 };
	static const double var[] = { 0.75, 9.0, 4.0, 2.694758124344948, 5.625,
				      0.4166666666666667 };
	double *x = malloc(N * sizeof(*x));
	gsl_rng *r = rng_stream_new(21, "test/dist");

	(void)state;
	for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		assert_near(dist_mean(&ds[k]), mean[k], 1e-9 * mean[k]);
		assert_near(dist_variance(&ds[k]), var[k], 1e-9 * var[k]);
		for (size_t i = 0; i < N; i++)
			x[i] = dist_sample(&ds[k], r);
		check_moments(dist_kind_name(ds[k].kind), x, N, mean[k], var[k]);
	}
	gsl_rng_free(r);
	free(x);
}

static void test_dist_constant_and_limits(void **state)
{
	struct dist c = dist_constant(2.6), neg = { DIST_NORMAL, -50.0, 1.0 };
	struct dist p1 = { DIST_PARETO, 1.0, 1.0 }, p2 = { DIST_PARETO, 2.0, 1.0 };
	gsl_rng *r = rng_stream_new(22, "test/dist-limits");

	(void)state;
	assert_true(dist_sample(&c, r) == 2.6);
	assert_true(dist_mean(&c) == 2.6 && dist_variance(&c) == 0.0);
	assert_int_equal(dist_sample_ns(&c, r), 3);
	assert_int_equal(dist_sample_ns(&neg, r), 0);
	c = dist_constant(1e30);
	assert_int_equal(dist_sample_ns(&c, r), SIM_TIME_MAX);
	assert_true(isinf(dist_mean(&p1)) && isinf(dist_variance(&p1)));
	assert_true(dist_mean(&p2) == 2.0 && isinf(dist_variance(&p2)));
	assert_string_equal(dist_kind_name(DIST_CONSTANT), "constant");
	assert_string_equal(dist_kind_name(DIST_UNIFORM), "uniform");
	assert_string_equal(dist_kind_name(DIST_EXPONENTIAL), "exponential");
	assert_string_equal(dist_kind_name(DIST_NORMAL), "normal");
	assert_string_equal(dist_kind_name(DIST_LOGNORMAL), "lognormal");
	assert_string_equal(dist_kind_name(DIST_GAMMA), "gamma");
	assert_string_equal(dist_kind_name(DIST_PARETO), "pareto");
	gsl_rng_free(r);
}

/* Times round half away from zero, as llround: at and beside every half, and for random
 * magnitudes up to 2^62 (where doubles are integers). */
static void test_dist_ns_rounds_as_llround(void **state)
{
	const double edge[] = { 0.5, nextafter(0.5, 0), 0.49999999999999994, 1.5, 2.5,
				nextafter(2.5, 0), nextafter(2.5, 3), 1e6 + 0.5, 4503599627370495.5,
				4503599627370496.0, 9007199254740993.0, 4.6e18 };
	gsl_rng *r = rng_stream_new(23, "test/dist-round");

	(void)state;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		struct dist c = dist_constant(edge[i]);
		assert_int_equal(dist_sample_ns(&c, r), llround(edge[i]));
	}
	for (int i = 0; i < 100000; i++) {
		double v = ldexp(gsl_rng_uniform_pos(r), (int)rng_below(r, 63));
		struct dist c = dist_constant(v);
		assert_int_equal(dist_sample_ns(&c, r), llround(v));
	}
	gsl_rng_free(r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_dist_lognormal_median_p99(void **state)
{
	enum { N = 1000000 };
	struct dist d;
	double *x = malloc(N * sizeof(*x));
	gsl_rng *r = rng_stream_new(23, "test/lognormal");

	(void)state;
	assert_int_equal(dist_lognormal_median_p99(0.0, 1.0, &d), -1);
	assert_int_equal(dist_lognormal_median_p99(-1.0, 3.0, &d), -1);
	assert_int_equal(dist_lognormal_median_p99(5.0, 5.0, &d), -1);
	assert_int_equal(dist_lognormal_median_p99(5.0, 4.0, &d), -1);
	assert_int_equal(dist_lognormal_median_p99(NAN, 4.0, &d), -1);
	assert_int_equal(dist_lognormal_median_p99(2e6, 2e7, &d), 0);
	assert_int_equal(d.kind, DIST_LOGNORMAL);
	assert_near(d.a, log(2e6), 1e-12);
	assert_near(d.b, log(10.0) / 2.3263478740408408, 1e-9);
	for (size_t i = 0; i < N; i++)
		x[i] = dist_sample(&d, r);
	qsort(x, N, sizeof(*x), cmp_double);
	assert_near(x[N / 2 - 1], 2e6, 0.01 * 2e6);
	assert_near(x[N / 100 * 99 - 1], 2e7, 0.01 * 2e7);
	gsl_rng_free(r);
	free(x);
}

/* Sums of n draws: mean n*mean, variance n*var, for the closed forms (exponential, gamma,
 * normal), the summed and approximated uniform, and the gamma-matched lognormal/pareto. */
static void test_dist_sample_sum(void **state)
{
	enum { M = 200000 };
	static const struct dist ds[] = {
		{ DIST_EXPONENTIAL, 3.0, 0.0 }, { DIST_GAMMA, 2.5, 1.5 },
		{ DIST_NORMAL, 10.0, 2.0 },     { DIST_UNIFORM, 2.0, 5.0 },
		{ DIST_LOGNORMAL, 1.0, 0.5 },   { DIST_PARETO, 5.0, 2.0 },
	};
	static const uint64_t ns[] = { 5, 1000 };
	double *x = malloc(M * sizeof(*x));
	gsl_rng *r = rng_stream_new(24, "test/sum");
	struct dist c = dist_constant(1.5);
	char what[64];

	(void)state;
	for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++)
		for (size_t j = 0; j < 2; j++) {
			double n = (double)ns[j];
			for (size_t i = 0; i < M; i++)
				x[i] = dist_sample_sum(&ds[k], ns[j], r);
			snprintf(what, sizeof(what), "sum of %d %s", (int)ns[j],
				 dist_kind_name(ds[k].kind));
			check_moments(what, x, M, n * dist_mean(&ds[k]), n * dist_variance(&ds[k]));
		}
	for (size_t i = 0; i < 1000; i++) {
		double u = dist_sample_sum(&ds[3], 20, r), p = dist_sample_sum(&ds[5], 20, r);
		assert_true(u >= 40.0 && u <= 100.0 && p >= 40.0);
	}
	assert_true(dist_sample_sum(&c, 4, r) == 6.0);
	assert_true(dist_sample_sum(&ds[0], 0, r) == 0.0);
	gsl_rng_free(r);
	free(x);
}

/* P(0)/P(1) = 2^s; the tolerance is 4 SE of log(c0/c1) by the delta method. */
static void check_zipf(double s, gsl_rng *r)
{
	enum { N = 1000000 };
	struct zipf z;
	double c0 = 0, c1 = 0, h = 0, p0, p1, se;

	assert_int_equal(zipf_init(&z, 100, s), 0);
	for (size_t i = 0; i < N; i++) {
		uint32_t k = zipf_sample(&z, r);
		assert_true(k < 100);
		c0 += k == 0;
		c1 += k == 1;
	}
	for (int k = 1; k <= 100; k++)
		h += pow(k, -s);
	p0 = 1.0 / h;
	p1 = pow(2.0, -s) / h;
	se = sqrt((1 - p0) / (N * p0) + (1 - p1) / (N * p1) + 2.0 / N);
	assert_near(log(c0 / c1), s * log(2.0), 4 * se);
	assert_near(c0 / N, p0, 4 * sqrt(p0 * (1 - p0) / N));
	zipf_release(&z);
	assert_null(z.table);
}

/* The ziggurat's layers, wedges and tail together: P(X > t) = exp(-t) at points inside
 * the top layers, the middle, near r = 7.697 and in the tail beyond it, each within 5
 * standard errors over 4 million draws. A wrong table or edge shows at some t. */
static void test_zig_exp_tail_probabilities(void **state)
{
	enum { N = 4000000 };
	static const double t[] = { 0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 7.69, 8.5, 10.0 };
	enum { NT = sizeof(t) / sizeof(t[0]) };
	long above[NT] = { 0 };
	gsl_rng *r = rng_stream_new(7, "test/zexp");

	(void)state;
	for (long i = 0; i < N; i++) {
		double x = zig_exp(r);
		assert_true(x >= 0.0);
		for (int k = 0; k < NT; k++)
			above[k] += x > t[k];
	}
	for (int k = 0; k < NT; k++) {
		double p = exp(-t[k]), se = sqrt(p * (1 - p) / N);
		double got = (double)above[k] / N;
		if (fabs(got - p) > 5 * se)
			fail_msg("P(X > %g) = %.6g, theory %.6g, 5 SE = %.3g", t[k], got, p, 5 * se);
	}
	gsl_rng_free(r);
}

/* The normal ziggurat the same way, on both sides: P(X > t) and P(X < -t) against the
 * normal tail at points inside the top layers, the middle, near r = 3.4426 and beyond it,
 * each within 5 standard errors over 4 million draws; from a taus2 stream, as a link's
 * latency is drawn. */
static void test_zig_normal_tail_probabilities(void **state)
{
	enum { N = 4000000 };
	static const double t[] = { 0.0, 0.05, 0.3, 1.0, 2.0, 3.0, 3.44, 3.6, 4.0, 4.5 };
	enum { NT = sizeof(t) / sizeof(t[0]) };
	long above[NT] = { 0 }, below[NT] = { 0 };
	double sum = 0.0;
	gsl_rng *r = rng_stream_new_small(11, "test/znorm");

	(void)state;
	for (long i = 0; i < N; i++) {
		double x = zig_normal(r);
		sum += x;
		for (int k = 0; k < NT; k++) {
			above[k] += x > t[k];
			below[k] += x < -t[k];
		}
	}
	for (int k = 0; k < NT; k++) {
		double p = gsl_cdf_ugaussian_Q(t[k]), se = sqrt(p * (1 - p) / N);
		double up = (double)above[k] / N, down = (double)below[k] / N;
		if (fabs(up - p) > 5 * se || fabs(down - p) > 5 * se)
			fail_msg("P(X > %g) = %.6g, P(X < -%g) = %.6g, theory %.6g, 5 SE = %.3g",
				 t[k], up, t[k], down, p, 5 * se);
	}
	assert_near(sum / N, 0.0, 5.0 / sqrt(N));
	gsl_rng_free(r);
}

static void test_zipf(void **state)
{
	gsl_rng *r = rng_stream_new(25, "test/zipf");
	struct zipf z;

	(void)state;
	check_zipf(1.0, r);
	check_zipf(1.5, r);
	assert_int_equal(zipf_init(&z, 0, 1.0), -1);
	assert_int_equal(zipf_init(&z, 10, -1.0), -1);
	assert_int_equal(zipf_init(&z, 10, NAN), -1);
	assert_int_equal(zipf_init(&z, 1, 1.0), 0);
	assert_int_equal(zipf_sample(&z, r), 0);
	zipf_release(&z);
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dist_moments),
		cmocka_unit_test(test_dist_constant_and_limits),
		cmocka_unit_test(test_dist_ns_rounds_as_llround),
		cmocka_unit_test(test_dist_lognormal_median_p99),
		cmocka_unit_test(test_dist_sample_sum),
		cmocka_unit_test(test_zig_exp_tail_probabilities),
		cmocka_unit_test(test_zig_normal_tail_probabilities),
		cmocka_unit_test(test_zipf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
