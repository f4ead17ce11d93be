/*
 * test_pool.c - fixed-size object pools: objects come zeroed, aligned like malloc's and
 * distinct; a freed one is the next handed out (most recently freed first, so it is likely
 * still in cache); objects spread over several chunks; a released pool starts again.
 */
#include "testutil.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "pool.h"

static void test_pool_zeroed_aligned_distinct(void **state)
{
	enum { N = 5000 }; /* 5000 x 48 bytes: several 64 KB chunks */
	static unsigned char *objs[N];
	struct pool p;

	(void)state;
	pool_init(&p, 40);
	assert_int_equal(p.size % alignof(max_align_t), 0);
	assert_true(p.size >= 40);
	for (int i = 0; i < N; i++) {
		objs[i] = pool_take(&p);
		assert_int_equal((uintptr_t)objs[i] % alignof(max_align_t), 0);
		for (size_t k = 0; k < p.size; k++)
			assert_int_equal(objs[i][k], 0);
		memset(objs[i], 0xab, p.size); /* a neighbour's writes must not overlap */
		if (i > 0)
			assert_true(objs[i] >= objs[i - 1] + p.size || objs[i] + p.size <= objs[i - 1]);
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < p.size; k++)
			assert_int_equal(objs[i][k], 0xab);
	pool_release(&p);
}

static void test_pool_reuses_last_freed_zeroed(void **state)
{
	struct pool p;

	(void)state;
	pool_init(&p, 100);
	unsigned char *a = pool_take(&p), *b = pool_take(&p), *c = pool_take(&p);
	memset(a, 1, p.size);
	memset(b, 2, p.size);
	pool_give(&p, a);
	pool_give(&p, b);
	pool_give(&p, NULL); /* ignored */
	assert_ptr_equal(pool_take(&p), b);
	unsigned char *again = pool_take(&p);
	assert_ptr_equal(again, a);
	for (size_t k = 0; k < p.size; k++)
		assert_int_equal(again[k], 0);
	unsigned char *fresh = pool_take(&p);
	assert_true(fresh != a && fresh != b && fresh != c);
	pool_release(&p);
	assert_null(p.chunks);
	assert_non_null(pool_take(&p)); /* usable again after a release */
	pool_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_zeroed_aligned_distinct),
		cmocka_unit_test(test_pool_reuses_last_freed_zeroed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
