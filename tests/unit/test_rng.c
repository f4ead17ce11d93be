/*
 * test_rng.c - named streams: the seed derivation is the documented fixed hash (values
 * pinned, computed independently), a stream's draws do not depend on other streams, and
 * rng_below is uniform, also above the generator's 32-bit range.
 */
#include "testutil.h"

#include <math.h>

#include <gsl/gsl_randist.h>

#include "rng.h"

static void test_rng_derive_pinned(void **state)
{
	(void)state;
	/* splitmix64(fnv1a64(name) ^ splitmix64(root)), from a Python reference */
	assert_true(rng_derive_seed(0, "") == UINT64_C(0x5b21f68ffa77f14c));
	assert_true(rng_derive_seed(7, "producer/checkout") == UINT64_C(0x85a1a59c1c5b112c));
	assert_true(rng_derive_seed(UINT64_MAX, "net/broker-1->broker-2") ==
		    UINT64_C(0xd0b1ba8866112276));
	assert_true(rng_derive_seed(7, "producer/a") != rng_derive_seed(7, "producer/b"));
	assert_true(rng_derive_seed(7, "producer/a") != rng_derive_seed(8, "producer/a"));
}

static void test_rng_stream_pinned(void **state)
{
	gsl_rng *r = rng_stream_new(7, "producer/checkout");

	(void)state;
	/* mt19937 seeded with the folded seed: the same numbers on every platform */
	assert_int_equal(gsl_rng_get(r), 2495464963UL);
	assert_int_equal(gsl_rng_get(r), 1330747926UL);
	assert_int_equal(gsl_rng_get(r), 685122443UL);
	gsl_rng_free(r);
}

static void test_rng_stream_independence(void **state)
{
	enum { N = 100 };
	double alone[N];
	gsl_rng *a = rng_stream_new(11, "producer/a");
	gsl_rng *b;

	(void)state;
	for (int i = 0; i < N; i++)
		alone[i] = rng_unit(a);
	gsl_rng_free(a);
	/* again, with consumer/x created first and drawn from between A's draws */
	b = rng_stream_new(11, "consumer/x");
	a = rng_stream_new(11, "producer/a");
	for (int i = 0; i < N; i++) {
		for (int k = 0; k <= i % 5; k++)
			(void)rng_below(b, 1000 + (uint64_t)k);
		assert_true(rng_unit(a) == alone[i]);
		(void)gsl_ran_gaussian(b, 1.0);
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
}

/* Streams under different names or roots give different sequences. */
static void test_rng_streams_differ(void **state)
{
	static const struct { uint64_t root; const char *name; } s[] = {
		{ 1, "producer/a" }, { 1, "producer/b" }, { 2, "producer/a" },
		{ 1, "consumer/x" }, { 0, "" }, { 1, "producer/a " },
	};
	enum { K = sizeof(s) / sizeof(s[0]), N = 8 };
	unsigned long v[K][N];

	(void)state;
	for (int i = 0; i < K; i++) {
		gsl_rng *r = rng_stream_new(s[i].root, s[i].name);
		for (int j = 0; j < N; j++)
			v[i][j] = gsl_rng_get(r);
		gsl_rng_free(r);
	}
	for (int i = 0; i < K; i++)
		for (int k = i + 1; k < K; k++) {
			int same = 0;
			for (int j = 0; j < N; j++)
				same += v[i][j] == v[k][j];
			assert_true(same < N);
		}
}

/* rng_mt19937 is GSL's mt19937 in other clothes: for seeds that include GSL's special
 * cases (0 means 4357; only the low 32 bits count), every draw over several blocks of 624
 * equals gsl_rng_mt19937's, through GSL's calls and through the inline ones. */
static void test_rng_mt19937_matches_gsl(void **state)
{
	const unsigned long seeds[] = { 0, 1, 4357, 5489, 0x6b43a9b5UL, 0xffffffffUL,
					(unsigned long)UINT32_MAX + 1 + 17 };
	(void)state;
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937), *ours = gsl_rng_alloc(rng_mt19937);
		gsl_rng_set(ref, seeds[k]);
		gsl_rng_set(ours, seeds[k]);
		for (int i = 0; i < 3 * 624 + 5; i++) {
			switch (i % 3) {
			case 0:
				assert_int_equal(gsl_rng_get(ref), gsl_rng_get(ours));
				break;
			case 1:
				assert_int_equal(gsl_rng_get(ref), rng_u32(ours));
				break;
			default:
				assert_true(gsl_rng_uniform(ref) == rng_unit(ours));
			}
		}
		gsl_rng_free(ref);
		gsl_rng_free(ours);
	}
}

/* rng_discrete picks what gsl_ran_discrete picks from the same generator state, including
 * the columns whose alias is taken (an uneven law) and a law with one certain outcome. */
