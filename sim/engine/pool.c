/*
 * pool.c - see pool.h. A chunk is carved lazily (a bump pointer), so a pool that only ever
 * holds a few objects touches a few lines of its first chunk.
 */
#include "pool.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "xmem.h"

#define POOL_ALIGN alignof(max_align_t)
#define POOL_CHUNK_BYTES (64 * 1024)
#define POOL_LINE 64

struct pool_chunk {
	struct pool_chunk *next;
	max_align_t mem[];
};

void pool_init(struct pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	if (size < sizeof(void *))
		size = sizeof(void *);
	p->size = (size + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN;
	p->chunk_bytes = p->size > POOL_CHUNK_BYTES ? p->size : POOL_CHUNK_BYTES;
	if (p->size % POOL_LINE == 0) /* room to start the first object on a line */
		p->chunk_bytes += POOL_LINE;
}

void *pool_take(struct pool *p)
{
	void *obj = pool_reuse(p);
	if (obj)
		return memset(obj, 0, p->size);
	if (p->left < p->size) {
		struct pool_chunk *ch = xcalloc(1, sizeof(*ch) + p->chunk_bytes);
		ch->next = p->chunks;
		p->chunks = ch;
		p->cur = (char *)ch->mem;
		p->left = p->chunk_bytes;
		if (p->size % POOL_LINE == 0) { /* whole lines each */
			size_t skip = (POOL_LINE - (uintptr_t)p->cur % POOL_LINE) % POOL_LINE;
			p->cur += skip;
			p->left -= skip;
		}
	}
	obj = p->cur; /* chunks come zeroed */
	p->cur += p->size;
	p->left -= p->size;
	return obj;
}

void pool_give(struct pool *p, void *obj)
{
	if (!obj)
		return;
	memcpy(obj, &p->free, sizeof(void *));
	p->free = obj;
}

void pool_release(struct pool *p)
{
	while (p->chunks) {
		struct pool_chunk *next = p->chunks->next;
		free(p->chunks);
		p->chunks = next;
	}
	p->free = NULL;
	p->cur = NULL;
	p->left = 0;
}
