/*
 * evq.c - the event queue, ordered by (time, sequence): a sorted array while small, a 4-ary
 * min-heap beyond, with cancellation by id.
 *
 * Layout. Events live in a pool of slots (callback, subject, arg, key word). The heap is
 * one array of keys, 16 bytes each: the time, and the sequence number shifted left over the
 * slot index (seq << 24 | slot). Sequence numbers are unique, so ordering the second word
 * orders by sequence, and the slot rides along for free: a heap move is one 16-byte copy.
 * The four children of a node are 64 contiguous bytes, and the array is offset so that they
 * share one cache line. seq comes from a counter at push, so keys are unique and equal times
 * pop in push order: the order never depends on heap tie-breaking.
 *
 * Ids and cancellation. A timer id is its entry's key word (seq << 24 | slot), which a slot
 * keeps while its event is pending: sequences start at 1, so an id is never 0, and they are
 * never reused, so once the event is popped or cancelled (the slot's word cleared, or taken
 * by a later event) a stale id no longer matches and evq_cancel returns 0 for it. A cancel
 * frees the slot at once and leaves the entry in the heap, stale (its slot no longer names
 * it), to be dropped when it reaches the top.
 * The top is never stale (every pop and cancel clears stale entries off it), so peeking
 * needs no check. Models cancel rarely (one cancel per million pushes in the 3-broker
 * bench), and when stale entries outnumber live ones the heap is rebuilt without them (in
 * linear time), so they never hold more than half of it.
 *
 * Small queues. Up to EVQ_SMALL_MAX entries the keys are an array sorted descending (the
 * earliest last): a pop takes the last, a push scans from the earliest end (new events
 * mostly fall among the earliest) and moves what follows up. A push past the bound
 * reverses the array, which then ascends and so is a heap already; a pop that leaves fewer
 * than EVQ_SMALL_MIN entries sorts the heap back (the gap between the bounds keeps a queue
 * hovering near one of them from switching back and forth). A 3-broker cluster keeps about
 * 25 events pending: cachegrind, the 3-broker bench cut to 300 s, 3.52 G -> 3.41 G
 * instructions for the whole run, the queue's share from 389 M to 277 M.
 *
 * Front slot. The earliest pending event is held out of the heap, beside it. In a run a
 * handler's first reply is often the next event of all (in the 3-broker bench, 36% of
 * pushes): held in front, it costs no climb to the root at push and no descent at pop. A
 * push before the front displaces the held event into the heap (the new front is earlier
 * than everything else too); a pop takes the front when there is one.
 *
 * Hot path. Comparisons are branch-free (a 128-bit borrow and a mask select): in a
 * simulation which child wins is a coin toss, and mispredicted branches cost more than the
 * arithmetic. A pop moves the hole to a leaf along the smallest children, then lets the
 * last element rise (Wegener's bottom-up heapsort): it came from the bottom, so it rarely
 * rises far, saving the compare with it at every level.
 *
 * Measured by cachegrind on the 3-broker bench cut to 300 s (whole run): the front slot
 * 4.44 G -> 4.31 G instructions; keys carrying their slot with lazy cancellation (a move
 * was three stores: key, slot, and the slot's position for cancel), with -O3:
 * 4.02 G -> 3.95 G.
 *
 * Why 4-ary. A d-ary heap is log2(d) times shallower; a pop compares d children a level,
 * but they share one cache line, and a push (new events mostly land near the bottom)
 * touches fewer levels. tests/bench/bench_engine.c compiles this file twice (EVQ_ARITY 2
 * and 4) and runs the same hold model (pop + push, delays exponential with mean 1 ms) on
 * both. On the 2-core dev box, gcc 12 -O3, two runs of `make bench` on a shared machine:
 *     N = 1000:    binary 17.9-18.3 M events/s, 4-ary 19.2-20.8 M events/s
 *     N = 100000:  binary  5.8-6.7 M events/s,  4-ary  7.5-8.1 M events/s
 * When the choice was made (before the front slot and the slot-carrying keys; -O2), per
 * event by cachegrind: N = 1000, 611 -> 579 instructions and 2.2 -> 1.4 mispredicted
 * branches; N = 100000, 27 -> 15 L1 data misses; 8-ary ran 28% more instructions than
 * 4-ary to save 9% of the misses. In whole runs the front slot takes the small-heap case:
 * with it, a binary heap is within 0.2% of 4-ary on the 3-broker bench.
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#ifndef EVQ_ARITY
#define EVQ_ARITY 4
#endif
#define EVQ_LINE 64
#define EVQ_NIL UINT32_MAX
#define EVQ_SLOT_BITS 24
#define EVQ_SLOT_MASK ((UINT64_C(1) << EVQ_SLOT_BITS) - 1)
#define EVQ_SLOTS_MAX (UINT32_C(1) << EVQ_SLOT_BITS)      /* pending events at once */
#define EVQ_SEQ_MAX (UINT64_C(1) << (64 - EVQ_SLOT_BITS)) /* pushes in a run: 10^12 */
#define EVQ_SMALL_MAX 48 /* a small queue becomes a heap when a push would pass this */
#define EVQ_SMALL_MIN 16 /* and a heap a small queue when a pop leaves fewer */

