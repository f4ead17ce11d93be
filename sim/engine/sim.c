/*
 * sim.c - the discrete-event kernel: a clock, the event queue, the loop that fires events.
 *
 * Invariants: time never moves backwards (an event scheduled in the past is clamped to now;
 * sim_run never moves now below its current value); now equals the time of the event being
 * fired while its callback runs; events fire in (time, sequence) order (evq.c). The kernel
 * knows nothing of what the events mean and never owns a subject.
 *
 * The only global state in the engine is the "current kernel" pointer: the kernel an
 * assertion failure reports its seed and time from, and the one a model's code running on
 * this thread works with (sim_current). It is thread-local: a pair of kernels (the end of
 * this file) runs one on each of two threads.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* syscall(2), for a futex */
#endif
#include "sim.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "evq.h"

struct sim_chan;

struct sim {
	sim_time_ns now;        /* first: sim_now() in sim.h reads it inline */
	struct evq q;
	uint64_t root_seed;
	uint64_t fired;
	bool stopped;
	int n_warm;
	sim_event_fn *warm_for[SIM_WARM_MAX];
	sim_warm_fn *warm[SIM_WARM_MAX];
	/* a pair's (sim_pair): the peer, this kernel's lookahead, the events the peer sent on
	 * another thread (not yet in q), and whether sends go straight into the peer's queue
	 * (one thread runs both) */
	struct sim *peer;
	sim_lookahead_fn *la;
	void *la_ctx;
	struct sim_chan *in;
	bool direct;
	uint64_t sends;         /* events sent to the peer (one thread: sim_pair_run looks) */
	sim_time_ns promised;   /* the promise published last (only this kernel's thread) */
	uint64_t sleeps;        /* times it slept waiting for the peer (await_promise) */
	uint64_t waits;         /* times it waited for the peer's promise (pair_loop) */
	bool first;             /* the pair's first kernel (sim_pair's a): it runs the pair */
	unsigned solo_left, solo_next; /* the first's: runs left on one thread, and how many
				   * the next fall back will take (pair_loop) */
	uint64_t solo_runs;     /* the first's: runs asked for two threads that ended on one */
	/* read by the peer's thread while it waits: a line of its own */
	_Alignas(64) _Atomic sim_time_ns promise;
	_Atomic uint32_t published; /* promises published: the futex a waiting peer sleeps on */
	_Atomic uint32_t sleeping;  /* the peer sleeps on it (publish then wakes it) */
	_Atomic uint32_t abandon;   /* the first's: both threads stop (pair_loop) */
	char pad_[64 - sizeof(_Atomic sim_time_ns) - 3 * sizeof(_Atomic uint32_t)];
};
_Static_assert(offsetof(struct sim, now) == 0, "sim_now() reads the first member");

_Thread_local struct sim *sim__current;

struct sim *sim_new(uint64_t root_seed)
{
	struct sim *s = aligned_alloc(64, sizeof(*s));

	SIM_ASSERT(s != NULL);
	memset(s, 0, sizeof(*s));
	evq_init(&s->q);
	s->root_seed = root_seed;
	return s;
}

static void chan_free(struct sim_chan *ch);

void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (sim__current == s)
		sim__current = NULL;
	if (s->peer)
		s->peer->peer = NULL;
	chan_free(s->in);
	evq_release(&s->q);
	free(s);
}

uint64_t sim_root_seed(const struct sim *s) { return s->root_seed; }
uint64_t sim_events_fired(const struct sim *s) { return s->fired; }
uint64_t sim_events_pending(const struct sim *s) { return evq_len(&s->q); }

/* A kernel of a pair is its thread's alone (sim.h): scheduling on the other is a model's
 * bug that would race, so it stops the run. */
static inline void check_owner(const struct sim *s)
{
	if (s->peer && s != sim__current)
		sim__assert_fail("a kernel of a pair scheduled on by the other's code", __FILE__,
				 __LINE__);
}

sim_timer_id sim_schedule(struct sim *s, sim_time_ns at, sim_event_fn *fn, void *subject,
			  void *arg)
{
	check_owner(s);
	if (at < s->now)
		at = s->now;
	return evq_push(&s->q, at, fn, subject, arg);
}

