/*
 * rset.h - sets of int64 integers kept as sorted, disjoint, non-adjacent half-open ranges
 * [lo, hi). Acknowledgements, deliveries, commits and log contents are range sets, so memory
 * grows with the number of gaps, never with the number of records.
 * Costs: lookups O(log n); an edit touching k ranges O(log n + k) plus a memmove of the ranges
 * after it (none when adding at or past the end, the fast path); rset_total and
 * rset_count_minus walk the ranges. Empty ranges (lo == hi) are accepted and change nothing;
 * lo > hi is a broken invariant.
 */
#ifndef SIM_ENGINE_RSET_H
#define SIM_ENGINE_RSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rset_range {
	int64_t lo, hi; /* [lo, hi), lo < hi */
};

struct rset {
	struct rset_range *r;     /* r[n - 1].hi is stale: read ranges with rset_range_at */
	uint32_t n, cap;          /* 24 bytes in all: two sets share a line with little else */
	int64_t last_hi;  /* the last range's end, kept here only: ranges mostly grow at the
			   * end, and continuing the last one then never touches the array (a
			   * cache miss per acknowledgement in a large cluster) */
};

/* Range k (k < n). */
static inline struct rset_range rset_range_at(const struct rset *s, size_t k)
{
	struct rset_range x = s->r[k];
	if (k + 1 == s->n)
		x.hi = s->last_hi;
	return x;
}

void rset_init(struct rset *s);
void rset_release(struct rset *s);
void rset_clear(struct rset *s);
/* Add [lo, hi); returns how many of those integers were already present (the overlap). */
int64_t rset_add(struct rset *s, int64_t lo, int64_t hi);
/* Remove [lo, hi); returns how many integers were removed. */
int64_t rset_remove(struct rset *s, int64_t lo, int64_t hi);
/* How many integers of [lo, hi) are present. */
int64_t rset_count_in(const struct rset *s, int64_t lo, int64_t hi);
int64_t rset_total(const struct rset *s);
int rset_contains(const struct rset *s, int64_t v);
/* |a \ b|: integers in a that are not in b. */
int64_t rset_count_minus(const struct rset *a, const struct rset *b);
/* Smallest integer >= from that is NOT in s. */
int64_t rset_next_gap(const struct rset *s, int64_t from);
/* Whether the representation invariants hold (lo < hi, sorted, gaps between ranges). O(n);
 * for tests and assertions. */
bool rset_valid(const struct rset *s);

#endif
