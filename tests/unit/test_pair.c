/*
 * test_pair.c - a pair of kernels (sim.h): two sides of nodes that message each other with
 * random latencies, run on one kernel, on a pair with one thread and on a pair with two.
 * Each node keeps a log of what it fired; the logs must be the same in all three, and the
 * same on every repetition with two threads. Times are laid out so that no event sent from
 * one side falls on a nanosecond where the other side has an event of its own (events
 * there fire at times of their own residue mod 4): a tie between the sides is the only
 * place where a pair may order events differently from one kernel (sim.h).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define N_SIDE 3               /* nodes per side */
#define N_NODES (2 * N_SIDE)
#define LOG_MAX 20000
/* Times in microseconds, so that runs are long enough for two threads (sim.c's
 * PAIR_RUN_MIN is 10 ms); latencies from lat_min to lat_min + lat_spread ns. */
#define US 1000
static sim_time_ns lat_min = 40 * US, lat_spread = 1000 * US;

struct world;
struct tnode {
	struct world *w;
	int id, side;            /* side 0: nodes 0..N_SIDE-1, side 1: the rest */
	uint64_t rng;
	sim_time_ns next_lat;    /* the next message's latency, drawn ahead */
	sim_time_ns last_at;     /* its messages arrive in order (FIFO, as the network) */
	int n_log;
	int64_t log[LOG_MAX][2]; /* (time, what) */
};
struct world {
	struct sim *k[2];        /* the kernel of each side (the same one: no pair) */
	struct tnode node[N_NODES];
	sim_time_ns until;
};

static uint64_t draw(struct tnode *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return n->rng;
}

/* The first time >= t of residue r mod 4: side 0's own events at 0, side 1's at 2, what
 * side 0 sends at 3, what side 1 sends at 1. */
static sim_time_ns at_residue(sim_time_ns t, int r)
{
	return t + (sim_time_ns)(((r - t % 4) % 4 + 4) % 4);
}

static void note(struct tnode *n, int64_t what)
{
	if (n->n_log < LOG_MAX) {
		n->log[n->n_log][0] = sim_now(n->w->k[n->side]);
		n->log[n->n_log][1] = what;
	}
	n->n_log++;
}

static void recv_fn(struct sim *s, void *subject, void *arg);

/* Send one message to a node of the other side. */
static void send_one(struct tnode *n, int64_t what)
{
	struct world *w = n->w;
	struct sim *me = w->k[n->side], *peer = w->k[1 - n->side];
	sim_time_ns at = sim_now(me) + n->next_lat;
	n->next_lat = lat_min + (sim_time_ns)(draw(n) % (uint64_t)lat_spread);
	if (at < n->last_at)
		at = n->last_at;
	at = at_residue(at, n->side ? 1 : 3);
	n->last_at = at;
	struct tnode *to = &w->node[(1 - n->side) * N_SIDE + (int)(draw(n) % N_SIDE)];
	if (peer == me)
		sim_schedule(me, at, recv_fn, to, (void *)(intptr_t)what);
	else
		sim_send(me, peer, at, recv_fn, to, (void *)(intptr_t)what);
}

static void tick_fn(struct sim *s, void *subject, void *arg)
{
	struct tnode *n = subject;
	(void)arg;
	note(n, -1);
	send_one(n, n->id * 1000000 + n->n_log);
	/* sometimes a timer at this very instant's residue: ties among a side's own events */
	sim_time_ns d = draw(n) % 3 == 0 ? 0 : (sim_time_ns)(draw(n) % (500 * US));
	sim_schedule(s, at_residue(sim_now(s) + d, n->side ? 2 : 0), tick_fn, n, NULL);
}

static void recv_fn(struct sim *s, void *subject, void *arg)
{
	struct tnode *n = subject;
	(void)s;
	note(n, (int64_t)(intptr_t)arg);
	if (draw(n) % 2)
		send_one(n, (int64_t)(intptr_t)arg + 1);
}

static sim_time_ns side_lookahead(void *ctx)
{
	const struct tnode *n = ctx; /* the side's first node; its others follow */
	sim_time_ns min = SIM_TIME_MAX;
	for (int i = 0; i < N_SIDE; i++)
		if (n[i].next_lat < min)
			min = n[i].next_lat;
	return min;
}

/* Run the world: on one kernel (pair = 0), or on a pair with `threads` threads, in runs of
 * `step` ns (a pair's promises start anew at each). */
