/*
 * xmem.h - allocation that cannot fail quietly: on exhaustion the run stops with exit
 * status 3 (internal error) and a message, never a NULL dereference later. Zero sizes are
 * rounded up to one so a NULL return always means exhaustion.
 */
#ifndef SIM_ENGINE_XMEM_H
#define SIM_ENGINE_XMEM_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn static inline void xmem__oom(size_t n)
{
	fprintf(stderr, "kafkasim: out of memory (%zu bytes)\n", n);
	exit(3);
}

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		xmem__oom(n * size);
	return p;
}

/* xcalloc for n elements of `size` bytes aligned to `align` (a power of two): for arrays
 * of cache-line aligned structs, or of small ones grouped by lines. */
static inline void *xcalloc_aligned(size_t n, size_t size, size_t align)
{
	size_t bytes = (n ? n : 1) * size;
	/* C11 asks for a size that is a multiple of the alignment */
	void *p = aligned_alloc(align, (bytes + align - 1) / align * align);
	if (!p)
		xmem__oom(bytes);
	return memset(p, 0, bytes);
}

/* xcalloc_aligned for the large arrays a run reads at random (replicas, partitions,
 * follower views, links, a producer's queues): from XMEM_HUGE_MIN bytes up, placed on
 * 2 MiB boundaries and advised into transparent huge pages before their first touch
 * (xmem.c), so that a 100-broker run's state needs hundreds of TLB entries, not tens of
 * thousands. Smaller arrays, or systems without the advice, get xcalloc_aligned. Free
 * with free(). */
#define XMEM_HUGE ((size_t)2 << 20)      /* the huge page */
#define XMEM_HUGE_MIN ((size_t)512 << 10) /* the least array worth one */
void *xcalloc_huge(size_t n, size_t size, size_t align);

static inline void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xmem__oom(n);
	return q;
}

#endif
