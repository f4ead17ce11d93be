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

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <threads.h>

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

/* ---- slabs --------------------------------------------------------------------------
 *
 * The logs' batch arrays are a 100-broker run's largest memory (a few KiB for each of
 * 30,000 replicas, growing over the run), and every append or fetch touches one of them
 * near its end: with malloc's 4 KiB pages that is a TLB miss each. Whole-heap huge pages
 * (glibc's hugetlb tunable) showed the gain, 1.06-1.09 by pairs; this gives it to these
 * arrays without an environment variable. Sizes are few (a log doubles from 16 batches),
 * so a free list per distinct size is a short table; slabs are never returned (a run's
 * logs only grow until its end, and a freed block serves the next cluster in a sweep). */
#if defined(__SANITIZE_ADDRESS__)
#define XSLAB_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XSLAB_OFF 1
#endif
#endif

#ifndef XSLAB_OFF
#define XSLAB_SIZES 32 /* distinct block sizes at once */

struct xslab_size {
	size_t bytes;
	void *free; /* freed blocks of this size, linked through their first bytes */
};

static struct {
	mtx_t lock;
	struct xslab_size sizes[XSLAB_SIZES];
	int n_sizes;
	char *cur;      /* the current slab's unused part */
	size_t left;
	void *slabs;    /* every slab, linked through its first bytes (kept reachable) */
} xs;
static once_flag xs_once = ONCE_FLAG_INIT;

static void xs_init(void)
{
	if (mtx_init(&xs.lock, mtx_plain) != thrd_success)
		xmem__oom(0);
}

static struct xslab_size *xs_size(size_t bytes) /* NULL: the table is full */
{
	for (int i = 0; i < xs.n_sizes; i++)
		if (xs.sizes[i].bytes == bytes)
			return &xs.sizes[i];
	if (xs.n_sizes == XSLAB_SIZES)
		return NULL;
	xs.sizes[xs.n_sizes] = (struct xslab_size){ bytes, NULL };
	return &xs.sizes[xs.n_sizes++];
}

static void *xs_take(size_t bytes) /* under the lock; NULL: use malloc */
{
	struct xslab_size *sz = xs_size(bytes);
	if (!sz)
		return NULL;
	if (sz->free) {
		void *b = sz->free;
		memcpy(&sz->free, b, sizeof(void *));
		return b;
	}
	if (xs.left < bytes) { /* a new slab; the old one's rest is left unused */
		char *slab = aligned_alloc(XMEM_HUGE, XMEM_HUGE);
		if (!slab)
			xmem__oom(XMEM_HUGE);
#ifdef MADV_HUGEPAGE
		(void)madvise(slab, XMEM_HUGE, MADV_HUGEPAGE);
#endif
		memcpy(slab, &xs.slabs, sizeof(void *));
		xs.slabs = slab;
		xs.cur = slab + 64; /* blocks start on a line, after the link */
		xs.left = XMEM_HUGE - 64;
	}
	void *b = xs.cur;
	xs.cur += bytes;
	xs.left -= bytes;
	return b;
}


/* Sizes are rounded up to 64 bytes: blocks then start on cache lines. */
static size_t xs_round(size_t bytes)
{
	return (bytes + 63) / 64 * 64;
}
#endif

void *xslab_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
#ifdef XSLAB_OFF
	(void)old_bytes;
	return xrealloc(p, new_bytes);
#else
	size_t oldr = p ? xs_round(old_bytes) : 0, newr = xs_round(new_bytes ? new_bytes : 1);
	call_once(&xs_once, xs_init);
	mtx_lock(&xs.lock);
	/* a block of a size in the table came from a slab: a size enters the table before its
	 * first block, and a size left out (the table full) never enters later */
	bool old_slab = p && oldr <= XSLAB_MAX && xs_size(oldr) != NULL;
	void *q = newr <= XSLAB_MAX ? xs_take(newr) : NULL;
	mtx_unlock(&xs.lock);
	if (!q) { /* too large, or the size table full: malloc's */
		if (p && !old_slab)
			return xrealloc(p, new_bytes);
		q = xrealloc(NULL, new_bytes);
	}
	if (p) {
		memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
		if (old_slab)
			xslab_free(p, old_bytes);
		else
			free(p);
	}
	return q;
#endif
}

void xslab_free(void *p, size_t bytes)
{
#ifdef XSLAB_OFF
	(void)bytes;
	free(p);
#else
	if (!p)
		return;
	size_t r = xs_round(bytes);
	call_once(&xs_once, xs_init);
	mtx_lock(&xs.lock);
	struct xslab_size *sz = r <= XSLAB_MAX ? xs_size(r) : NULL;
	if (sz) {
		memcpy(p, &sz->free, sizeof(void *));
		sz->free = p;
	}
	mtx_unlock(&xs.lock);
	if (!sz)
		free(p);
#endif
}
