/*
 * rset.c - integer sets as sorted, disjoint, non-adjacent half-open ranges.
 *
 * Invariants, kept by every edit: r[i].lo < r[i].hi, and r[i].hi < r[i + 1].lo (a gap of at
 * least one integer between neighbours: touching ranges are merged). Lookups are binary
 * searches, O(log n); an edit touching k ranges is O(log n + k) plus one memmove of the ranges
 * after it, which is empty in the common case of adding at or past the end (acknowledgements
 * and deliveries mostly arrive in order), handled by a fast path. rset_total is a walk, O(n).
 * The last range's end lives in last_hi only (continuing it is one store, off the array);
 * an edit other than that writes it back first (sync_last), a lookup reads it through
 * rset_range_at.
 */
#include "rset.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void rset_init(struct rset *s)
{
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
	s->last_hi = 0;
}

void rset_release(struct rset *s)
{
	free(s->r);
	rset_init(s);
}

void rset_clear(struct rset *s)
{
	s->n = 0;
}

static void reserve(struct rset *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 8;
	struct rset_range *r;

	if (need <= s->cap)
		return;
	while (cap < need)
		cap *= 2;
	r = cap <= UINT32_MAX ? realloc(s->r, cap * sizeof(*r)) : NULL;
	if (!r) {
		fprintf(stderr, "kafkasim: out of memory (%zu ranges)\n", cap);
		abort();
	}
	s->r = r;
	s->cap = (uint32_t)cap;
}

/* Give the array its last range's end, before an edit reads or moves ranges. */
static void sync_last(struct rset *s)
{
	if (s->n)
		s->r[s->n - 1].hi = s->last_hi;
}

/* Index of the first range with hi > v, or with hi >= v when `or_equal` (n if none). */
static size_t search_hi(const struct rset *s, int64_t v, bool or_equal)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		int64_t h = rset_range_at(s, mid).hi;

		if (h > v || (or_equal && h == v))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Index of the first range at or after `from` with lo > v, or with lo >= v when `or_equal`
 * (n if none). */
static size_t search_lo(const struct rset *s, size_t from, int64_t v, bool or_equal)
{
	size_t lo = from, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].lo > v || (or_equal && s->r[mid].lo == v))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int64_t overlap(struct rset_range a, int64_t lo, int64_t hi)
{
	int64_t l = a.lo > lo ? a.lo : lo, h = a.hi < hi ? a.hi : hi;

	return h > l ? h - l : 0;
}

/* Replace r[i, j) by the m ranges in `with`. */
static void splice(struct rset *s, size_t i, size_t j, const struct rset_range *with, size_t m)
{
	size_t tail = s->n - j;

	if (m > j - i)
		reserve(s, s->n + m - (j - i));
	if (tail && m != j - i)
		memmove(&s->r[i + m], &s->r[j], tail * sizeof(s->r[0]));
	if (m)
		memcpy(&s->r[i], with, m * sizeof(s->r[0]));
	s->n = (uint32_t)(i + m + tail);
	if (s->n)
		s->last_hi = s->r[s->n - 1].hi;
}

int64_t rset_add(struct rset *s, int64_t lo, int64_t hi)
{
	struct rset_range merged = { lo, hi };
	size_t i, j, k;
	int64_t dup = 0;

	SIM_ASSERT(lo <= hi);
	if (lo == hi)
		return 0;
	/* Fast paths: continuing the last range (a store only), or past the end. */
	if (s->n && lo == s->last_hi) {
		s->last_hi = hi;
		return 0;
	}
	sync_last(s);
	if (s->n == 0 || lo > s->last_hi) {
		reserve(s, s->n + 1);
		s->r[s->n++] = merged;
		s->last_hi = hi;
		return 0;
	}
	/* Ranges [i, j) overlap or touch [lo, hi): hi >= lo and lo <= hi. */
	i = search_hi(s, lo, true);
	j = search_lo(s, i, hi, false);
	for (k = i; k < j; k++)
		dup += overlap(s->r[k], lo, hi);
	if (i < j) {
		if (s->r[i].lo < merged.lo)
			merged.lo = s->r[i].lo;
		if (s->r[j - 1].hi > merged.hi)
			merged.hi = s->r[j - 1].hi;
	}
	splice(s, i, j, &merged, 1);
	return dup;
}

int64_t rset_remove(struct rset *s, int64_t lo, int64_t hi)
{
	struct rset_range keep[2];
	size_t i, j, k, m = 0;
	int64_t removed = 0;

	SIM_ASSERT(lo <= hi);
	if (lo == hi || s->n == 0)
		return 0;
	sync_last(s);
	/* Ranges [i, j) overlap [lo, hi): hi > lo and lo < hi. */
	i = search_hi(s, lo, false);
	j = search_lo(s, i, hi, true);
	if (i >= j)
		return 0;
	for (k = i; k < j; k++)
		removed += overlap(s->r[k], lo, hi);
	if (s->r[i].lo < lo)
		keep[m++] = (struct rset_range){ s->r[i].lo, lo };
	if (s->r[j - 1].hi > hi)
		keep[m++] = (struct rset_range){ hi, s->r[j - 1].hi };
	splice(s, i, j, keep, m);
	return removed;
}

int64_t rset_count_in(const struct rset *s, int64_t lo, int64_t hi)
{
	size_t k;
	int64_t c = 0;

	if (lo >= hi)
		return 0;
	for (k = search_hi(s, lo, false); k < s->n && s->r[k].lo < hi; k++)
		c += overlap(rset_range_at(s, k), lo, hi);
	return c;
}

int64_t rset_total(const struct rset *s)
{
	size_t k;
	int64_t c = 0;

	for (k = 0; k < s->n; k++)
		c += rset_range_at(s, k).hi - s->r[k].lo;
	return c;
}

int rset_contains(const struct rset *s, int64_t v)
{
	size_t k = search_hi(s, v, false);

	return k < s->n && s->r[k].lo <= v;
}

int64_t rset_count_minus(const struct rset *a, const struct rset *b)
{
	size_t i, j = 0;
	int64_t c = 0;

	/* Merge walk: b's ranges before a range of a can be skipped for every later one. */
	for (i = 0; i < a->n; i++) {
		struct rset_range x = rset_range_at(a, i);
		int64_t covered = 0;
		size_t k;

		while (j < b->n && rset_range_at(b, j).hi <= x.lo)
			j++;
		for (k = j; k < b->n && b->r[k].lo < x.hi; k++)
			covered += overlap(rset_range_at(b, k), x.lo, x.hi);
		c += (x.hi - x.lo) - covered;
	}
	return c;
}

int64_t rset_next_gap(const struct rset *s, int64_t from)
{
	size_t k = search_hi(s, from, false);

	if (k < s->n && s->r[k].lo <= from)
		return rset_range_at(s, k).hi; /* next range starts after a gap: hi is not in s */
	return from;
}

bool rset_valid(const struct rset *s)
{
	size_t k;

	if (s->n > s->cap || (s->n && !s->r))
		return false;
	for (k = 0; k < s->n; k++) {
		if (s->r[k].lo >= rset_range_at(s, k).hi)
			return false;
		if (k && s->r[k - 1].hi >= s->r[k].lo)
			return false;
	}
	return true;
}