struct evq_slot {
	sim_event_fn *fn;  /* NULL while the slot is free */
	void *subject;
	union {
		void *arg;
		uint32_t next; /* while free: the free list */
	};
	uint64_t ss;       /* the key word of the slot's pending entry (its id); 0 while free */
};
/* Two slots a line (the array is line-aligned): the loop reads the next events' slots for
 * cache warming, mostly a miss each in a large run. */
_Static_assert(sizeof(struct evq_slot) == 32, "a slot is half a cache line");

/* (a.at, a.ss) < (b.at, b.ss) as the borrow of a 128-bit subtraction: times are never
 * negative (evq_push asserts it), so a.at - b.at cannot overflow, and the result is plain
 * arithmetic with no branch to mispredict. */
static inline size_t key_less(struct evq_key a, struct evq_key b)
{
	uint64_t d = (uint64_t)a.at - (uint64_t)b.at - (uint64_t)(a.ss < b.ss);
	return (size_t)(d >> 63);
}

/* The index of the smaller key, selected by a mask rather than a branch. */
static inline size_t min_child(const struct evq_key *keys, size_t a, size_t b)
{
	size_t mask = 0 - key_less(keys[b], keys[a]);
	return (a & ~mask) | (b & mask);
}

static inline uint32_t key_slot(struct evq_key k)
{
	return (uint32_t)(k.ss & EVQ_SLOT_MASK);
}

static inline bool key_live(const struct evq *q, struct evq_key k)
{
	return q->slots[key_slot(k)].ss == k.ss;
}

void evq_init(struct evq *q)
{
	memset(q, 0, sizeof(*q));
	q->free_head = EVQ_NIL;
	q->front = EVQ_NIL;
	q->next_seq = 1;
	q->small = true;
}

void evq_release(struct evq *q)
{
	free(q->keys_mem);
	free(q->slots);
	evq_init(q);
}

/* Grow the heap array. keys is placed EVQ_ARITY - 1 entries past a line boundary, so the
 * children of node i (indices d*i+1 .. d*i+d) start on a line boundary. */
static void grow_heap(struct evq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 256;
	size_t pad = EVQ_ARITY - 1;
	size_t bytes = (cap + pad) * sizeof(struct evq_key);
	void *mem;

	bytes = (bytes + EVQ_LINE - 1) / EVQ_LINE * EVQ_LINE;
	mem = aligned_alloc(EVQ_LINE, bytes);
	SIM_ASSERT(mem != NULL);
	if (q->len)
		memcpy((struct evq_key *)mem + pad, q->keys, q->len * sizeof(struct evq_key));
	free(q->keys_mem);
	q->keys_mem = mem;
	q->keys = (struct evq_key *)mem + pad;
	q->cap = cap;
}

