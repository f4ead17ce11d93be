/*
 * test_evq.c - the event queue and the kernel loop: (time, sequence) order against a sorted
 * reference, cancellation against a reference model on random interleavings, sim_run's
 * boundary and clock semantics, and the invariant-failure exit.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evq.h"
#include "rng.h"
#include "sim.h"

static void noop(struct sim *s, void *subject, void *arg)
{
	(void)s;
	(void)subject;
	(void)arg;
}

#define TAG(i) ((void *)(uintptr_t)((i) + 1))
#define UNTAG(p) ((size_t)(uintptr_t)(p) - 1)

struct ref { sim_time_ns at; size_t i; };

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Pop everything left: the tags must come out in exactly this order. */
static void expect_pops(struct evq *q, const size_t *tags, size_t n)
{
	struct evq_event ev;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(evq_pop(q, &ev), 1);
		assert_int_equal(UNTAG(ev.subject), tags[i]);
	}
	assert_int_equal(evq_pop(q, &ev), 0);
}

static void test_evq_order_10k(void **state)
{
	enum { N = 10000 };
	struct ref *ref = malloc(N * sizeof(*ref));
	gsl_rng *r = rng_stream_new(1, "test/evq-order");
	struct evq q;
	struct evq_event ev;
	uint64_t last_seq = 0;

	(void)state;
	evq_init(&q);
	assert_int_equal(evq_peek_time(&q), SIM_TIME_MAX);
	assert_int_equal(evq_pop(&q, &ev), 0);
	for (size_t i = 0; i < N; i++) {
		/* few distinct times: most events tie and must pop in push order */
		ref[i].at = (sim_time_ns)rng_below(r, 97) * SIM_US;
		ref[i].i = i;
		assert_true(evq_push(&q, ref[i].at, noop, TAG(i), NULL) != 0);
	}
	assert_int_equal(evq_len(&q), N);
	qsort(ref, N, sizeof(*ref), ref_cmp);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(evq_peek_time(&q), ref[i].at);
		assert_int_equal(evq_pop(&q, &ev), 1);
		assert_int_equal(ev.at, ref[i].at);
		assert_int_equal(UNTAG(ev.subject), ref[i].i);
		assert_true(ev.fn == noop);
		if (i > 0 && ev.at == ref[i - 1].at)
			assert_true(ev.seq > last_seq);
		last_seq = ev.seq;
	}
	assert_int_equal(evq_len(&q), 0);
	assert_int_equal(evq_pop(&q, &ev), 0);
	evq_release(&q);
	gsl_rng_free(r);
	free(ref);
}

static void test_evq_cancel_basic(void **state)
{
	struct evq q;
	struct evq_event ev;
	sim_timer_id id[5];

	(void)state;
	evq_init(&q);
	for (int i = 0; i < 5; i++) {
		id[i] = evq_push(&q, (i + 1) * 10, noop, TAG(i), NULL);
		assert_true(id[i] != 0);
	}
	assert_int_equal(evq_cancel(&q, id[2]), 1); /* middle */
	assert_int_equal(evq_cancel(&q, id[2]), 0); /* twice */
	assert_int_equal(evq_cancel(&q, id[0]), 1); /* head */
	assert_int_equal(evq_peek_time(&q), 20);
	assert_int_equal(evq_cancel(&q, 0), 0);
	assert_int_equal(evq_cancel(&q, UINT64_MAX), 0);
	assert_int_equal(evq_pop(&q, &ev), 1);
	assert_int_equal(UNTAG(ev.subject), 1);
	assert_int_equal(evq_cancel(&q, id[1]), 0); /* popped: stale */
	/* the freed slots are reused: old ids must not cancel the new occupants */
	sim_timer_id a = evq_push(&q, 5, noop, TAG(7), NULL);
	sim_timer_id b = evq_push(&q, 6, noop, TAG(8), NULL);
	assert_int_equal(evq_cancel(&q, id[0]), 0);
	assert_int_equal(evq_cancel(&q, id[1]), 0);
	assert_int_equal(evq_cancel(&q, id[2]), 0);
	assert_int_equal(evq_len(&q), 4);
	assert_int_equal(evq_cancel(&q, b), 1);
	assert_int_equal(evq_pop(&q, &ev), 1);
	assert_int_equal(UNTAG(ev.subject), 7);
	assert_int_equal(evq_cancel(&q, a), 0);
	expect_pops(&q, (const size_t[]){ 3, 4 }, 2);
	evq_release(&q);
}

