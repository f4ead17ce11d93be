/*
 * test_xmem.c - the huge-page allocation helpers: xcalloc_huge's arrays come zeroed and
 * aligned (on 2 MiB from XMEM_HUGE_MIN up); xslab_realloc keeps an array's contents as it
 * doubles from nothing past XSLAB_MAX (into malloc's blocks) and back; a freed slab block
 * is the next one handed out for its size (not under AddressSanitizer, where both are
 * malloc's). Blocks of one size never overlap.
 */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "xmem.h"

static void test_xcalloc_huge_zeroed_aligned(void **state)
{
	(void)state;
	size_t sizes[] = { 64, 4096, XMEM_HUGE_MIN - 64, XMEM_HUGE_MIN, 3 * XMEM_HUGE + 64 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned char *p = xcalloc_huge(sizes[k] / 64, 64, 64);
		assert_int_equal((uintptr_t)p % 64, 0);
		if (sizes[k] >= XMEM_HUGE_MIN)
			assert_int_equal((uintptr_t)p % XMEM_HUGE, 0);
		for (size_t i = 0; i < sizes[k]; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xcd, sizes[k]);
		free(p);
	}
}

static void fill(uint32_t *a, size_t from, size_t to, uint32_t salt)
{
	for (size_t i = from; i < to; i++)
		a[i] = (uint32_t)i * 2654435761u ^ salt;
}

static void check(const uint32_t *a, size_t n, uint32_t salt)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != ((uint32_t)i * 2654435761u ^ salt))
			fail_msg("element %zu of %zu changed", i, n);
}

/* Two arrays growing in turn (so their blocks interleave in the slabs) from 80 bytes past
 * XSLAB_MAX: each keeps every element it had. */
static void test_xslab_grows_and_keeps(void **state)
{
	(void)state;
	uint32_t *a = NULL, *b = NULL;
	size_t n = 0;
	for (size_t cap = 20; cap * sizeof(uint32_t) <= 4 * XSLAB_MAX; cap *= 2) {
		a = xslab_realloc(a, n * sizeof(*a), cap * sizeof(*a));
		b = xslab_realloc(b, n * sizeof(*b), cap * sizeof(*b));
		check(a, n, 1);
		check(b, n, 2);
		fill(a, n, cap, 1);
		fill(b, n, cap, 2);
		n = cap;
	}
	check(a, n, 1);
	check(b, n, 2);
	xslab_free(a, n * sizeof(*a));
	xslab_free(b, n * sizeof(*b));
}

/* A freed block is the next of its size; live blocks of one size are disjoint. */
static void test_xslab_reuses_freed(void **state)
{
	(void)state;
	enum { N = 64, BYTES = 1280 };
	unsigned char *blk[N];
	for (int i = 0; i < N; i++) {
		blk[i] = xslab_realloc(NULL, 0, BYTES);
		memset(blk[i], i, BYTES);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < BYTES; k++)
			assert_int_equal(blk[i][k], i);
	xslab_free(blk[17], BYTES);
	unsigned char *again = xslab_realloc(NULL, 0, BYTES);
#if !defined(__SANITIZE_ADDRESS__)
	assert_ptr_equal(again, blk[17]);
#endif
	blk[17] = again;
	for (int i = 0; i < N; i++)
		xslab_free(blk[i], BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xcalloc_huge_zeroed_aligned),
		cmocka_unit_test(test_xslab_grows_and_keeps),
		cmocka_unit_test(test_xslab_reuses_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
