/*
 * test_stats.c - histograms: quantiles within 1/64 relative error and never below the true
 * value, exact small values and max, merge identical to recording both, the int64 edges.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "rng.h"
#include "stats.h"

static void test_hist_uniform_quantiles(void **state)
{
	enum { N = 1000000 };
	static const double qs[] = { 0.000001, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9,
				     0.99, 0.999, 0.9999, 0.999999 };
	struct hist h;

	(void)state;
	hist_init(&h);
	for (int64_t v = N; v >= 1; v--)
		hist_record(&h, v);
	assert_int_equal(h.count, N);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, N);
	assert_near(hist_mean(&h), 500000.5, 1e-6);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		int64_t exact = (int64_t)ceil(qs[i] * N - 1e-9); /* the rank-th value is rank */
		int64_t got = hist_quantile(&h, qs[i]);
		if (got < exact || (double)(got - exact) >= (double)exact / 64.0)
			fail_msg("q=%g: got %lld, exact %lld", qs[i], (long long)got,
				 (long long)exact);
	}
	assert_int_equal(hist_quantile(&h, 1.0), N);
	assert_int_equal(hist_quantile(&h, 2.0), N);
	assert_int_equal(hist_quantile(&h, 0.0), 1);
	assert_int_equal(hist_quantile(&h, -1.0), 1);
	assert_int_equal(hist_quantile(&h, NAN), 1);
	hist_release(&h);
}

static void test_hist_small_exact(void **state)
{
	struct hist h;

	(void)state;
	hist_init(&h);
	assert_null(h.buckets); /* lazy */
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_true(hist_mean(&h) == 0.0);
	for (int64_t v = 0; v < 64; v++)
		hist_record(&h, v);
	assert_non_null(h.buckets);
	for (int k = 1; k <= 64; k++)
		assert_int_equal(hist_quantile(&h, k / 64.0), k - 1);
	hist_record(&h, -5); /* records 0 */
	assert_int_equal(h.min, 0);
	assert_int_equal(h.count, 65);
	hist_reset(&h);
	assert_non_null(h.buckets);
	assert_int_equal(h.count, 0);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	hist_record_n(&h, 1000, 3);
	hist_record_n(&h, 7, 0);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.min, 1000);
	assert_int_equal(hist_quantile(&h, 0.5), 1000); /* clamped to max */
	assert_near(hist_mean(&h), 1000.0, 0);
	hist_release(&h);
}

/* Any single value v, with a much larger max beside it: its quantile is its bucket's upper
 * bound, in [v, v + v/64). */
static void test_hist_relative_error(void **state)
{
	gsl_rng *r = rng_stream_new(31, "test/hist");
	struct hist h;

	(void)state;
	hist_init(&h);
	for (int i = 0; i < 100000; i++) {
		int64_t v = (int64_t)exp(rng_unit(r) * log(1e17));
		int64_t got;
		hist_reset(&h);
		hist_record(&h, v);
		hist_record(&h, INT64_MAX);
		got = hist_quantile(&h, 0.5);
		if (got < v || (double)(got - v) >= (double)v / 64.0)
			fail_msg("v=%lld: got %lld", (long long)v, (long long)got);
	}
	assert_int_equal(hist_quantile(&h, 1.0), INT64_MAX);
	hist_reset(&h);
	hist_record(&h, INT64_MAX);
	hist_record(&h, (int64_t)1 << 62);
	assert_int_equal(hist_quantile(&h, 0.5), ((int64_t)65 << 56) - 1);
	assert_int_equal(hist_quantile(&h, 0.9), INT64_MAX);
	hist_release(&h);
	gsl_rng_free(r);
}

static void assert_hist_equal(const struct hist *a, const struct hist *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->max, b->max);
	assert_true(a->sum == b->sum);
	assert_memory_equal(a->buckets, b->buckets, HIST_BUCKETS * sizeof(uint64_t));
	for (int i = 0; i <= 1000; i++)
		assert_int_equal(hist_quantile(a, i / 1000.0), hist_quantile(b, i / 1000.0));
}

static void test_hist_merge(void **state)
{
	gsl_rng *r = rng_stream_new(32, "test/hist-merge");
	struct hist a, b, all, empty, e2;

	(void)state;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	hist_init(&empty);
	hist_init(&e2);
	for (int i = 0; i < 100000; i++) {
		int64_t v = (int64_t)rng_below(r, 1u << 30);
		hist_record(i % 3 ? &a : &b, v);
		hist_record(&all, v);
	}
	hist_merge(&e2, &b); /* into an empty (unallocated) one */
	assert_hist_equal(&e2, &b);
	hist_merge(&a, &empty); /* from an empty one: no change, no allocation */
	assert_null(empty.buckets);
	hist_merge(&a, &b);
	assert_hist_equal(&a, &all);
	hist_merge(&empty, &empty);
	assert_int_equal(empty.count, 0);
	hist_release(&a);
	hist_release(&b);
	hist_release(&all);
	hist_release(&e2);
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_uniform_quantiles),
		cmocka_unit_test(test_hist_small_exact),
		cmocka_unit_test(test_hist_relative_error),
		cmocka_unit_test(test_hist_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