/* A lazy timer's ticket re-pushed after a cancel (broker.c's deadline lists do this when an
 * earlier deadline comes and goes): the cancelled entry is still in the heap under (seq,
 * slot), and the re-push would get the same slot back from the free list. It must fire
 * once, at its new time, and the slot's later occupants at theirs. Before evq_push_seq
 * dropped stale entries first, the stale entry fired the event at the old time (20). */
static void test_evq_ticket_repushed_after_cancel(void **state)
{
	struct evq q;

	(void)state;
	evq_init(&q);
	for (int i = 0; i < 40; i++) /* past the small-array bound: a heap */
		evq_push(&q, 1000 + i, noop, TAG(100 + i), NULL);
	uint64_t t = evq_reserve_seq(&q);
	sim_timer_id id = evq_push_seq(&q, 20, t, noop, TAG(1), NULL);
	/* two earlier events: one in front, one on top of the heap, so that the cancelled
	 * entry stays inside the heap, stale */
	evq_push(&q, 15, noop, TAG(2), NULL);
	evq_push(&q, 10, noop, TAG(0), NULL);
	assert_int_equal(evq_cancel(&q, id), 1);
	evq_push_seq(&q, 30, t, noop, TAG(1), NULL); /* the same ticket, later */
	evq_push(&q, 40, noop, TAG(3), NULL);
	struct evq_event ev;
	size_t want[] = { 0, 2, 1, 3 };
	sim_time_ns at[] = { 10, 15, 30, 40 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(evq_pop(&q, &ev), 1);
		assert_int_equal(UNTAG(ev.subject), want[i]);
		assert_int_equal(ev.at, at[i]);
	}
	for (int i = 0; i < 40; i++) {
		assert_int_equal(evq_pop(&q, &ev), 1);
		assert_int_equal(UNTAG(ev.subject), 100 + (size_t)i);
	}
	assert_int_equal(evq_pop(&q, &ev), 0);
	evq_release(&q);
}

/* The earliest event is held out of the heap (evq.c): a push before it displaces it into
 * the heap, a cancel of it empties the front, and a push at its time comes after it. */
static void test_evq_front_slot(void **state)
{
	struct evq q;
	struct evq_event ev;

	(void)state;
	evq_init(&q);
	evq_push(&q, 50, noop, TAG(0), NULL);
	evq_push(&q, 40, noop, TAG(1), NULL);                /* front */
	sim_timer_id c = evq_push(&q, 30, noop, TAG(2), NULL); /* front; 40 to the heap */
	evq_push(&q, 30, noop, TAG(3), NULL);                /* same time, later: heap */
	assert_int_equal(evq_len(&q), 4);
	assert_int_equal(evq_peek_time(&q), 30);
	assert_int_equal(evq_cancel(&q, c), 1);
	assert_int_equal(evq_cancel(&q, c), 0);
	assert_int_equal(evq_len(&q), 3);
	assert_int_equal(evq_peek_time(&q), 30);
	assert_int_equal(evq_pop_until(&q, 29, &ev), 0);
	assert_int_equal(evq_pop(&q, &ev), 1);
	assert_int_equal(UNTAG(ev.subject), 3);
	evq_push(&q, 45, noop, TAG(4), NULL); /* after the heap's 40: heap */
	evq_push(&q, 35, noop, TAG(5), NULL); /* before it: front */
	expect_pops(&q, (const size_t[]){ 5, 1, 4, 0 }, 4);
	evq_release(&q);
}

/* Cancelled entries stay in the heap until they reach the top; when they outnumber the
 * live ones the heap is rebuilt. Cancel most of a large queue, out of order, and the rest
 * still pops in order, nothing cancelled comes out, and pushes after the rebuild mix in. */
