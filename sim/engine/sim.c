/*
 * sim.c - the discrete-event kernel: a clock, the event queue, the loop that fires events.
 *
 * Invariants: time never moves backwards (an event scheduled in the past is clamped to now;
 * sim_run never moves now below its current value); now equals the time of the event being
 * fired while its callback runs; events fire in (time, sequence) order (evq.c). The kernel
 * knows nothing of what the events mean and never owns a subject.
 *
 * The only global state in the engine is the "current kernel" pointer an assertion failure
 * reports its seed and time from. It is thread-local so that sweeps may run one kernel per
 * thread.
 */
#include "sim.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "evq.h"

struct sim {
	sim_time_ns now;        /* first: sim_now() in sim.h reads it inline */
	struct evq q;
	uint64_t root_seed;
	uint64_t fired;
	bool stopped;
	sim_time_ns until;      /* the limit of the sim_run in progress */
	int n_warm;
	sim_event_fn *warm_for[SIM_WARM_MAX];
	sim_warm_fn *warm[SIM_WARM_MAX];
};
_Static_assert(offsetof(struct sim, now) == 0, "sim_now() reads the first member");

static _Thread_local const struct sim *sim__current;

struct sim *sim_new(uint64_t root_seed)
{
	struct sim *s = calloc(1, sizeof(*s));

	SIM_ASSERT(s != NULL);
	evq_init(&s->q);
	s->root_seed = root_seed;
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (sim__current == s)
		sim__current = NULL;
	evq_release(&s->q);
	free(s);
}

uint64_t sim_root_seed(const struct sim *s) { return s->root_seed; }
uint64_t sim_events_fired(const struct sim *s) { return s->fired; }
uint64_t sim_events_pending(const struct sim *s) { return evq_len(&s->q); }

sim_timer_id sim_schedule(struct sim *s, sim_time_ns at, sim_event_fn *fn, void *subject,
			  void *arg)
{
	if (at < s->now)
		at = s->now;
	return evq_push(&s->q, at, fn, subject, arg);
}

sim_timer_id sim_after(struct sim *s, sim_time_ns delay, sim_event_fn *fn, void *subject,
		       void *arg)
{
	sim_time_ns at;

	if (delay <= 0)
		at = s->now;
	else if (delay > SIM_TIME_MAX - s->now)
		at = SIM_TIME_MAX;
	else
		at = s->now + delay;
	return evq_push(&s->q, at, fn, subject, arg);
}

sim_ticket sim_ticket_take(struct sim *s)
{
	return evq_reserve_seq(&s->q);
}

sim_timer_id sim_schedule_ticket(struct sim *s, sim_time_ns at, sim_ticket t, sim_event_fn *fn,
				 void *subject, void *arg)
{
	if (at < s->now)
		at = s->now;
	return evq_push_seq(&s->q, at, t, fn, subject, arg);
}

bool sim_cancel(struct sim *s, sim_timer_id id)
{
	return evq_cancel(&s->q, id) != 0;
}

/* A stop request holds for the call it interrupts: each sim_run starts unstopped. */
/* More events than this at one simulated instant means time has stopped advancing. */
#define SIM_SAME_TIME_EVENTS_MAX 50000000u

void sim_set_warm(struct sim *s, sim_event_fn *fn, sim_warm_fn *warm)
{
	for (int i = 0; i < s->n_warm; i++) {
		if (s->warm_for[i] == fn) {
			s->warm[i] = warm;
			return;
		}
	}
	SIM_ASSERT(s->n_warm < SIM_WARM_MAX);
	s->warm_for[s->n_warm] = fn;
	s->warm[s->n_warm++] = warm;
}

/* Prefetch the argument of the event after next; warm the next one (sim.h). */
static inline void warm_ahead(const struct sim *s)
{
	struct evq_event next[2];
	int n = evq_peek2(&s->q, next);
	if (n == 2 && next[1].arg)
		sim_prefetch(next[1].arg, 128);
	if (n >= 1)
		for (int i = 0; i < s->n_warm; i++)
			if (s->warm_for[i] == next[0].fn)
				s->warm[i](next[0].subject, next[0].arg);
}

uint64_t sim_run(struct sim *s, sim_time_ns until)
{
	struct evq_event ev;
	uint64_t n = 0;

	sim__set_current(s);
	s->stopped = false;
	s->until = until;
	uint64_t same_time = 0;
	while (!s->stopped && evq_pop_until(&s->q, until, &ev)) {
		SIM_ASSERT(ev.at >= s->now);
		/* a model that keeps scheduling at the same instant would hang the run: stop it
		 * with the seed and the time instead */
		same_time = ev.at == s->now ? same_time + 1 : 0;
		SIM_ASSERT(same_time < SIM_SAME_TIME_EVENTS_MAX);
		s->now = ev.at;
		s->fired++;
		n++;
		if (s->n_warm) /* overlap the next handlers' first misses with this one */
			warm_ahead(s);
		ev.fn(s, ev.subject, ev.arg);
	}
	if (!s->stopped && until > s->now)
		s->now = until;
	return n;
}

void sim_stop(struct sim *s) { s->stopped = true; }
bool sim_stopped(const struct sim *s) { return s->stopped; }

void sim__set_current(const struct sim *s) { sim__current = s; }

_Noreturn void sim__assert_fail(const char *expr, const char *file, int line)
{
	const struct sim *s = sim__current;

	if (s)
		fprintf(stderr, "kafkasim: invariant broken: %s at %s:%d (seed %" PRIu64
			", t=%" PRId64 " ns)\n", expr, file, line, s->root_seed, s->now);
	else
		fprintf(stderr, "kafkasim: invariant broken: %s at %s:%d\n", expr, file, line);
	fflush(stderr);
	exit(3);
}

sim_time_ns sim_horizon(const struct sim *s)
{
	sim_time_ns next = evq_peek_time(&s->q);
	return next <= s->until ? next : s->until + 1;
}