static void test_rng_discrete_matches_gsl(void **state)
{
	const double uneven[] = { 5, 1, 0, 3, 0.5, 12, 1, 1 }, certain[] = { 0, 0, 1 };
	gsl_ran_discrete_t *g[2] = { gsl_ran_discrete_preproc(8, uneven),
				     gsl_ran_discrete_preproc(3, certain) };
	(void)state;
	for (int k = 0; k < 2; k++) {
		gsl_rng *a = rng_stream_new(3, "test/discrete"), *b = rng_stream_new(3, "test/discrete");
		int aliased = 0;
		for (int i = 0; i < 20000; i++) {
			double u = gsl_rng_uniform(a);
			size_t c = (size_t)(u * (double)g[k]->K);
			gsl_rng *peek = gsl_rng_clone(b);
			size_t want = gsl_ran_discrete(peek, g[k]);
			gsl_rng_free(peek);
			aliased += want != c;
			assert_int_equal(rng_discrete(b, g[k]), want);
		}
		if (k == 0)
			assert_true(aliased > 1000); /* the alias branch was taken, often */
		gsl_rng_free(a);
		gsl_rng_free(b);
	}
	gsl_ran_discrete_free(g[0]);
	gsl_ran_discrete_free(g[1]);
}

/* A small stream held by its user draws what the same stream allocated draws. */
static void test_rng_small_state_same_draws(void **state)
{
	struct rng_small_state st = { 0 };
	(void)state;
	assert_false(rng_small_seeded(&st));
	gsl_rng *a = rng_stream_new_small(42, "net/broker-1->broker-2");
	rng_small_seed(&st, 42, "net/broker-1->broker-2");
	assert_true(rng_small_seeded(&st));
	for (int i = 0; i < 10000; i++) {
		gsl_rng b = rng_small_view(&st);
		assert_int_equal(gsl_rng_get(a), gsl_rng_get(&b));
	}
	gsl_rng_free(a);
}

/* The inline taus2 step draws what GSL's taus2 draws, 32 bits and doubles alike, from
 * the same seeded state (both states advance in step). */
static void test_rng_taus2_inline_same_draws(void **state)
{
	(void)state;
	assert_int_equal(gsl_rng_taus2->size, sizeof(struct rng__taus));
	gsl_rng *a = rng_stream_new_small(7, "net/broker-3->client-p");
	gsl_rng *b = rng_stream_new_small(7, "net/broker-3->client-p");
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(rng_u32(a), gsl_rng_get(b));
		assert_true(rng_unit(a) == gsl_rng_uniform(b));
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
}

/* Chi-square of rng_below(10) over 100000 draws; 9 degrees of freedom, 99.99% point 33.7. */
static void test_rng_below_small(void **state)
{
	gsl_rng *r = rng_stream_new(3, "test/below");
	uint64_t count[10] = { 0 };
	double chi2 = 0.0, e = 10000.0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t x = rng_below(r, 10);
		assert_true(x < 10);
		count[x]++;
	}
	for (int k = 0; k < 10; k++)
		chi2 += ((double)count[k] - e) * ((double)count[k] - e) / e;
	assert_true(chi2 < 33.7);
	assert_int_equal(rng_below(r, 1), 0);
	gsl_rng_free(r);
}

/* Above 2^32 - 1, rng_below builds 64-bit draws with rejection. For n = 2/3 of 2^64, plain
 * x % n would put 2/3 of the draws below n/2; unbiased gives 1/2. */
static void test_rng_below_large(void **state)
{
	enum { N = 100000 };
	const uint64_t n = UINT64_C(0xaaaaaaaaaaaaaaaa), n2 = UINT64_C(3) << 40 | 7;
	gsl_rng *r = rng_stream_new(4, "test/below-large");
	double low = 0, mean = 0, se;

	(void)state;
	for (int i = 0; i < N; i++) {
		uint64_t x = rng_below(r, n), y = rng_below(r, n2);
		assert_true(x < n && y < n2);
		low += x < n / 2;
		mean += (double)y / (double)n2;
	}
	assert_near(low / N, 0.5, 4 * sqrt(0.25 / N));
	se = sqrt(1.0 / 12.0 / N);
	assert_near(mean / N, 0.5, 4 * se);
	/* exactly 2^32: one past the generator's span */
	for (int i = 0; i < 1000; i++)
		assert_true(rng_below(r, UINT64_C(1) << 32) < (UINT64_C(1) << 32));
	gsl_rng_free(r);
}

static void test_rng_unit(void **state)
{
	enum { N = 100000 };
	gsl_rng *r = rng_stream_new(5, "test/unit");
	double sum = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		double u = rng_unit(r);
		assert_true(u >= 0.0 && u < 1.0);
		sum += u;
	}
	assert_near(sum / N, 0.5, 4 * sqrt(1.0 / 12.0 / N));
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_derive_pinned),
		cmocka_unit_test(test_rng_stream_pinned),
		cmocka_unit_test(test_rng_stream_independence),
		cmocka_unit_test(test_rng_streams_differ),
		cmocka_unit_test(test_rng_small_state_same_draws),
		cmocka_unit_test(test_rng_taus2_inline_same_draws),
		cmocka_unit_test(test_rng_mt19937_matches_gsl),
		cmocka_unit_test(test_rng_discrete_matches_gsl),
		cmocka_unit_test(test_rng_below_small),
		cmocka_unit_test(test_rng_below_large),
		cmocka_unit_test(test_rng_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