static void test_evq_cancel_most(void **state)
{
	enum { N = 3000 };
	static sim_timer_id id[N];
	struct evq q;
	struct evq_event ev;

	(void)state;
	evq_init(&q);
	for (int i = 0; i < N; i++) /* times N-1 .. 0: each push is a new front */
		id[i] = evq_push(&q, N - 1 - i, noop, TAG(i), NULL);
	for (int i = 0; i < N; i++)
		if (i % 10 != 3)
			assert_int_equal(evq_cancel(&q, id[i]), 1);
	assert_int_equal(evq_len(&q), N / 10);
	assert_true(q.len < N / 2); /* rebuilt: the cancelled entries are gone */
	evq_push(&q, 1500, noop, TAG(N), NULL);
	sim_time_ns last = -1;
	size_t popped = 0, extra = 0;
	while (evq_pop(&q, &ev)) {
		size_t i = UNTAG(ev.subject);
		assert_true(ev.at >= last);
		last = ev.at;
		if (i == N) {
			assert_int_equal(ev.at, 1500);
			extra++;
			continue;
		}
		assert_int_equal(i % 10, 3);
		assert_int_equal(ev.at, N - 1 - (sim_time_ns)i);
		popped++;
	}
	assert_int_equal(popped, N / 10);
	assert_int_equal(extra, 1);
	for (int i = 0; i < N; i++)
		assert_int_equal(evq_cancel(&q, id[i]), 0);
	evq_release(&q);
}

/* Reference model: every pushed item, its state, and a list of the pending ones. */
struct item { sim_time_ns at; sim_timer_id id; int state; /* 0 pending 1 popped 2 cancelled */ };
struct model { struct item *it; size_t n; size_t *pend; size_t npend; };

static size_t model_min(const struct model *m) /* index into pend */
{
	size_t best = 0;
	for (size_t k = 1; k < m->npend; k++) {
		const struct item *a = &m->it[m->pend[k]], *b = &m->it[m->pend[best]];
		if (a->at < b->at || (a->at == b->at && m->pend[k] < m->pend[best]))
			best = k;
	}
	return best;
}

static void model_drop(struct model *m, size_t k, int state)
{
	m->it[m->pend[k]].state = state;
	m->pend[k] = m->pend[--m->npend];
}

static void check_pop(struct evq *q, struct model *m)
{
	struct evq_event ev;
	size_t k = model_min(m), want = m->pend[k];

	assert_int_equal(evq_pop(q, &ev), 1);
	assert_int_equal(UNTAG(ev.subject), want); /* a cancelled item never comes out */
	assert_int_equal(ev.at, m->it[want].at);
	model_drop(m, k, 1);
}

/* push_pct of the ops push; the rest split 50:17:17:17 into pop, cancel head, cancel any
 * pending, cancel any id ever issued (often stale). */
static void one_op(struct evq *q, struct model *m, gsl_rng *r, unsigned push_pct)
{
	uint64_t op = rng_below(r, 100);

	if (op < push_pct || m->npend == 0) {
		struct item *it = &m->it[m->n];
		it->at = (sim_time_ns)rng_below(r, 1000);
		it->id = evq_push(q, it->at, noop, TAG(m->n), NULL);
		it->state = 0;
		assert_true(it->id != 0);
		m->pend[m->npend++] = m->n++;
	} else if ((op = rng_below(r, 6)) < 3) {
		check_pop(q, m);
	} else if (op == 3) {
		size_t k = model_min(m); /* the head */
		assert_int_equal(evq_cancel(q, m->it[m->pend[k]].id), 1);
		model_drop(m, k, 2);
	} else if (op == 4) {
		size_t k = (size_t)rng_below(r, m->npend); /* anywhere, usually the middle */
		assert_int_equal(evq_cancel(q, m->it[m->pend[k]].id), 1);
		model_drop(m, k, 2);
	} else {
		size_t i = (size_t)rng_below(r, m->n); /* any id ever issued */
		assert_int_equal(evq_cancel(q, m->it[i].id), m->it[i].state == 0);
		if (m->it[i].state == 0) {
			for (size_t k = 0; k < m->npend; k++)
				if (m->pend[k] == i) {
					model_drop(m, k, 2);
					break;
				}
		}
	}
	assert_int_equal(evq_len(q), m->npend);
}

