/*
 * test_rset.c - sim/engine/rset.c against hand-worked cases and a brute-force bitmap model.
 *
 * The model test runs 100k seeded random operations on a universe of 4096 integers, biased
 * towards appends at the end (the fast path) as acknowledgements are, and compares every
 * returned count, every membership, every next gap, and the representation invariants.
 */
#include "testutil.h"

#include <stdbool.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "rset.h"

static void test_basics(void **state)
{
	struct rset s;

	(void)state;
	rset_init(&s);
	assert_int_equal(rset_total(&s), 0);
	assert_int_equal(rset_next_gap(&s, 7), 7);
	assert_false(rset_contains(&s, 0));
	assert_int_equal(rset_add(&s, 5, 5), 0); /* empty: nothing */
	assert_int_equal(s.n, 0);
	/* fast path and merging of adjacent ranges */
	assert_int_equal(rset_add(&s, 0, 5), 0);
	assert_int_equal(rset_add(&s, 5, 10), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(rset_add(&s, 20, 30), 0);
	assert_int_equal(s.n, 2);
	/* a duplicate delivery: [8, 22) overlaps 2 + 2, fills the gap and joins both */
	assert_int_equal(rset_add(&s, 8, 22), 4);
	assert_int_equal(s.n, 1);
	assert_int_equal(rset_range_at(&s, 0).lo, 0);
	assert_int_equal(rset_range_at(&s, 0).hi, 30);
	assert_int_equal(rset_add(&s, 0, 30), 30);
	/* adding in front, touching: merges */
	assert_int_equal(rset_add(&s, -5, 0), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(rset_total(&s), 35);
	/* remove splits */
	assert_int_equal(rset_remove(&s, 10, 12), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(rset_remove(&s, 10, 12), 0);
	assert_false(rset_contains(&s, 10));
	assert_false(rset_contains(&s, 11));
	assert_true(rset_contains(&s, 9));
	assert_true(rset_contains(&s, 12));
	assert_true(rset_contains(&s, -5));
	assert_false(rset_contains(&s, 30));
	assert_int_equal(rset_next_gap(&s, -5), 10);
	assert_int_equal(rset_next_gap(&s, 11), 11);
	assert_int_equal(rset_next_gap(&s, 12), 30);
	assert_int_equal(rset_count_in(&s, 0, 100), 28);
	assert_int_equal(rset_count_in(&s, 9, 13), 2);
	assert_int_equal(rset_count_in(&s, 13, 13), 0);
	/* remove across a gap, trimming both sides */
	assert_int_equal(rset_remove(&s, 8, 14), 4);
	assert_int_equal(s.n, 2);
	assert_int_equal(rset_range_at(&s, 0).hi, 8);
	assert_int_equal(rset_range_at(&s, 1).lo, 14);
	assert_true(rset_valid(&s));
	rset_clear(&s);
	assert_int_equal(rset_total(&s), 0);
	assert_int_equal(rset_add(&s, 1, 2), 0);
	rset_release(&s);
	assert_null(s.r);
}

static void test_count_minus(void **state)
{
	struct rset a, b;

	(void)state;
	rset_init(&a);
	rset_init(&b);
	rset_add(&a, 0, 100);
	assert_int_equal(rset_count_minus(&a, &b), 100);
	rset_add(&b, 10, 20);
	rset_add(&b, 30, 40);
	rset_add(&b, 95, 200);
	assert_int_equal(rset_count_minus(&a, &b), 75);
	assert_int_equal(rset_count_minus(&b, &a), 100);
	rset_add(&a, 150, 160);
	rset_add(&a, 300, 310);
	assert_int_equal(rset_count_minus(&a, &b), 85);
	rset_release(&a);
	rset_release(&b);
}

static void test_extremes(void **state)
{
	struct rset s;

	(void)state;
	rset_init(&s);
	assert_int_equal(rset_add(&s, INT64_MAX - 10, INT64_MAX), 0);
	assert_int_equal(rset_add(&s, INT64_MIN, INT64_MIN + 10), 0);
	assert_int_equal(rset_add(&s, INT64_MIN + 5, INT64_MIN + 20), 5);
	assert_int_equal(s.n, 2);
	assert_true(rset_contains(&s, INT64_MAX - 1));
	assert_false(rset_contains(&s, INT64_MAX));
	assert_int_equal(rset_next_gap(&s, INT64_MIN), INT64_MIN + 20);
	assert_int_equal(rset_next_gap(&s, INT64_MAX - 3), INT64_MAX);
	assert_int_equal(rset_remove(&s, INT64_MIN, INT64_MAX), 30);
	assert_int_equal(s.n, 0);
	rset_release(&s);
}

/* Appends with gaps: one range each, found again by binary search. */
static void test_many_appends(void **state)
{
	struct rset s;
	int64_t i;

	(void)state;
	rset_init(&s);
	for (i = 0; i < 200000; i++)
		assert_int_equal(rset_add(&s, 3 * i, 3 * i + 2), 0);
	assert_int_equal(s.n, 200000);
	assert_int_equal(rset_total(&s), 400000);
	assert_true(rset_contains(&s, 3 * 123457 + 1));
	assert_false(rset_contains(&s, 3 * 123457 + 2));
	assert_int_equal(rset_next_gap(&s, 3 * 99999), 3 * 99999 + 2);
	/* filling every gap, last first (each merge is at the end: no memmove), leaves one range */
	for (i = 199999; i >= 0; i--)
		assert_int_equal(rset_add(&s, 3 * i + 1, 3 * i + 3), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(rset_total(&s), 600000);
	rset_release(&s);
}

/* ---- the model ----------------------------------------------------------------------- */

#define U 4096

static int64_t model_count(const bool *m, int64_t lo, int64_t hi)
{
	int64_t c = 0, v;

	for (v = lo; v < hi; v++)
		c += m[v];
	return c;
}

static void model_check(const struct rset *s, const bool *m)
{
	int64_t v, total = 0;

	if (!rset_valid(s))
		fail_msg("representation invariant broken (n=%zu)", (size_t)s->n);
	for (v = 0; v < U; v++) {
		total += m[v];
		if (rset_contains(s, v) != (int)m[v])
			fail_msg("contains(%lld) = %d, model %d", (long long)v, rset_contains(s, v),
				 m[v]);
	}
	assert_int_equal(rset_total(s), total);
}

/* A random range inside [0, U); often at or just past the set's end. */
static void random_range(gsl_rng *r, const struct rset *s, int64_t *lo, int64_t *hi)
{
	int64_t end = s->n ? rset_range_at(s, s->n - 1).hi : 0;
	int64_t len = 1 + (int64_t)gsl_rng_uniform_int(r, gsl_rng_uniform_int(r, 4) ? 8 : 200);

	if (gsl_rng_uniform_int(r, 3) == 0 && end < U - 1)
		*lo = end + (int64_t)gsl_rng_uniform_int(r, 3); /* append, adjacent or not */
	else
		*lo = (int64_t)gsl_rng_uniform_int(r, U);
	if (gsl_rng_uniform_int(r, 20) == 0)
		len = 0; /* empty */
	*hi = *lo + len;
	if (*lo > U)
		*lo = U;
	if (*hi > U)
		*hi = U;
}

static void model_step(gsl_rng *r, struct rset *s, bool *m, struct rset *t, bool *mt)
{
	int64_t lo, hi, v, want, got;
	unsigned long op = gsl_rng_uniform_int(r, 10);

	random_range(r, s, &lo, &hi);
	if (op < 5) {
		want = model_count(m, lo, hi);
		got = rset_add(s, lo, hi);
		for (v = lo; v < hi; v++)
			m[v] = true;
	} else if (op < 8) {
		want = model_count(m, lo, hi);
		got = rset_remove(s, lo, hi);
		for (v = lo; v < hi; v++)
			m[v] = false;
	} else if (op < 9) {
		want = model_count(m, lo, hi);
		got = rset_count_in(s, lo, hi);
	} else {
		for (want = lo; want < U && m[want]; want++)
			;
		got = rset_next_gap(s, lo);
	}
	if (got != want)
		fail_msg("op %lu on [%lld, %lld): got %lld, model %lld", op, (long long)lo,
			 (long long)hi, (long long)got, (long long)want);
	/* a second set, edited rarely, for count_minus */
	if (gsl_rng_uniform_int(r, 50) == 0) {
		random_range(r, t, &lo, &hi);
		rset_add(t, lo, hi);
		for (v = lo; v < hi; v++)
			mt[v] = true;
	}
}

static void test_against_bitmap_model(void **state)
{
	static bool m[U + 1], mt[U + 1];
	struct rset s, t;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int i;

	(void)state;
	gsl_rng_set(r, 20240601);
	rset_init(&s);
	rset_init(&t);
	memset(m, 0, sizeof(m));
	memset(mt, 0, sizeof(mt));
	for (i = 0; i < 100000; i++) {
		model_step(r, &s, m, &t, mt);
		if (!rset_valid(&s))
			fail_msg("invariant broken after op %d", i);
		if (i % 500 == 0) {
			int64_t v, want = 0;

			model_check(&s, m);
			for (v = 0; v < U; v++)
				want += m[v] && !mt[v];
			assert_int_equal(rset_count_minus(&s, &t), want);
		}
		if (i % 20000 == 19999) { /* start over now and then: sparse and dense phases */
			rset_clear(&s);
			memset(m, 0, sizeof(m));
		}
	}
	model_check(&s, m);
	rset_release(&s);
	rset_release(&t);
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_count_minus),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_many_appends),
		cmocka_unit_test(test_against_bitmap_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