/* Grow the slot pool; new slots join the free list lowest index first. */
static void grow_slots(struct evq *q)
{
	size_t old = q->slots_cap, cap = old ? old * 2 : 256;

	SIM_ASSERT(cap <= EVQ_SLOTS_MAX);
	struct evq_slot *slots = aligned_alloc(EVQ_LINE, cap * sizeof(*slots));
	SIM_ASSERT(slots != NULL);
	if (old)
		memcpy(slots, q->slots, old * sizeof(*slots));
	free(q->slots);
	q->slots = slots;
	for (size_t i = old; i < cap; i++) {
		q->slots[i] = (struct evq_slot){ 0 };
		q->slots[i].next = i + 1 < cap ? (uint32_t)(i + 1) : q->free_head;
	}
	q->slots_cap = cap;
	q->free_head = (uint32_t)old;
}

static void free_slot(struct evq *q, uint32_t slot)
{
	struct evq_slot *s = &q->slots[slot];

	s->fn = NULL;
	s->ss = 0;
	s->next = q->free_head;
	q->free_head = slot;
}

static void sift_up(struct evq *q, size_t pos, struct evq_key k)
{
	while (pos > 0) {
		size_t parent = (pos - 1) / EVQ_ARITY;
		if (!key_less(k, q->keys[parent]))
			break;
		q->keys[pos] = q->keys[parent];
		pos = parent;
	}
	q->keys[pos] = k;
}

/* The smallest child of pos, or 0 for a leaf. A node with all its children (the common
 * case) is a tournament of two independent compares and a final one, all branch-free: in a
 * simulation the winner is unpredictable, so branches would mostly mispredict. */
static inline size_t smallest_child(const struct evq *q, size_t pos)
{
	size_t c = EVQ_ARITY * pos + 1, best = c;

	if (c + EVQ_ARITY <= q->len) {
#if EVQ_ARITY == 4
		return min_child(q->keys, min_child(q->keys, c, c + 1),
				 min_child(q->keys, c + 2, c + 3));
#else
		for (size_t i = 1; i < EVQ_ARITY; i++)
			best = min_child(q->keys, best, c + i);
		return best;
#endif
	}
	if (c >= q->len)
		return 0;
	for (size_t i = c + 1; i < q->len; i++)
		best = min_child(q->keys, best, i);
	return best;
}

/* Take the top entry out of the heap. Bottom-up (Wegener): move the hole down to a leaf
 * along the smallest children without comparing the last entry, then let the last entry
 * rise from there. It came from the bottom of the heap, so it usually rises a level or two:
 * about one compare a level fewer than the textbook sift-down. */
static void heap_pop_top(struct evq *q)
{
	size_t last = --q->len, pos = 0, c;

	if (last == 0)
		return;
	while ((c = smallest_child(q, pos)) != 0) {
		q->keys[pos] = q->keys[c];
		pos = c;
	}
	if (pos != last)
		sift_up(q, pos, q->keys[last]);
}

/* The earliest entry (len > 0): the last of a small queue, the root of a heap. */
static inline struct evq_key top_key(const struct evq *q)
{
	return q->small ? q->keys[q->len - 1] : q->keys[0];
}

static inline void pop_top(struct evq *q)
{
	if (q->small)
		q->len--;
	else
		heap_pop_top(q);
}

/* A small queue becomes a heap: reversed, its keys ascend, which is a heap already. */
static void small_to_heap(struct evq *q)
{
	for (size_t i = 0, j = q->len; i + 1 < j--; i++) {
		struct evq_key t = q->keys[i];
		q->keys[i] = q->keys[j];
		q->keys[j] = t;
	}
	q->small = false;
}