static void test_evq_cancel_model(void **state)
{
	enum { OPS = 60000 };
	struct model m = { calloc(OPS, sizeof(struct item)), 0, calloc(OPS, sizeof(size_t)), 0 };
	gsl_rng *r = rng_stream_new(2, "test/evq-cancel");
	struct evq q;

	(void)state;
	evq_init(&q);
	/* grow to thousands pending, churn, then drain: every heap depth sees each op */
	for (int i = 0; i < OPS && m.n < OPS; i++)
		one_op(&q, &m, r, i < OPS / 3 ? 75 : i < 2 * OPS / 3 ? 50 : 25);
	while (m.npend)
		check_pop(&q, &m);
	assert_int_equal(evq_len(&q), 0);
	for (size_t i = 0; i < m.n; i++)
		assert_int_equal(evq_cancel(&q, m.it[i].id), 0);
	evq_release(&q);
	gsl_rng_free(r);
	free(m.it);
	free(m.pend);
}

/* A queue is a sorted array while small and a heap while large: sizes swinging across
 * both thresholds (16 and 48) many times, with pops and cancels, against the model. */
static void test_evq_small_and_heap_modes(void **state)
{
	enum { OPS = 40000 };
	struct model m = { calloc(OPS, sizeof(struct item)), 0, calloc(OPS, sizeof(size_t)), 0 };
	gsl_rng *r = rng_stream_new(3, "test/evq-modes");
	struct evq q;
	int swings = 0;
	bool growing = true;

	(void)state;
	evq_init(&q);
	while (m.n < OPS - 1) {
		one_op(&q, &m, r, growing ? 80 : 20);
		if (growing && m.npend >= 70) {
			growing = false;
			swings++;
		} else if (!growing && m.npend <= 4) {
			growing = true;
		}
	}
	assert_true(swings >= 50);
	while (m.npend)
		check_pop(&q, &m);
	evq_release(&q);
	gsl_rng_free(r);
	free(m.it);
	free(m.pend);
}

/* sim_run: a log of (time, tag) of what fired. */
struct fired { int n; sim_time_ns t[32]; int tag[32]; sim_timer_id victim; };

static void log_fn(struct sim *s, void *subject, void *arg)
{
	struct fired *f = subject;
	f->t[f->n] = sim_now(s);
	f->tag[f->n++] = (int)(intptr_t)arg;
}

static void spawn_fn(struct sim *s, void *subject, void *arg)
{
	log_fn(s, subject, arg);
	sim_schedule(s, sim_now(s), log_fn, subject, (void *)(intptr_t)51);
	sim_after(s, 5, log_fn, subject, (void *)(intptr_t)52);
	sim_after(s, -3, log_fn, subject, (void *)(intptr_t)53);
	sim_schedule(s, 0, log_fn, subject, (void *)(intptr_t)54);
}

static void stop_fn(struct sim *s, void *subject, void *arg)
{
	struct fired *f = subject;
	log_fn(s, subject, arg);
	assert_true(sim_cancel(s, f->victim));
	assert_false(sim_cancel(s, f->victim));
	sim_stop(s);
}

#define AT(s, t, fn, f, tag) sim_schedule(s, t, fn, f, (void *)(intptr_t)(tag))

