/*
 * sim.h - the discrete-event kernel: simulated time, the event loop, cancellable timers.
 *
 * Knows nothing of Kafka. Models hand the kernel a function and opaque pointers; the kernel
 * never owns or frees a subject. Time is integer nanoseconds; events fire in (time, sequence)
 * order, so two events at the same instant fire in the order they were scheduled and a run
 * never depends on heap tie-breaking or on addresses. Two kernels may run as a pair on two
 * threads (below), with the same outcome as on one thread.
 */
#ifndef SIM_ENGINE_SIM_H
#define SIM_ENGINE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time_ns;

#define SIM_NS ((sim_time_ns)1)
#define SIM_US ((sim_time_ns)1000)
#define SIM_MS ((sim_time_ns)1000000)
#define SIM_S ((sim_time_ns)1000000000)
#define SIM_TIME_MAX INT64_MAX

struct sim;
typedef void sim_event_fn(struct sim *s, void *subject, void *arg);

/* A timer id names one scheduled event; 0 never names one. Stale ids are harmless. */
typedef uint64_t sim_timer_id;

struct sim *sim_new(uint64_t root_seed);
void sim_free(struct sim *s);

/* The clock is read on every path, so it is inline: struct sim begins with it (sim.c
 * asserts so), and a pointer to a struct points to its first member. */
static inline sim_time_ns sim_now(const struct sim *s)
{
	return *(const sim_time_ns *)(const void *)s;
}
uint64_t sim_root_seed(const struct sim *s);
uint64_t sim_events_fired(const struct sim *s);
uint64_t sim_events_pending(const struct sim *s);

/* t + d for a time t and a span d (both >= 0), or SIM_TIME_MAX, "never", where the sum
 * would pass it: a stall or timeout without end stays without end. */
static inline sim_time_ns sim_time_plus(sim_time_ns t, sim_time_ns d)
{
	return d > SIM_TIME_MAX - t ? SIM_TIME_MAX : t + d;
}

/* The time sim_after(delay) gives at now: now for a delay of 0 or less. */
static inline sim_time_ns sim_time_after(sim_time_ns now, sim_time_ns delay)
{
	return delay <= 0 ? now : sim_time_plus(now, delay);
}

/* Schedule fn(s, subject, arg) at absolute time at (clamped to now if in the past). On a
 * kernel of a pair (below) only the thread running it may schedule on it. */
sim_timer_id sim_schedule(struct sim *s, sim_time_ns at, sim_event_fn *fn, void *subject,
			  void *arg);
/* Same, delay after now. */
sim_timer_id sim_after(struct sim *s, sim_time_ns delay, sim_event_fn *fn, void *subject,
		       void *arg);
/* Lazy timers. A model that keeps many deadlines (one per request) but one kernel timer for
 * the earliest takes a ticket when it would have scheduled a deadline's event, and later
 * schedules the timer with that deadline's time and ticket: the timer then fires exactly
 * where the deadline's own event would have, in the (time, sequence) order, so keeping one
 * timer instead of thousands never changes the order of anything. */
typedef uint64_t sim_ticket;
sim_ticket sim_ticket_take(struct sim *s);
sim_timer_id sim_schedule_ticket(struct sim *s, sim_time_ns at, sim_ticket t, sim_event_fn *fn,
				 void *subject, void *arg);
/* Cancel a pending event. Returns true if it was pending (and now never fires). */
bool sim_cancel(struct sim *s, sim_timer_id id);

/* Run events with time <= until; afterwards now == until unless stopped early.
 * Returns the number of events fired by this call. */
uint64_t sim_run(struct sim *s, sim_time_ns until);
/* Cache warming (a hint; never changes what happens). In a large model most handlers
 * start with cache misses on what their argument points to. The loop asks for the
 * argument of the event after next, and calls the warm function registered for the next
 * event's callback with that event's subject and argument (asked for one event earlier,
 * so by then in the cache): it may read them and prefetch what the handler will read. It
 * must not change anything. Up to SIM_WARM_MAX callbacks may have one. */
