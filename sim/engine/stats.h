/*
 * stats.h - bounded-memory statistics: log-bucketed histograms of non-negative integers
 * (latencies in ns) with a relative error under 1/64, giving p50/p90/p99/p999/max without
 * keeping samples.
 */
#ifndef SIM_ENGINE_STATS_H
#define SIM_ENGINE_STATS_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	int64_t min, max;
	double sum;
	uint64_t *buckets; /* HIST_BUCKETS counters, allocated on first record */
};

void hist_init(struct hist *h);
void hist_release(struct hist *h);
void hist_reset(struct hist *h);                 /* keep memory */
void hist_record(struct hist *h, int64_t v);     /* v < 0 records 0 */
void hist_record_n(struct hist *h, int64_t v, uint64_t n);
void hist_merge(struct hist *into, const struct hist *from);
/* The smallest recorded-bucket value v such that at least q of the count is <= v; exact
 * for q == 1 (max) ; 0 when empty. Reported as the bucket's upper bound clamped to max. */
int64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

#endif
