/*
 * pool.h - fixed-size objects carved from large chunks and reused, most recently freed
 * first. For objects made and freed at message rates (messages, parked requests): no
 * allocator header between them, so they sit densely and a reused one is likely still in
 * cache; pool_release frees every chunk at once, so nothing needs to list the live objects.
 */
#ifndef SIM_ENGINE_POOL_H
#define SIM_ENGINE_POOL_H

#include <stddef.h>
#include <string.h>

struct pool_chunk;

struct pool {
	size_t size;               /* object size, a multiple of max_align_t's alignment */
	size_t chunk_bytes;
	void *free;                /* freed objects; each one's first bytes link to the next */
	struct pool_chunk *chunks;
	char *cur;                 /* the unused end of the newest chunk */
	size_t left;
};

/* Objects of `size` bytes (rounded up to max_align_t's alignment), aligned like malloc's;
 * when that is a multiple of 64, on cache lines: each object is whole lines. */
void pool_init(struct pool *p, size_t size);
/* A zeroed object. Never NULL (exhaustion stops the run, as xcalloc). */
void *pool_take(struct pool *p);
/* The most recently given back object, NOT zeroed, or NULL if none is free: the fast path
 * of a caller that clears only what it uses (pool_take otherwise). */
static inline void *pool_reuse(struct pool *p)
{
	void *obj = p->free;
	if (obj)
		memcpy(&p->free, obj, sizeof(void *));
	return obj;
}
/* Give obj (from pool_take of this pool) back; NULL is ignored. */
void pool_give(struct pool *p, void *obj);
/* Free every chunk: every object taken is gone. The pool may be used again. */
void pool_release(struct pool *p);

#endif
