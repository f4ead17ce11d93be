/*
 * evq.h - the event queue under sim.h: a priority queue ordered by (time, sequence) with
 * O(log n) cancellation by id.
 */
#ifndef SIM_ENGINE_EVQ_H
#define SIM_ENGINE_EVQ_H

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

struct evq_slot;
struct evq {
	uint32_t *heap;          /* slot indices, 4-ary heap by (at, seq) */
	size_t len, cap;
	struct evq_slot *slots;  /* event storage, addressed by id */
	size_t slots_cap;
	uint32_t free_head;      /* free list through slots */
	uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_release(struct evq *q);
/* Insert; returns an id != 0 that stays valid until the event is popped or cancelled. */
sim_timer_id evq_push(struct evq *q, sim_time_ns at, sim_event_fn *fn, void *subject, void *arg);
/* Remove a pending event; returns 1 if it was pending, 0 if the id is stale. */
int evq_cancel(struct evq *q, sim_timer_id id);
/* Remove the earliest event into *out; returns 0 when empty. */
int evq_pop(struct evq *q, struct evq_event *out);
/* Time of the earliest event, SIM_TIME_MAX when empty. */
sim_time_ns evq_peek_time(const struct evq *q);
static inline size_t evq_len(const struct evq *q) { return q->len; }

#endif