sim_timer_id sim_after(struct sim *s, sim_time_ns delay, sim_event_fn *fn, void *subject,
		       void *arg)
{
	check_owner(s);
	return evq_push(&s->q, sim_time_after(s->now, delay), fn, subject, arg);
}

sim_ticket sim_ticket_take(struct sim *s)
{
	check_owner(s);
	return evq_reserve_seq(&s->q);
}

sim_timer_id sim_schedule_ticket(struct sim *s, sim_time_ns at, sim_ticket t, sim_event_fn *fn,
				 void *subject, void *arg)
{
	check_owner(s);
	if (at < s->now)
		at = s->now;
	return evq_push_seq(&s->q, at, t, fn, subject, arg);
}

bool sim_cancel(struct sim *s, sim_timer_id id)
{
	check_owner(s);
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

/* Fire ev: the loop's body, for sim_run and a pair's runs. */
SIM_ALWAYS_INLINE void fire(struct sim *s, struct evq_event *ev, uint64_t *same_time)
{
	SIM_ASSERT(ev->at >= s->now);
	/* a model that keeps scheduling at the same instant would hang the run: stop it
	 * with the seed and the time instead */
	*same_time = ev->at == s->now ? *same_time + 1 : 0;
	SIM_ASSERT(*same_time < SIM_SAME_TIME_EVENTS_MAX);
	s->now = ev->at;
	s->fired++;
	if (s->n_warm) /* overlap the next handlers' first misses with this one */
		warm_ahead(s);
	ev->fn(s, ev->subject, ev->arg);
}

uint64_t sim_run(struct sim *s, sim_time_ns until)
{
	struct evq_event ev;
	uint64_t n = 0;

	sim__set_current(s);
	s->stopped = false;
	uint64_t same_time = 0;
	while (!s->stopped && evq_pop_until(&s->q, until, &ev)) {
		n++;
		fire(s, &ev, &same_time);
	}
	if (!s->stopped && until > s->now)
		s->now = until;
	return n;
}

void sim_stop(struct sim *s) { s->stopped = true; }
bool sim_stopped(const struct sim *s) { return s->stopped; }

void sim__set_current(const struct sim *s) { sim__current = (struct sim *)(uintptr_t)s; }

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

/* ---- a pair of kernels (sim.h) ----------------------------------------------------------
 * What one thread sends the other's kernel goes through a channel: a list of chunks the
 * sender appends to and the receiver empties into its queue (one writer, one reader, no
 * lock; unbounded, so neither ever waits for room). */

#define CHAN_CHUNK 1024
struct chan_ev {
	sim_time_ns at;
	uint64_t seq;
	sim_event_fn *fn;
	void *subject, *arg;
};
struct chan_chunk {
	_Atomic(struct chan_chunk *) next;
	_Atomic uint32_t n;       /* events written (only the sender writes it) */
	struct chan_ev ev[CHAN_CHUNK];
};
struct sim_chan {
	struct chan_chunk *tail;  /* the sender's */
	_Alignas(64) struct chan_chunk *head; /* the receiver's */
	uint32_t read;
};

static struct chan_chunk *chunk_new(void)
{
	struct chan_chunk *k = calloc(1, sizeof(*k));
	SIM_ASSERT(k != NULL);
	return k;
}

static struct sim_chan *chan_new(void)
{
	struct sim_chan *ch = aligned_alloc(64, sizeof(*ch));
	SIM_ASSERT(ch != NULL);
	memset(ch, 0, sizeof(*ch));
	ch->head = ch->tail = chunk_new();
	return ch;
}

static void chan_free(struct sim_chan *ch)
{
	if (!ch)
		return;
	for (struct chan_chunk *k = ch->head, *next; k; k = next) {
		next = atomic_load_explicit(&k->next, memory_order_relaxed);
		free(k);
	}
	free(ch);
}

static void chan_put(struct sim_chan *ch, const struct chan_ev *e)
{
	struct chan_chunk *k = ch->tail;
	uint32_t i = atomic_load_explicit(&k->n, memory_order_relaxed);
	if (i == CHAN_CHUNK) {
		struct chan_chunk *nk = chunk_new();
		atomic_store_explicit(&k->next, nk, memory_order_release);
		ch->tail = k = nk;
		i = 0;
	}
	k->ev[i] = *e;
	atomic_store_explicit(&k->n, i + 1, memory_order_release);
}

/* Move what the peer sent into s's queue, each event under the sequence its sender took. */
static void chan_drain(struct sim *s)
{
	struct sim_chan *ch = s->in;
	for (;;) {
		struct chan_chunk *k = ch->head;
		uint32_t n = atomic_load_explicit(&k->n, memory_order_acquire);
		for (; ch->read < n; ch->read++) {
			const struct chan_ev *e = &k->ev[ch->read];
			evq_push_seq(&s->q, e->at, e->seq, e->fn, e->subject, e->arg);
		}
		if (n < CHAN_CHUNK)
			return;
		struct chan_chunk *next = atomic_load_explicit(&k->next, memory_order_acquire);
		if (!next)
			return;
		free(k);
		ch->head = next;
		ch->read = 0;
	}
}

/* Where a pair's own sequences start. An event one kernel sends the other keeps its
 * sender's sequence less this: below all of the receiver's own, so that at one instant what
 * was sent - scheduled at an earlier instant, one network hop before - fires before what the
 * receiver scheduled at that instant or since, as on one kernel, and in the order it was
 * sent. (On one kernel an event the receiver scheduled for that very nanosecond before the
 * message was sent would fire first; on a pair it fires after - the one difference, and
 * it needs two events on one nanosecond.) 2^39 events a kernel: a 100-broker hour sends
 * some 10^10. */
#define PAIR_SEQ_LOCAL (UINT64_C(1) << 39)

void sim_pair(struct sim *a, struct sim *b, sim_lookahead_fn *la_a, void *ctx_a,
	      sim_lookahead_fn *la_b, void *ctx_b)
{
	SIM_ASSERT(!a->peer && !b->peer && a != b && evq_len(&a->q) == 0 &&
		   evq_len(&b->q) == 0);
	a->peer = b;
	b->peer = a;
	a->la = la_a;
	a->la_ctx = ctx_a;
	b->la = la_b;
	b->la_ctx = ctx_b;
	a->in = chan_new();
	b->in = chan_new();
	a->direct = b->direct = true;
	a->promised = b->promised = INT64_MIN;
	a->first = true;
	a->solo_next = 1;
	/* each kernel's own events take sequences from PAIR_SEQ_LOCAL up, those its peer sends
	 * it below (sim_send) */
	a->q.next_seq = b->q.next_seq = PAIR_SEQ_LOCAL;
}

uint64_t sim_pair_solo_runs(const struct sim *a) { return a->solo_runs; }

void sim_send(struct sim *from, struct sim *to, sim_time_ns at, sim_event_fn *fn,
	      void *subject, void *arg)
{
	if (to == from) {
		sim_schedule(from, at, fn, subject, arg);
		return;
	}
	SIM_ASSERT(to == from->peer && at >= from->promised);
	struct chan_ev e = { at, evq_reserve_seq(&from->q) - PAIR_SEQ_LOCAL, fn, subject, arg };
	from->sends++;
	if (from->direct) /* one thread: the peer is not running */
		evq_push_seq(&to->q, e.at, e.seq, fn, subject, arg);
	else
		chan_put(to->in, &e);
}

#if defined(__linux__)
/* Sleep on *word while it holds seen; wake one sleeper. */
static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}
static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
#else /* no futex: the waiter yields instead of sleeping */
static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	(void)word;
	(void)seen;
	sched_yield();
}
static void futex_wake(_Atomic uint32_t *word) { (void)word; }
#endif

