/*
 * evq.h - the event queue under sim.h: a priority queue ordered by (time, sequence) with
 * O(log n) cancellation by id.
 */
#ifndef SIM_ENGINE_EVQ_H
#define SIM_ENGINE_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct evq_event {
	sim_time_ns at;
	uint64_t seq;
	sim_event_fn *fn;
	void *subject;
	void *arg;
};

/* Private to evq.c: read only len (through evq_len). */
struct evq_slot;
struct evq_key {
	sim_time_ns at;
	uint64_t ss;             /* sequence << 24 | slot: orders by sequence, names the slot */
};
struct evq {
	struct evq_key *keys;    /* by (at, sequence): sorted descending while small, else a
				  * 4-ary heap; may hold cancelled entries */
	bool small;
	void *keys_mem;          /* the allocation keys points into (cache-line aligned) */
	size_t len, cap;         /* entries in keys, live or cancelled */
	size_t n_dead;           /* cancelled entries still in keys (never the top) */
	struct evq_slot *slots;  /* event storage, addressed by id */
	size_t slots_cap;
	uint32_t free_head;      /* free list through slots */
	uint32_t front;          /* slot of the earliest event, held out of the heap, or NIL */
	struct evq_key front_key;
	uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_release(struct evq *q);
/* Insert (at >= 0: simulated time is never negative); returns an id != 0 that stays valid
 * until the event is popped or cancelled. */
sim_timer_id evq_push(struct evq *q, sim_time_ns at, sim_event_fn *fn, void *subject, void *arg);
/* Insert with a sequence number taken earlier from evq_reserve_seq: the event then fires
 * exactly where an event pushed at the time of the reservation would have. */
sim_timer_id evq_push_seq(struct evq *q, sim_time_ns at, uint64_t seq, sim_event_fn *fn,
			  void *subject, void *arg);
/* Take the next sequence number without pushing anything. */
static inline uint64_t evq_reserve_seq(struct evq *q) { return q->next_seq++; }
/* Remove a pending event; returns 1 if it was pending, 0 if the id is stale. Amortized
 * O(log n): its entry is dropped when it reaches the top, or in a rebuild. */
int evq_cancel(struct evq *q, sim_timer_id id);
/* Remove the earliest event into *out; returns 0 when empty. */
int evq_pop(struct evq *q, struct evq_event *out);
/* Remove the earliest event into *out only if its time is <= until; returns 0 otherwise.
 * (The loop's one call per event: peek and pop together.) */
int evq_pop_until(struct evq *q, sim_time_ns until, struct evq_event *out);
/* Time of the earliest event, SIM_TIME_MAX when empty. */
sim_time_ns evq_peek_time(const struct evq *q);
/* The next two events to fire as things stand (callback, subject, argument; at and seq
 * left unset), for cache warming: returns how many there are (0 to 2). */
int evq_peek2(const struct evq *q, struct evq_event out[2]);
static inline size_t evq_len(const struct evq *q)
{
	return q->len - q->n_dead + (q->front != UINT32_MAX);
}

#endif
