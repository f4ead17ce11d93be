/*
 * stats.c - log-linear histograms of non-negative integers (HdrHistogram's layout).
 *
 * Values 0..63 each have their own bucket. Above, every power of two [2^e, 2^(e+1)) is cut
 * into HIST_SUB = 64 equal sub-buckets of width 2^(e-6), so a bucket's width is at most
 * 1/64 of any value in it: a quantile reported as its bucket's upper bound is high by less
 * than 1/64 relative. 59 groups of 64 cover all of int64_t in 3776 counters (30 KiB),
 * allocated on the first record, so the thousands of idle histograms a large scenario
 * declares cost a few words each. min, max, count and sum are kept exactly.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static unsigned floor_log2(uint64_t v) /* v > 0 */
{
#if defined(__GNUC__)
	return 63u - (unsigned)__builtin_clzll(v);
#else
	unsigned e = 0;

	while (v >>= 1)
		e++;
	return e;
#endif
}

static unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = floor_log2(v);
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned)((v >> (e - HIST_SUB_BITS)) - HIST_SUB);
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_upper(unsigned b)
{
	unsigned g = b / HIST_SUB, j = b % HIST_SUB, shift;

	if (g == 0)
		return b;
	shift = g - 1;
	return (((uint64_t)(HIST_SUB + j) + 1) << shift) - 1;
}

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_release(struct hist *h)
{
	free(h->buckets);
	hist_init(h);
}

void hist_reset(struct hist *h)
{
	uint64_t *b = h->buckets;

	if (b)
		memset(b, 0, HIST_BUCKETS * sizeof(*b));
	hist_init(h);
	h->buckets = b;
}

static void ensure_buckets(struct hist *h)
{
	if (!h->buckets) {
		h->buckets = calloc(HIST_BUCKETS, sizeof(*h->buckets));
		SIM_ASSERT(h->buckets != NULL);
	}
}

void hist_record_n(struct hist *h, int64_t v, uint64_t n)
{
	if (n == 0)
		return;
	if (v < 0)
		v = 0;
	ensure_buckets(h);
	h->buckets[bucket_of((uint64_t)v)] += n;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (h->count == 0 || v > h->max)
		h->max = v;
	h->count += n;
	h->sum += (double)v * (double)n;
}

void hist_record(struct hist *h, int64_t v)
{
	hist_record_n(h, v, 1);
}

void hist_merge(struct hist *into, const struct hist *from)
{
	if (from->count == 0)
		return;
	ensure_buckets(into);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	if (into->count == 0 || from->min < into->min)
		into->min = from->min;
	if (into->count == 0 || from->max > into->max)
		into->max = from->max;
	into->count += from->count;
	into->sum += from->sum;
}

/* rank = ceil(q * count), at least 1; the small slack keeps q * count that should be an
 * integer (0.99 * 1000000) from rounding up past it. */
int64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	double r;

	if (h->count == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	r = q > 0.0 ? ceil(q * (double)h->count - 1e-9) : 0.0; /* q NaN or <= 0: the min */
	rank = r < 1.0 ? 1 : (uint64_t)r;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t up = bucket_upper(i);
			if (up > (uint64_t)h->max)
				return h->max;
			return (int64_t)up < h->min ? h->min : (int64_t)up;
		}
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
