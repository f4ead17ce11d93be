/*
 * partitioner.h - the Java producer's partitioners, byte-exact.
 *
 * Keyed records: toPositive(murmur2(utf8 key bytes)) % numPartitions, counting every partition
 * of the topic, leaderless ones included (Utils.murmur2, Utils.toPositive,
 * BuiltInPartitioner.partitionForKey). Records without a key (or every record, for the
 * partitioners that ignore keys) go through one struct part_sticky per (producer, topic), in one
 * of three flavours:
 *   PART_DEFAULT        KIP-794 BuiltInPartitioner (default since 3.3): stick to a partition
 *                       until batch.size bytes went to it and its batches are all full, or
 *                       unconditionally at 2 * batch.size; the next one is drawn uniformly
 *                       among partitions with a leader or, with adaptive partitioning, with
 *                       weight (max queue size + 1) - queue size. The draw may return the
 *                       partition just left: Kafka does not exclude it.
 *   PART_STICKY_KIP480  KIP-480 StickyPartitionCache (DefaultPartitioner 2.4-3.2 for null
 *                       keys, UniformStickyPartitioner for all records): change partition when
 *                       a new batch is needed on the sticky one; the new one differs from the
 *                       old whenever more than one partition has a leader.
 *   PART_ROUND_ROBIN    RoundRobinPartitioner: a per-topic counter, one step per partition()
 *                       call, over partitions with a leader. Kafka's producer calls
 *                       partition() a second time when the first choice needs a new batch, so
 *                       the counter steps twice for such records (KAFKA-9965, KAFKA-16283:
 *                       with an even partition count and one batch per record only the even
 *                       partitions are used). That quirk is the default here; set
 *                       rr_reuse_on_new_batch for the behaviour after KAFKA-17632, where the
 *                       second call returns the first choice again.
 *
 * Random draws mirror Java's toPositive(ThreadLocalRandom.nextInt()) % size, with the 31-bit
 * random value taken from the caller's GSL generator. Partitions with a leader are taken in
 * ascending id order, as Kafka's metadata lists them.
 *
 * How the producer drives a part_sticky, per record (Java: KafkaProducer.doSend and
 * RecordAccumulator.append):
 *   1. Choose p: a keyed record that the flavour hashes -> part_for_key(); otherwise
 *      p = part_sticky_partition(). (PART_DEFAULT hashes keys unless partitioner.ignore.keys;
 *      PART_STICKY_KIP480 as DefaultPartitioner hashes keys; PART_ROUND_ROBIN never does.)
 *   2. If part_sticky_aborts_on_new_batch() and p's newest queued batch cannot take the
 *      record (p has no queued batch, or the record does not fit): call
 *      part_sticky_on_new_batch(s, p) - for keyed records too - then choose p again exactly
 *      as in step 1. Do not ask a second time.
 *   3. Append to p, opening a new batch if needed.
 *   4. PART_DEFAULT, record chosen by part_sticky_partition(): call part_sticky_appended()
 *      with the bytes appended and whether, after the append, p's newest queued batch is
 *      full (or p has none queued) - RecordAccumulator.allBatchesFull(). "Full" is Kafka's
 *      ProducerBatch.isFull(): the batch's bytes reached its limit, max(batch.size, its first
 *      record's size). A batch that merely has no room for one more record is not full yet;
 *      the record that finds no room closes it and opens a new batch, which is then the
 *      newest and usually not full. So with records that do not divide batch.size, Kafka
 *      mostly switches at 2 * batch.size; exactly-filling or oversized records switch at
 *      batch.size (RecordAccumulatorTest.testUniformBuiltInPartitioner).
 * And on every pass of the sender over the accumulator (RecordAccumulator.ready), for
 * PART_DEFAULT with adaptive partitioning: part_sticky_load_stats() with the queue sizes. Other
 * flavours ignore that call, so the producer may make it unconditionally.
 * `available`, where taken, is an array of n_partitions flags "the producer's metadata knows a
 * leader for this partition"; NULL means all have one.
 */
