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

static inline void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xmem__oom(n);
	return q;
}

#endif