static struct world *run_world(int pair, int threads, sim_time_ns until, sim_time_ns step)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->k[0] = sim_new(5);
	w->k[1] = pair ? sim_new(5) : w->k[0];
	for (int i = 0; i < N_NODES; i++) {
		struct tnode *n = &w->node[i];
		n->w = w;
		n->id = i;
		n->side = i / N_SIDE;
		n->rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
		n->next_lat = lat_min + (sim_time_ns)(draw(n) % (uint64_t)lat_spread);
	}
	if (pair)
		sim_pair(w->k[0], w->k[1], side_lookahead, &w->node[0], side_lookahead,
			 &w->node[N_SIDE]);
	for (int i = 0; i < N_NODES; i++) {
		struct tnode *n = &w->node[i];
		struct sim *was = sim_enter(w->k[n->side]);
		sim_schedule(w->k[n->side], at_residue((sim_time_ns)i * 7 * US, n->side ? 2 : 0),
			     tick_fn, n, NULL);
		sim_enter(was);
	}
	for (sim_time_ns t = step;; t += step) {
		if (t > until)
			t = until;
		if (pair)
			sim_pair_run(w->k[0], t, threads);
		else
			sim_run(w->k[0], t);
		if (t == until)
			break;
	}
	return w;
}

static void free_world(struct world *w)
{
	if (w->k[1] != w->k[0])
		sim_free(w->k[1]);
	sim_free(w->k[0]);
	free(w);
}

static void assert_same_logs(const struct world *a, const struct world *b)
{
	for (int i = 0; i < N_NODES; i++) {
		const struct tnode *x = &a->node[i], *y = &b->node[i];
		assert_int_equal(x->n_log, y->n_log);
		int n = x->n_log < LOG_MAX ? x->n_log : LOG_MAX;
		assert_memory_equal(x->log, y->log, (size_t)n * sizeof(x->log[0]));
	}
}

/* A pair fires what one kernel fires, node by node, on one thread or two. */
static void test_pair_fires_as_one_kernel(void **state)
{
	(void)state;
	struct world *one = run_world(0, 1, 200000 * US, 50000 * US);
	struct world *p1 = run_world(1, 1, 200000 * US, 50000 * US);
	struct world *p2 = run_world(1, 2, 200000 * US, 50000 * US);
	int total = 0;
	for (int i = 0; i < N_NODES; i++) {
		assert_true(one->node[i].n_log > 500); /* every node busy, none past the log */
		assert_true(one->node[i].n_log <= LOG_MAX);
		total += one->node[i].n_log;
	}
	assert_true(total > 6000);
	/* the pair ran on two threads and stayed there */
	assert_int_equal(sim_pair_solo_runs(p2->k[0]), 0);
	assert_same_logs(one, p1);
	assert_same_logs(one, p2);
	/* the pair's events are counted on both kernels */
	assert_int_equal(sim_events_fired(p2->k[0]) + sim_events_fired(p2->k[1]),
			 sim_events_fired(one->k[0]));
	assert_int_equal(sim_now(p2->k[0]), 200000 * US);
	assert_int_equal(sim_now(p2->k[1]), 200000 * US);
	free_world(one);
	free_world(p1);
	free_world(p2);
}

/* Two threads, again and again: the same logs every time, whatever the interleaving - and
 * with runs of every length, down to ones shorter than the least latency (and than
 * PAIR_RUN_MIN: one thread). */
static void test_pair_threads_repeat(void **state)
{
	(void)state;
	struct world *ref = run_world(1, 1, 100000 * US, 100000 * US);
	static const sim_time_ns steps[] = { 100000 * US, 33333 * US, 10000 * US, 37 * US };
	for (int r = 0; r < 8; r++) {
		struct world *w = run_world(1, 2, 100000 * US, steps[r % 4]);
		assert_same_logs(ref, w);
		free_world(w);
	}
	free_world(ref);
}

/* Latencies of 1 ns and up: two threads would take a round trip between the cores every
 * few events, and hand the run to one thread - the same logs, and no hang. */
static void test_pair_tiny_lookahead(void **state)
{
	(void)state;
	lat_min = 1;
	lat_spread = 3;
	struct world *one = run_world(0, 1, 20000 * US, 20000 * US);
	struct world *p2 = run_world(1, 2, 20000 * US, 20000 * US);
	lat_min = 40 * US;
	lat_spread = 1000 * US;
	assert_true(one->node[0].n_log > 50);
	assert_int_equal(sim_pair_solo_runs(p2->k[0]), 1); /* abandoned, finished on one */
	assert_same_logs(one, p2);
	free_world(one);
	free_world(p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_fires_as_one_kernel),
		cmocka_unit_test(test_pair_threads_repeat),
		cmocka_unit_test(test_pair_tiny_lookahead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