/* A heap become small again: sorted descending (insertion sort: under EVQ_SMALL_MIN). */
static void heap_to_small(struct evq *q)
{
	for (size_t i = 1; i < q->len; i++) {
		struct evq_key k = q->keys[i];
		size_t j = i;
		for (; j > 0 && key_less(q->keys[j - 1], k); j--)
			q->keys[j] = q->keys[j - 1];
		q->keys[j] = k;
	}
	q->small = true;
}

/* Add an entry (room for it is reserved). A small queue keeps its keys in descending order,
 * found by scanning from the earliest end: new events mostly fall among the earliest. */
static void insert(struct evq *q, struct evq_key k)
{
	if (q->small && q->len == EVQ_SMALL_MAX)
		small_to_heap(q);
	if (!q->small) {
		sift_up(q, q->len++, k);
		return;
	}
	size_t j = q->len;
	while (j > 0 && key_less(q->keys[j - 1], k))
		j--;
	memmove(&q->keys[j + 1], &q->keys[j], (q->len - j) * sizeof(q->keys[0]));
	q->keys[j] = k;
	q->len++;
}

/* Drop the stale entries (cancelled events) off the top, so that the top is live. With
 * none cancelled (nearly always) there is none to look for. */
static void purge_top(struct evq *q)
{
	while (q->n_dead && q->len && !key_live(q, top_key(q))) {
		pop_top(q);
		q->n_dead--;
	}
}

/* Top-down sift of the entry at pos (for the rebuild, where every subtree below is a heap). */
static void sift_down(struct evq *q, size_t pos)
{
	struct evq_key k = q->keys[pos];
	size_t c;

	while ((c = smallest_child(q, pos)) != 0 && key_less(q->keys[c], k)) {
		q->keys[pos] = q->keys[c];
		pos = c;
	}
	q->keys[pos] = k;
}

/* Rebuild the heap from its live entries (Floyd: O(n), so O(1) a cancel amortized). */
static void compact(struct evq *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->len; i++)
		if (key_live(q, q->keys[i]))
			q->keys[n++] = q->keys[i];
	q->len = n;
	q->n_dead = 0;
	if (q->small) /* filtering kept the order */
		return;
	for (size_t i = n > 1 ? (n - 2) / EVQ_ARITY + 1 : 0; i-- > 0;)
		sift_down(q, i);
}

static sim_timer_id push(struct evq *q, sim_time_ns at, uint64_t seq, sim_event_fn *fn,
			 void *subject, void *arg);

sim_timer_id evq_push(struct evq *q, sim_time_ns at, sim_event_fn *fn, void *subject, void *arg)
{
	return push(q, at, evq_reserve_seq(q), fn, subject, arg);
}

/* A sequence taken earlier may be one whose event was cancelled and whose entry is still in
 * the heap, stale, under the key word (seq, slot). Should the new event get that slot (the
 * free list gives the last freed first), the stale entry would name it too: two live
 * entries, the stale one firing the event at the old time, then firing whatever took the
 * slot next. So stale entries are dropped first (compact: linear, and rare - a lazy timer
 * re-armed with a ticket after a cancel). A fresh sequence (evq_push) cannot collide. */
sim_timer_id evq_push_seq(struct evq *q, sim_time_ns at, uint64_t seq, sim_event_fn *fn,
			  void *subject, void *arg)
{
	if (q->n_dead)
		compact(q);
	return push(q, at, seq, fn, subject, arg);
}

static sim_timer_id push(struct evq *q, sim_time_ns at, uint64_t seq, sim_event_fn *fn,
			 void *subject, void *arg)
{
	struct evq_slot *s;
	struct evq_key k;
	uint32_t slot;

	SIM_ASSERT(fn != NULL && at >= 0 && seq < EVQ_SEQ_MAX);
	if (q->free_head == EVQ_NIL)
		grow_slots(q);
	if (q->len == q->cap)
		grow_heap(q);
	slot = q->free_head;
	s = &q->slots[slot];
	q->free_head = s->next;
	s->fn = fn;
	s->subject = subject;
	s->arg = arg;
	s->ss = seq << EVQ_SLOT_BITS | slot;
	k = (struct evq_key){ at, s->ss };
	if (q->front == EVQ_NIL ? q->len == 0 || key_less(k, top_key(q)) :
				  key_less(k, q->front_key)) {
		/* the new earliest event: held in front, the one it displaces into the queue */
		if (q->front != EVQ_NIL)
			insert(q, q->front_key);
		q->front = slot;
		q->front_key = k;
	} else {
		insert(q, k);
	}
	return s->ss;
}

