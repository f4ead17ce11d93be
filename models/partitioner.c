/*
 * partitioner.c - the Java producer's partitioners (see partitioner.h for the protocol).
 *
 * murmur2 follows Utils.murmur2 in unsigned 32-bit arithmetic, which is what Java's wrapping
 * int multiplication and >>> give. The null-key flavours mirror BuiltInPartitioner (KIP-794),
 * StickyPartitionCache (KIP-480) and RoundRobinPartitioner, single-threaded: the races their
 * Java code guards against (isPartitionChanged, replace-if-equal) cannot happen here.
 * Invariants: 0 <= current < n_partitions once chosen; the CFT is strictly increasing (every
 * weight is >= 1), so "first slot greater than x" is Arrays.binarySearch's answer.
 */
#include "partitioner.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "xmem.h"

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u
#define MURMUR2_R 24

static int32_t u32_to_i32(uint32_t h)
{
	/* Two's complement reinterpretation without implementation-defined conversion. */
	return h <= INT32_MAX ? (int32_t)h : -(int32_t)(~h) - 1;
}

int32_t part_murmur2(const uint8_t *data, size_t len)
{
	uint32_t h = MURMUR2_SEED ^ (uint32_t)len;
	size_t i, n4 = len / 4;

	for (i = 0; i < n4; i++) {
		const uint8_t *b = data + 4 * i;
		uint32_t k = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			     (uint32_t)b[3] << 24;
		k *= MURMUR2_M;
		k ^= k >> MURMUR2_R;
		k *= MURMUR2_M;
		h *= MURMUR2_M;
		h ^= k;
	}
	if (len % 4) /* not for a null key's zero bytes: null + 0 is undefined in C */
		data += 4 * n4;
	switch (len % 4) {
	case 3:
		h ^= (uint32_t)data[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)data[1] << 8;
		/* fall through */
	case 1:
		h ^= data[0];
		h *= MURMUR2_M;
		break;
	default:
		break;
	}
	h ^= h >> 13;
	h *= MURMUR2_M;
	h ^= h >> 15;
	return u32_to_i32(h);
}

int part_for_key(const char *key, size_t len, int n_partitions)
{
	SIM_ASSERT(n_partitions >= 1);
	return part_to_positive(part_murmur2((const uint8_t *)key, len)) % n_partitions;
}

size_t part_key_name(uint32_t k, char *buf)
{
	/* "key-" and the decimal digits, by hand: a run names up to millions of keys, and
	 * snprintf was most of the start-up (test_partitioner pins names against printf) */
	char digits[10];
	size_t n = 0, len = 4;

	do {
		digits[n++] = (char)('0' + k % 10);
		k /= 10;
	} while (k);
	memcpy(buf, "key-", 4);
	while (n)
		buf[len++] = digits[--n];
	buf[len] = '\0';
	return len;
}

/* ---- randomness ---------------------------------------------------------------------- */

/* Java's Utils.toPositive(ThreadLocalRandom.current().nextInt()): uniform on [0, 2^31). */
static int32_t java_random_positive(gsl_rng *r)
{
	unsigned long span = gsl_rng_max(r) - gsl_rng_min(r);
	uint32_t v;

	if (span >= 0xffffffffUL) {
		v = (uint32_t)(gsl_rng_get(r) - gsl_rng_min(r));
	} else {
		/* Narrow generators: two 16-bit halves. */
		v = (uint32_t)gsl_rng_uniform_int(r, 65536) << 16;
		v |= (uint32_t)gsl_rng_uniform_int(r, 65536);
	}
	return (int32_t)(v & 0x7fffffffu);
}

static int count_available(const struct part_sticky *s, const bool *available)
{
	int p, n = 0;

	if (!available)
		return s->n_partitions;
	for (p = 0; p < s->n_partitions; p++)
		n += available[p] ? 1 : 0;
	return n;
}

/* The idx-th partition with a leader, ascending (cluster.availablePartitionsForTopic). */
static int nth_available(const struct part_sticky *s, const bool *available, int idx)
{
	int p;

	if (!available)
		return idx;
	for (p = 0; p < s->n_partitions; p++)
		if (available[p] && idx-- == 0)
			return p;
	SIM_ASSERT(!"nth_available: index past the available partitions");
	return -1;
}

/* `random` % (partitions with a leader), or % all partitions when none has one. */
static int pick_uniform(const struct part_sticky *s, const bool *available, int32_t random)
{
	int n_avail = count_available(s, available);

	if (n_avail == 0)
		return random % s->n_partitions;
	return nth_available(s, available, random % n_avail);
}

/* ---- setup --------------------------------------------------------------------------- */

void part_sticky_init(struct part_sticky *s, enum ks_partitioner kind, int n_partitions,
		      int64_t batch_size, bool adaptive)
{
	SIM_ASSERT(n_partitions >= 1);
	SIM_ASSERT(batch_size >= 1);
	s->kind = kind;
	s->n_partitions = n_partitions;
	s->batch_size = batch_size;
	s->adaptive = adaptive;
	s->current = -1;
	s->produced_bytes = 0;
	s->switches = 0;
	s->cft = xrealloc(NULL, sizeof(int) * (size_t)n_partitions);
	s->cft_ids = xrealloc(NULL, sizeof(int) * (size_t)n_partitions);
	s->cft_len = 0;
	s->rr_counter = 0;
	s->rr_reuse_on_new_batch = false;
	s->rr_pending = -1;
}

void part_sticky_release(struct part_sticky *s)
{
	free(s->cft);
	free(s->cft_ids);
	s->cft = s->cft_ids = NULL;
	s->cft_len = 0;
}

