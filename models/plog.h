/*
 * plog.h - a partition replica's log, stored as batches (ranges of offsets that carry one
 * producer's contiguous sequence range), never as records. Keeps the log start offset, the
 * log end offset (LEO), the flushed offset and the leader-epoch cache (epoch -> start
 * offset) that KIP-101 truncation reads (kafka.log.UnifiedLog, LeaderEpochFileCache).
 */
#ifndef MODELS_PLOG_H
#define MODELS_PLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* A batch may hold several producer batches merged on append (same producer and epochs,
 * contiguous sequences, appended within PLOG_MERGE_SPAN_NS of its first): memory grows with
 * producer switches and time, not with requests. Creation times of the records in between
 * are interpolated linearly between the first and the last (plog_create_at). */
struct batch {
	int64_t base;          /* first offset */
	int64_t first_seq;     /* the first record's identity: its number among all the records
				* the producer sent this partition (what the checker counts) */
	int64_t proto_seq;     /* the first record's sequence in the idempotence protocol: from
				* 0 in each producer epoch (what ProducerStateManager checks) */
	int64_t bytes;
	sim_time_ns create_ns; /* when the producer created the first record (end-to-end latency) */
	sim_time_ns last_create_ns; /* ... and the last record */
	sim_time_ns first_append_ns; /* when the leader appended the first record */
	sim_time_ns append_ns; /* when the leader appended the last (retention by time) */
	int32_t count;         /* records */
	int32_t epoch;         /* leader epoch it was written in */
	int32_t producer;      /* producer index; -1 for none */
	int32_t producer_epoch; /* idempotent producer epoch (bumped by KIP-360) */
};

struct epoch_entry {
	int32_t epoch;
	int64_t start; /* first offset written in this epoch */
};

#define PLOG_MERGE_SPAN_NS (1000 * 1000 * 1000LL)

struct plog {
	/* Batches head .. n - 1: b[head .. n - 1) in the array and the last one, n - 1, here in
	 * `tail` (its array slot is reserved but stale). Appends merge into the last batch
	 * (when it is the same producer's continuation) and fetches of a caught-up reader read
	 * only it, so neither touches the array, a cache miss on every follower in a large
	 * cluster. plog_batch() reads batch i wherever it is. The fields are ordered for the
	 * replica's cache lines (kafka.h): what appends and fetches touch first, the rest last. */
	int64_t log_start;     /* first offset still readable */
	int64_t leo;           /* log end offset: next offset to write */
	int32_t last_epoch;    /* ec[n_ec - 1].epoch, -1 when empty: read on every append and
				* fetch, kept here to spare a cache miss on ec */
	uint32_t n_ec;
	struct batch *b;
	uint32_t head, n;      /* counts are 32-bit to keep them on the replica's hot lines */
	struct batch tail;     /* batch n - 1, when n > head */
	int64_t bytes;         /* bytes in live batches */
	int64_t flush_left;    /* records still to come before flush.messages flushes the log */
	/* then what only growth, flushes and elections touch */
	int64_t flushed;       /* offsets below this survive a power loss */
	uint32_t cap, cap_ec;
	struct epoch_entry *ec;
};

void plog_init(struct plog *l);
void plog_release(struct plog *l);
/* Append a batch at the LEO (its base is set here), merging it into the last batch when it
 * continues it; returns the base offset of the appended records. */
int64_t plog_append(struct plog *l, const struct batch *proto);
/* The interpolated creation time of the record at offset (within b). A batch's ends need
 * no division (its first and last record's times exactly: the fraction is 0 or exactly 1,
 * and a span up to 2^53 ns converts to a double and back unchanged): a fetch from mid-batch
 * keeps the batch's end, and a division's latency showed in perf. */
#define PLOG_SPAN_EXACT (INT64_C(1) << 53)
SIM_ALWAYS_INLINE sim_time_ns plog_create_at(const struct batch *b, int64_t offset)
{
	if (b->count <= 1 || offset == b->base)
		return b->create_ns;
	int64_t span = b->last_create_ns - b->create_ns;
	if (offset == b->base + b->count - 1 && span >= -PLOG_SPAN_EXACT && span <= PLOG_SPAN_EXACT)
		return b->last_create_ns;
	double f = (double)(offset - b->base) / (double)(b->count - 1);
	return b->create_ns + (sim_time_ns)(f * (double)span);
}
/* Cut batch b down to its records [lo, hi) (within it), in place: sequences, bytes (pro
 * rata) and creation times (interpolated) follow. Inline, so that a batch copied to a local,
 * cut and stored stays in registers: cut where it was just copied to, its fields were
 * reloaded from the copy's wide stores, which cannot forward to them (a stall perf showed). */
SIM_ALWAYS_INLINE void plog_slice(struct batch *b, int64_t lo, int64_t hi)
{
	sim_time_ns first = plog_create_at(b, lo), last = plog_create_at(b, hi - 1);
	b->first_seq += lo - b->base;
	b->proto_seq += lo - b->base;
	b->bytes = b->count ? b->bytes * (hi - lo) / b->count : 0;
	b->base = lo;
	b->count = (int32_t)(hi - lo);
	b->create_ns = first;
	b->last_create_ns = last;
}
/* Drop everything at or above offset (a batch straddling it is cut). Returns records removed. */
int64_t plog_truncate_to(struct plog *l, int64_t offset);
/* Advance the log start offset (retention): whole batches below `offset` are dropped. */
void plog_advance_start(struct plog *l, int64_t offset);
/* Empty the log and restart it at offset (a follower behind the leader's log start). */
void plog_reset_to(struct plog *l, int64_t offset);
/* Index of the batch holding offset, or (size_t)-1. */
size_t plog_find(const struct plog *l, int64_t offset);
/* Batch i (head <= i < n). */
static inline const struct batch *plog_batch(const struct plog *l, size_t i)
{
	return i + 1 == l->n ? &l->tail : &l->b[i];
}
/* The latest epoch in the cache, -1 when empty. */
static inline int32_t plog_last_epoch(const struct plog *l)
{
	return l->last_epoch;
}
/* KIP-101 OffsetsForLeaderEpoch answered by this log: the end offset of `epoch` (the start of
 * the next higher epoch, or the LEO if epoch is the latest) and the largest epoch <= the
 * requested one (*epoch_out). Returns -1 (UNDEFINED) when no epoch <= requested exists. */
int64_t plog_end_offset_for_epoch(const struct plog *l, int32_t epoch, int32_t *epoch_out);
/* Start offset of the given epoch, -1 when unknown. */
int64_t plog_epoch_start(const struct plog *l, int32_t epoch);
/* Record a new epoch starting at the current LEO (leader election). */
void plog_begin_epoch(struct plog *l, int32_t epoch);

#endif