#ifndef MODELS_PARTITIONER_H
#define MODELS_PARTITIONER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "config.h"

int32_t part_murmur2(const uint8_t *data, size_t len);   /* as Java's int */
static inline int32_t part_to_positive(int32_t n) { return (int32_t)((uint32_t)n & 0x7fffffffu); }
/* The partition of a key of `len` bytes (UTF-8; need not be NUL-terminated) among
 * n_partitions >= 1 partitions. */
int part_for_key(const char *key, size_t len, int n_partitions);

/* The record key of key index k as the simulator names keys: "key-<k>". Writes into buf
 * (at least 24 bytes) and returns the length. */
size_t part_key_name(uint32_t k, char *buf);

/* State of one producer's partitioner for one topic. Fields are read-only outside
 * partitioner.c, but for rr_reuse_on_new_batch, which the producer may set after init. */
struct part_sticky {
	enum ks_partitioner kind;
	int n_partitions;
	int64_t batch_size;      /* KIP-794 stickyBatchSize: batch.size */
	bool adaptive;           /* partitioner.adaptive.partitioning.enable */
	int current;             /* sticky partition (KIP-794, KIP-480); -1 before the first */
	int64_t produced_bytes;  /* KIP-794: bytes appended to `current` since it was chosen */
	uint64_t switches;       /* how many times a sticky partition was drawn */
	/* KIP-794 adaptive load stats from the last part_sticky_load_stats(): a cumulative
	 * frequency table over partitions with a leader; cft_len 0 = none, draw uniformly. */
	int *cft;                /* n_partitions slots */
	int *cft_ids;            /* partition of each slot */
	int cft_len;
	/* RoundRobinPartitioner */
	uint32_t rr_counter;     /* Java AtomicInteger, starts at 0, wraps */
	bool rr_reuse_on_new_batch; /* false: Kafka <= 3.9.0 double step; true: KAFKA-17632 */
	int rr_pending;          /* with reuse: partition handed back by the next call, or -1 */
};

/* batch_size >= 1, n_partitions >= 1. Allocates; pair with part_sticky_release(). */
void part_sticky_init(struct part_sticky *s, enum ks_partitioner kind, int n_partitions,
		      int64_t batch_size, bool adaptive);
void part_sticky_release(struct part_sticky *s);
/* The topic now has n_partitions (partitions only grow). */
void part_sticky_grow(struct part_sticky *s, int n_partitions);

/* Step 1: Partitioner.partition() for PART_ROUND_ROBIN and PART_STICKY_KIP480,
 * BuiltInPartitioner.peekCurrentPartitionInfo() for PART_DEFAULT. May draw. */
int part_sticky_partition(struct part_sticky *s, const bool *available, gsl_rng *r);
/* True when the producer must abort an append that needs a new batch and call
 * part_sticky_on_new_batch() (KafkaProducer: abortOnNewBatch = a partitioner.class is set). */
bool part_sticky_aborts_on_new_batch(const struct part_sticky *s);
/* Step 2: Partitioner.onNewBatch(topic, cluster, prev_partition). KIP-480 draws a new sticky
 * partition if prev_partition is the sticky one; round-robin notes it (see above). */
void part_sticky_on_new_batch(struct part_sticky *s, int prev_partition, const bool *available,
			      gsl_rng *r);
/* Step 4 (PART_DEFAULT only): `bytes` were appended to `partition`, the sticky one;
 * batches_full is allBatchesFull() after the append. May switch the sticky partition
 * (BuiltInPartitioner.updatePartitionInfo). */
void part_sticky_appended(struct part_sticky *s, int partition, int64_t bytes, bool batches_full,
			  const bool *available, gsl_rng *r);
/* Sender pass (RecordAccumulator.partitionReady): queue_sizes[p] = batches queued for p, or -1
 * if the producer never opened a queue for p (then Kafka stays uniform, as it has not yet seen
 * every partition); available[p] as above. No-op unless PART_DEFAULT and adaptive. */
void part_sticky_load_stats(struct part_sticky *s, const int *queue_sizes, const bool *available);

#endif