/* No event s sends from now on is for before the earlier of its next event and its
 * peer's promise po (what arrives later than that cannot be acted on earlier), plus its
 * lookahead. Published only when it moves: the peer's thread reads the line. */
static void publish(struct sim *s, sim_time_ns po)
{
	sim_time_ns t = evq_peek_time(&s->q), la = s->la(s->la_ctx);
	if (po < t)
		t = po;
	if (la < 1)
		la = 1;
	t = t > SIM_TIME_MAX - la ? SIM_TIME_MAX : t + la;
	if (t > s->promised) {
		s->promised = t;
		/* a peer that gave up spinning sleeps until this moves: the store and the test of
		 * `sleeping`, the peer's store to it and its test of the promise, all sequentially
		 * consistent, so that one of the two sees the other (Dekker) */
		atomic_store(&s->promise, t);
		atomic_fetch_add(&s->published, 1);
		if (atomic_load(&s->sleeping))
			futex_wake(&s->published);
	}
}

/* Wait until the peer publishes a promise other than po; return it. Spins first (a promise
 * comes every PAIR_PUBLISH_EVERY events, microseconds apart), then sleeps: with more
 * threads than cores a spinning waiter would take the core its peer needs. */
static sim_time_ns await_promise(struct sim *s, sim_time_ns po)
{
	struct sim *peer = s->peer, *first = s->first ? s : peer;
	sim_time_ns np;
	for (unsigned spins = 0; spins < 1u << 14; spins++) {
		if ((np = atomic_load_explicit(&peer->promise, memory_order_acquire)) != po)
			return np;
		if (atomic_load_explicit(&first->abandon, memory_order_relaxed))
			return INT64_MIN;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	for (;;) {
		uint32_t seen = atomic_load(&peer->published);
		atomic_store(&peer->sleeping, 1);
		if ((np = atomic_load(&peer->promise)) != po || atomic_load(&first->abandon)) {
			atomic_store(&peer->sleeping, 0);
			return atomic_load(&first->abandon) ? INT64_MIN : np;
		}
		futex_wait(&peer->published, seen);
		s->sleeps++;
		atomic_store(&peer->sleeping, 0);
		if ((np = atomic_load_explicit(&peer->promise, memory_order_acquire)) != po)
			return np;
	}
}

/* Both threads of a pair stop where they are: whatever each has fired was safe to fire, so
 * one thread can take over from there (sim_pair_run). The first kernel wakes its peer. */
static void pair_abandon(struct sim *first)
{
	atomic_store(&first->abandon, 1);
	atomic_fetch_add(&first->published, 1);
	futex_wake(&first->published);
}

static sim_time_ns peer_promise(const struct sim *s)
{
	return atomic_load_explicit(&s->peer->promise, memory_order_acquire);
}

/* One thread: the two queues as one, earliest first (a's first at equal times). Each kernel
 * fires its own events in its own order, and an event sent to the other is in the other's
 * queue before its time (it is sent at least 1 ns ahead): the same firings as on two
 * threads. A kernel fires on until the other's next event, unless it sends the other one,
 * which may come earlier. */
static void pair_one_thread(struct sim *a, struct sim *b, sim_time_ns until)
{
	uint64_t same_a = 0, same_b = 0;
	struct evq_event ev;
	for (;;) {
		sim_time_ns ta = evq_peek_time(&a->q), tb = evq_peek_time(&b->q);
		if ((ta < tb ? ta : tb) > until)
			return;
		struct sim *s = ta <= tb ? a : b;
		sim_time_ns lim = s == a ? tb : ta - 1;
		uint64_t *same = s == a ? &same_a : &same_b, sends = s->sends;
		if (lim > until)
			lim = until;
		sim__current = s;
		while (evq_pop_until(&s->q, lim, &ev)) {
			fire(s, &ev, same);
			if (s->sends != sends)
				break;
		}
	}
}

/* Events between publishing promises while a thread runs: often enough that the peer
 * follows close behind, seldom enough that the line's trips between the cores stay few. */
#define PAIR_PUBLISH_EVERY 16

/* When two threads do worse than one, the first kernel's thread stops the pair: when it
 * waits for its peer more than once per PAIR_WAITS_PER events over at least PAIR_WAITS_MIN
 * waits (a lookahead of nanoseconds - latencies drawn near 0 - makes every few events a
 * round trip between the cores), or sleeps more than once per PAIR_SLEEPS_PER events over
 * at least PAIR_SLEEPS_MIN sleeps (more threads than free cores: each stall of one thread
 * is a sleep of the other; a busy loop beside the 2 s cut: one sleep per ~150 events). The
 * 100-broker minute waits once per ~120 events and sleeps once per ~250,000 (the host
 * pausing a core now and then). */
#define PAIR_WAITS_PER 16
#define PAIR_WAITS_MIN 4096
#define PAIR_SLEEPS_PER 4096
#define PAIR_SLEEPS_MIN 256

/* Two threads: s's loop until it is through until, or the pair is abandoned. */
static void pair_loop(struct sim *s, sim_time_ns until)
{
	sim__current = s;
	uint64_t fired0 = s->fired, waits0 = s->waits, sleeps0 = s->sleeps;
	sim_time_ns po = peer_promise(s);
	chan_drain(s);
	sim_time_ns lim = po - 1 < until ? po - 1 : until;
	uint64_t same_time = 0;
	unsigned k = 0;
	struct evq_event ev;
	for (;;) {
		if (evq_pop_until(&s->q, lim, &ev)) {
			fire(s, &ev, &same_time);
			if (++k == PAIR_PUBLISH_EVERY) {
				k = 0;
				publish(s, po);
			}
			continue;
		}
		publish(s, po);
		if (lim >= until)
			return;
		s->waits++;
		if (s->first && ((s->waits - waits0 >= PAIR_WAITS_MIN &&
				  (s->waits - waits0) * PAIR_WAITS_PER > s->fired - fired0) ||
				 (s->sleeps - sleeps0 >= PAIR_SLEEPS_MIN &&
				  (s->sleeps - sleeps0) * PAIR_SLEEPS_PER > s->fired - fired0)))
			pair_abandon(s);
		po = await_promise(s, po);
		if (po == INT64_MIN)
			return;
		chan_drain(s);
		lim = po - 1 < until ? po - 1 : until;
	}
}

/* Runs shorter than this go on one thread (starting one costs tens of microseconds). */
#define PAIR_RUN_MIN (10 * SIM_MS)

struct pair_job {
	struct sim *s;
	sim_time_ns until;
};

static void *pair_thread(void *arg)
{
	struct pair_job *j = arg;
	pair_loop(j->s, j->until);
	return NULL;
}

uint64_t sim_pair_run(struct sim *a, sim_time_ns until, int threads)
{
	struct sim *b = a->peer;
	SIM_ASSERT(b != NULL && a->now == b->now);
	struct sim *was = sim__current;
	uint64_t fired = a->fired + b->fired;
	/* two threads when asked for, but not for a run too short to pay for starting one,
	 * nor for a while after two did worse than one (pair_loop: the next 1, 2, 4 ... 64
	 * runs; then two are tried again) */
	if (threads >= 2 && (a->solo_left > 0 || until - a->now < PAIR_RUN_MIN)) {
		a->solo_left -= a->solo_left > 0;
		a->solo_runs++;
		threads = 1;
	}
	/* Between runs sends go straight into the peer's queue and no promise holds (either
	 * kernel's code may send the other anything while nothing runs). */
	if (threads >= 2) {
		/* both clocks read now: nothing either sends from here is for before now plus
		 * its lookahead */
		publish(a, a->now);
		publish(b, b->now);
		a->direct = b->direct = false;
		atomic_store(&a->abandon, 0);
		pthread_t t;
		struct pair_job j = { b, until };
		SIM_ASSERT(pthread_create(&t, NULL, pair_thread, &j) == 0);
		pair_loop(a, until);
		SIM_ASSERT(pthread_join(t, NULL) == 0);
		chan_drain(a);
		chan_drain(b);
		a->direct = b->direct = true;
		a->promised = b->promised = INT64_MIN;
		if (atomic_load(&a->abandon)) {
			a->solo_runs++;
			a->solo_left = a->solo_next;
			a->solo_next = a->solo_next < 64 ? 2 * a->solo_next : 64;
		} else {
			a->solo_next = 1;
		}
	}
	/* one thread: the whole run, or what an abandoned pair left (each kernel may be at a
	 * time of its own) */
	pair_one_thread(a, b, until);
	if (until > a->now)
		a->now = until;
	if (until > b->now)
		b->now = until;
	sim__current = was;
	return a->fired + b->fired - fired;
}