typedef void sim_warm_fn(void *subject, void *arg);
#define SIM_WARM_MAX 4
void sim_set_warm(struct sim *s, sim_event_fn *fn, sim_warm_fn *warm);
/* For warm functions and look-ahead loops: ask the cache for every line of [p, p + bytes). */
static inline void sim_prefetch(const void *p, size_t bytes)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + bytes;
	for (; a < end; a += 64)
		__builtin_prefetch((const void *)a);
}

/* Ask the running loop to return after the current event (the request ends that sim_run
 * call; the next sim_run starts unstopped). */
void sim_stop(struct sim *s);
bool sim_stopped(const struct sim *s);

/* A broken invariant: stays on in release builds. Prints file:line, the seed and the
 * simulated time when the kernel knows them, and exits with status 3. */
#define SIM_ASSERT(cond)                                                          \
	do {                                                                      \
		if (!(cond))                                                      \
			sim__assert_fail(#cond, __FILE__, __LINE__);             \
	} while (0)
_Noreturn void sim__assert_fail(const char *expr, const char *file, int line);

/* A small function inlined even where the compiler's own weighing would not (GCC and
 * clang): for a struct worked on in a local, whose fields then stay in registers. */
#if defined(__GNUC__)
#define SIM_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define SIM_ALWAYS_INLINE static inline
#endif
/* The kernel whose seed and time an assertion failure reports, and whose clock and queue
 * the code running on this thread works with (set by sim_run, or by sim_enter). */
extern _Thread_local struct sim *sim__current;
void sim__set_current(const struct sim *s);
static inline struct sim *sim_current(void) { return sim__current; }
/* Make s this thread's kernel; returns the one before, for sim_enter(that) afterwards. */
static inline struct sim *sim_enter(struct sim *s)
{
	struct sim *was = sim__current;
	sim__current = s;
	return was;
}

/* ---- a pair of kernels ------------------------------------------------------------------
 * A model split in two domains - two kernels, each with its own clock, queue and state -
 * whose events touch the other domain's state only by sending it an event (sim_send) for
 * at least a lookahead later can run both on two threads at once and still fire every
 * event exactly as one thread would (conservative synchronization, Chandy-Misra-Bryant with
 * lookahead): each domain publishes a promise - no event it sends from now on is for an
 * earlier time - as the earlier of its next event and its peer's promise, plus its
 * lookahead (a callback: the least delay any of its next sends can have); each fires only
 * events before its peer's promise. The order of events is (time, sequence) as on one
 * kernel; at one instant what the peer sent fires first, in the order it was sent, then the
 * kernel's own (sim.c, PAIR_SEQ_LOCAL), so no tie depends on which thread got where first.
 * Deterministic on one thread or two. Outside sim_pair_run (setting up, between
 * runs) both kernels may be used from one thread; a model then says which it works with
 * (sim_enter). */
typedef sim_time_ns sim_lookahead_fn(void *ctx);
void sim_pair(struct sim *a, struct sim *b, sim_lookahead_fn *la_a, void *ctx_a,
	      sim_lookahead_fn *la_b, void *ctx_b);
/* Schedule fn at `at` on the peer `to` of the running kernel `from` (to == from: as
 * sim_schedule). `at` must not be before the promise from has published, which holds for
 * any at >= the sender's now plus its lookahead. */
void sim_send(struct sim *from, struct sim *to, sim_time_ns at, sim_event_fn *fn,
	      void *subject, void *arg);
/* Run both kernels of a pair through every event at or before until, on `threads` (1 or
 * 2) threads; afterwards both clocks read until. Returns the events fired. Two threads
 * fall back to one, for the rest of the run and a few runs after, when they do worse
 * (sim.c, pair_loop: a lookahead of nanoseconds, or more threads than free cores); runs
 * under 10 ms take one. */
uint64_t sim_pair_run(struct sim *a, sim_time_ns until, int threads);
/* The runs asked for two threads that ran, or ended, on one. */
uint64_t sim_pair_solo_runs(const struct sim *a);

#endif