static void test_sim_run_semantics(void **state)
{
	struct sim *s = sim_new(42);
	struct fired f = { 0 };
	static const int want[] = { 1, 2, 4, 5, 50, 51, 53, 54, 52, 60, 62 };

	(void)state;
	assert_int_equal(sim_root_seed(s), 42);
	AT(s, 10, log_fn, &f, 1);
	AT(s, 20, log_fn, &f, 2);
	AT(s, 30, log_fn, &f, 3);
	AT(s, 20, log_fn, &f, 4); /* same time as 2: after it */
	assert_int_equal(sim_events_pending(s), 4);
	assert_int_equal(sim_run(s, 20), 3); /* until is inclusive */
	assert_int_equal(sim_now(s), 20);
	assert_int_equal(sim_run(s, 25), 0);
	assert_int_equal(sim_now(s), 25); /* now advances to until */
	AT(s, 5, log_fn, &f, 5);          /* in the past: clamped to 25 */
	assert_int_equal(sim_run(s, 25), 1);
	assert_int_equal(f.t[3], 25);
	assert_int_equal(sim_run(s, 30), 1); /* tag 3 */
	AT(s, 40, spawn_fn, &f, 50);
	assert_int_equal(sim_run(s, 44), 4);
	assert_int_equal(sim_now(s), 44);
	assert_int_equal(sim_run(s, 45), 1);
	AT(s, 100, stop_fn, &f, 60);
	f.victim = AT(s, 100, log_fn, &f, 61);
	AT(s, 100, log_fn, &f, 62);
	assert_int_equal(sim_run(s, 200), 1);
	assert_true(sim_stopped(s));
	assert_int_equal(sim_now(s), 100); /* stopped: the clock stays at the event */
	assert_int_equal(sim_run(s, 200), 1);
	assert_false(sim_stopped(s));
	assert_int_equal(sim_now(s), 200);
	assert_int_equal(sim_run(s, 150), 0); /* never backwards */
	assert_int_equal(sim_now(s), 200);
	/* the log: fire order and times */
	assert_int_equal(f.n, 12);
	for (int i = 0, k = 0; i < f.n; i++) {
		if (f.tag[i] == 3) {
			assert_int_equal(f.t[i], 30);
			continue;
		}
		assert_int_equal(f.tag[i], want[k++]);
	}
	assert_int_equal(f.t[0], 10);
	assert_int_equal(f.t[1], 20);
	assert_int_equal(f.t[2], 20);
	for (int i = 5; i < 9; i++)
		assert_int_equal(f.t[i], 40);
	assert_int_equal(f.t[9], 45);
	assert_int_equal(sim_events_fired(s), 12);
	assert_int_equal(sim_events_pending(s), 0);
	sim_free(s);
}

static void test_sim_after_overflow(void **state)
{
	struct sim *s = sim_new(1);
	struct fired f = { 0 };

	(void)state;
	sim_run(s, SIM_S);
	sim_after(s, SIM_TIME_MAX, log_fn, &f, (void *)(intptr_t)1);
	assert_int_equal(sim_run(s, SIM_TIME_MAX - 1), 0);
	assert_int_equal(sim_run(s, SIM_TIME_MAX), 1);
	assert_int_equal(f.t[0], SIM_TIME_MAX);
	sim_free(s);
}

enum { FAIL_LINE = __LINE__ + 1 };
static void fail_fn(struct sim *s, void *subj, void *arg) { (void)s; (void)subj; SIM_ASSERT(arg); }

/* The child breaks an invariant at t = 1234 ns under seed 77: exit 3 and the message. */
static void test_sim_assert_exit(void **state)
{
	int fds[2], status;
	char buf[512] = { 0 }, want[512];
	ssize_t got, n = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sim *s = sim_new(77);
		dup2(fds[1], 2);
		close(fds[0]);
		sim_schedule(s, 1234, fail_fn, NULL, NULL);
		sim_run(s, SIM_S);
		_exit(0);
	}
	close(fds[1]);
	while ((got = read(fds[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += got;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	snprintf(want, sizeof(want), "kafkasim: invariant broken: arg at %s:%d "
		 "(seed 77, t=1234 ns)\n", __FILE__, FAIL_LINE);
	assert_string_equal(buf, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evq_order_10k),
		cmocka_unit_test(test_evq_cancel_basic),
		cmocka_unit_test(test_evq_front_slot),
		cmocka_unit_test(test_evq_ticket_repushed_after_cancel),
		cmocka_unit_test(test_evq_cancel_most),
		cmocka_unit_test(test_evq_cancel_model),
		cmocka_unit_test(test_evq_small_and_heap_modes),
		cmocka_unit_test(test_sim_run_semantics),
		cmocka_unit_test(test_sim_after_overflow),
		cmocka_unit_test(test_sim_assert_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
