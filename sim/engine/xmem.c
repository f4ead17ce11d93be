/*
 * xmem.c - the huge-page variant of the allocation helpers (xmem.h).
 *
 * Why. The 100-broker benchmark keeps ~240 MiB of state and reads it at random: a fetch
 * round trip touches replicas, partitions and follower views that no cache holds, and with
 * 4 KiB pages nearly each of those lines also misses the TLB (30,000 replicas of 512 bytes
 * are 3,750 pages; the second-level TLB holds ~2,000). Linux backs an anonymous mapping
 * with 2 MiB pages where it is advised to (MADV_HUGEPAGE; Debian's default transparent
 * huge page mode is "madvise"). The advice changes no byte of any output, only where the
 * kernel puts the memory. Measured on the 100-broker bench cut to 2 s, same build with and
 * without the advice (PGO=0, tests/bench/pair.sh, 8 rounds): 1.04 / 1.06. Arrays from 512
 * KiB up: a 10,000-partition producer's queues and the 10,000 links gained as well.
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE beside _POSIX_C_SOURCE */
#include "xmem.h"

#include <sys/mman.h>

void *xcalloc_huge(size_t n, size_t size, size_t align)
{
	size_t bytes = (n ? n : 1) * size;
#ifdef MADV_HUGEPAGE
	if (bytes >= XMEM_HUGE_MIN && align <= XMEM_HUGE) {
		size_t rounded = (bytes + XMEM_HUGE - 1) / XMEM_HUGE * XMEM_HUGE;
		void *p = aligned_alloc(XMEM_HUGE, rounded);
		if (!p)
			xmem__oom(rounded);
		(void)madvise(p, rounded, MADV_HUGEPAGE); /* advice: refused, it is 4 KiB pages */
		return memset(p, 0, bytes);
	}
#endif
	return xcalloc_aligned(n, size, align);
}
