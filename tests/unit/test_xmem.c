/*
 * test_xmem.c - xcalloc_huge: its arrays come zeroed, aligned as asked, and on 2 MiB
 * boundaries from XMEM_HUGE_MIN bytes up (where they are advised into huge pages); all
 * of each is writable.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xcalloc_huge_zeroed_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