int evq_cancel(struct evq *q, sim_timer_id id)
{
	uint32_t slot = (uint32_t)(id & EVQ_SLOT_MASK);
	struct evq_slot *s;

	if (id == 0 || slot >= q->slots_cap)
		return 0;
	s = &q->slots[slot];
	if (s->ss != id)
		return 0;
	if (q->front == slot) {
		q->front = EVQ_NIL;
		free_slot(q, slot);
		return 1;
	}
	q->n_dead++; /* its entry stays in the heap, stale */
	free_slot(q, slot);
	purge_top(q);
	if (q->n_dead > 64 && q->n_dead * 2 > q->len)
		compact(q);
	return 1;
}

int evq_pop_until(struct evq *q, sim_time_ns until, struct evq_event *out)
{
	uint32_t slot;
	struct evq_slot *s;
	struct evq_key k;

	if (q->front != EVQ_NIL) {
		k = q->front_key;
		if (k.at > until)
			return 0;
		q->front = EVQ_NIL;
	} else {
		if (q->len == 0 || top_key(q).at > until)
			return 0;
		k = top_key(q);
		pop_top(q);
		purge_top(q);
		if (!q->small && q->len < EVQ_SMALL_MIN)
			heap_to_small(q);
	}
	slot = key_slot(k);
	s = &q->slots[slot];
	out->at = k.at;
	out->seq = k.ss >> EVQ_SLOT_BITS;
	out->fn = s->fn;
	out->subject = s->subject;
	out->arg = s->arg;
	free_slot(q, slot);
	return 1;
}

int evq_pop(struct evq *q, struct evq_event *out)
{
	return evq_pop_until(q, SIM_TIME_MAX, out);
}

sim_time_ns evq_peek_time(const struct evq *q)
{
	if (q->front != EVQ_NIL)
		return q->front_key.at;
	return q->len ? top_key(q).at : SIM_TIME_MAX;
}

static inline void peek_slot(const struct evq *q, uint32_t slot, struct evq_event *out)
{
	const struct evq_slot *s = &q->slots[slot];
	out->fn = s->fn;
	out->subject = s->subject;
	out->arg = s->arg;
}

/* The next event is the front, else the heap's top; the one after, the heap's top after a
 * front, else the smallest of the top's children (which may be stale: then the guess is
 * only less useful, never wrong in effect, since callers only warm caches with it). */
int evq_peek2(const struct evq *q, struct evq_event out[2])
{
	if (q->front != EVQ_NIL) {
		peek_slot(q, q->front, &out[0]);
		if (!q->len)
			return 1;
		peek_slot(q, key_slot(top_key(q)), &out[1]);
		return 2;
	}
	if (!q->len)
		return 0;
	peek_slot(q, key_slot(top_key(q)), &out[0]);
	if (q->small) {
		if (q->len < 2)
			return 1;
		peek_slot(q, key_slot(q->keys[q->len - 2]), &out[1]);
		return 2;
	}
	size_t c = smallest_child(q, 0);
	if (c == 0)
		return 1;
	peek_slot(q, key_slot(q->keys[c]), &out[1]);
	/* c's siblings are the next peeks' candidates (a pop moves c up and one of its
	 * children into its place): ask for their slots now, so that those peeks find them */
	for (size_t i = 1; i <= EVQ_ARITY && i < q->len; i++)
		__builtin_prefetch(&q->slots[key_slot(q->keys[i])]);
	return 2;
}