void part_sticky_grow(struct part_sticky *s, int n_partitions)
{
	SIM_ASSERT(n_partitions >= s->n_partitions);
	s->cft = xrealloc(s->cft, sizeof(int) * (size_t)n_partitions);
	s->cft_ids = xrealloc(s->cft_ids, sizeof(int) * (size_t)n_partitions);
	/* Load stats stay as computed: they name only old partitions, as in Kafka until the
	 * next sender pass. */
	s->n_partitions = n_partitions;
}

/* ---- KIP-794 BuiltInPartitioner ------------------------------------------------------ */

/* BuiltInPartitioner.nextPartition. */
static int kip794_next(struct part_sticky *s, const bool *available, gsl_rng *r)
{
	int32_t random = java_random_positive(r);
	int lo = 0, hi, x;

	if (s->cft_len == 0)
		return pick_uniform(s, available, random);
	/* First slot whose cumulative weight is strictly greater than x. */
	x = random % s->cft[s->cft_len - 1];
	hi = s->cft_len - 1;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->cft[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return s->cft_ids[lo];
}

static void kip794_switch(struct part_sticky *s, const bool *available, gsl_rng *r)
{
	s->current = kip794_next(s, available, r);
	s->produced_bytes = 0;
	s->switches++;
	SIM_ASSERT(s->current >= 0 && s->current < s->n_partitions);
}

void part_sticky_appended(struct part_sticky *s, int partition, int64_t bytes, bool batches_full,
			  const bool *available, gsl_rng *r)
{
	SIM_ASSERT(s->kind == PART_DEFAULT);
	SIM_ASSERT(partition == s->current);
	SIM_ASSERT(bytes >= 0);
	s->produced_bytes += bytes;
	if ((s->produced_bytes >= s->batch_size && batches_full) ||
	    s->produced_bytes >= 2 * s->batch_size)
		kip794_switch(s, available, r);
}

/* RecordAccumulator.partitionReady's queue sizes + BuiltInPartitioner.updatePartitionLoadStats */
void part_sticky_load_stats(struct part_sticky *s, const int *queue_sizes, const bool *available)
{
	int p, i, len = 0, max_plus1;
	bool all_equal = true;

	s->cft_len = 0;
	if (s->kind != PART_DEFAULT || !s->adaptive)
		return;
	/* Kafka only goes adaptive once every partition has a queue in the accumulator. */
	for (p = 0; p < s->n_partitions; p++)
		if (queue_sizes[p] < 0)
			return;
	for (p = 0; p < s->n_partitions; p++) {
		if (available && !available[p])
			continue;
		s->cft_ids[len] = p;
		s->cft[len++] = queue_sizes[p];
	}
	if (len < 1 || s->n_partitions < 2)
		return;
	max_plus1 = s->cft[0];
	for (i = 1; i < len; i++) {
		if (s->cft[i] != max_plus1)
			all_equal = false;
		if (s->cft[i] > max_plus1)
			max_plus1 = s->cft[i];
	}
	max_plus1++;
	if (all_equal && len == s->n_partitions)
		return; /* uniform anyway */
	s->cft[0] = max_plus1 - s->cft[0];
	for (i = 1; i < len; i++)
		s->cft[i] = max_plus1 - s->cft[i] + s->cft[i - 1];
	s->cft_len = len;
}

/* ---- KIP-480 StickyPartitionCache ---------------------------------------------------- */

/* StickyPartitionCache.nextPartition for a cache that is empty or holds prev_partition. */
static void kip480_next(struct part_sticky *s, const bool *available, gsl_rng *r)
{
	int n_avail = count_available(s, available);
	int old = s->current, next = -1;

	if (n_avail < 1) {
		next = java_random_positive(r) % s->n_partitions;
	} else if (n_avail == 1) {
		next = nth_available(s, available, 0);
	} else {
		while (next == -1 || next == old)
			next = nth_available(s, available, java_random_positive(r) % n_avail);
	}
	s->current = next;
	s->switches++;
}

/* ---- the per-record entry points ----------------------------------------------------- */

static int round_robin(struct part_sticky *s, const bool *available)
{
	int32_t v;

	if (s->rr_pending >= 0) {
		int p = s->rr_pending;

		s->rr_pending = -1;
		return p;
	}
	/* counter.getAndIncrement(), then toPositive: wraps like Java's int. */
	v = (int32_t)(s->rr_counter & 0x7fffffffu);
	s->rr_counter++;
	return pick_uniform(s, available, v);
}

int part_sticky_partition(struct part_sticky *s, const bool *available, gsl_rng *r)
{
	switch (s->kind) {
	case PART_DEFAULT:
		if (s->current < 0)
			kip794_switch(s, available, r);
		return s->current;
	case PART_STICKY_KIP480:
		if (s->current < 0)
			kip480_next(s, available, r);
		return s->current;
	case PART_ROUND_ROBIN:
		return round_robin(s, available);
	}
	SIM_ASSERT(!"part_sticky_partition: unknown partitioner kind");
	return -1;
}

bool part_sticky_aborts_on_new_batch(const struct part_sticky *s)
{
	return s->kind != PART_DEFAULT;
}

void part_sticky_on_new_batch(struct part_sticky *s, int prev_partition, const bool *available,
			      gsl_rng *r)
{
	SIM_ASSERT(s->kind != PART_DEFAULT);
	SIM_ASSERT(prev_partition >= 0 && prev_partition < s->n_partitions);
	if (s->kind == PART_STICKY_KIP480) {
		if (s->current < 0 || s->current == prev_partition)
			kip480_next(s, available, r);
		return;
	}
	/* RoundRobinPartitioner: Partitioner.onNewBatch is a no-op up to 3.9.0. */
	if (s->rr_reuse_on_new_batch)
		s->rr_pending = prev_partition;
}
