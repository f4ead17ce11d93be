/*
 * test_group.c - consumer groups end to end: small clusters from YAML text, run in process
 * (so also under ASan and UBSan), outcomes read from the summary and from the group's
 * read-only accessors (cons_member_partitions, cons_rebalance). Each assertion is a number
 * that would differ if the protocol or the accounting were wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "modelrun.h"

static void run_yaml(struct run *r, const char *yaml)
{
	run_yaml_seed(r, yaml, 0);
}

/* The partitions member m (0-based) of group g owns at the end, as a bit set. */
static unsigned owned(const struct run *r, int g, int m)
{
	int p[64], n = cons_member_partitions(r->c, g, m, p, 64);
	unsigned set = 0;
	for (int i = 0; i < n; i++)
		set |= 1u << p[i];
	return set;
}

static int bits(unsigned x)
{
	return __builtin_popcount(x);
}

/* ---- eager vs cooperative ----------------------------------------------------------------- */

static const char join_yaml[] =
	"name: t\nseed: 3\nduration: 30s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 6, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 300/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: eager, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [sticky] } }\n"
	"  - { name: coop, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [cooperative-sticky] } }\n"
	"faults:\n"
	"  - { at: 15s, join: eager }\n"
	"  - { at: 15s, join: coop }\n";

/* A third member joins a group of two over six partitions. Eager: both members revoke all
 * three of theirs, one rebalance. Cooperative: each revokes only the one partition that
 * moves, and a second (follow-up) rebalance hands the two to the newcomer. The sticky
 * algorithm keeps the same final owners either way. */
static void test_eager_revokes_all_cooperative_only_moving(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, join_yaml);
	assert_int_equal((int)fig(&r, "groups.eager.partitions_revoked"), 6);
	assert_int_equal((int)fig(&r, "groups.coop.partitions_revoked"), 2);
	assert_int_equal((int)fig(&r, "groups.eager.rebalances"), 2);
	assert_int_equal((int)fig(&r, "groups.coop.rebalances"), 3);
	assert_int_equal((int)fig(&r, "groups.eager.partitions_moved"), 2);
	assert_int_equal((int)fig(&r, "groups.coop.partitions_moved"), 2);
	assert_true(fig(&r, "groups.eager.rebalance_pause_ms") > 0);
	assert_true(fig(&r, "groups.coop.rebalance_pause_ms") == 0);
	for (int g = 0; g < 2; g++) {
		unsigned a = owned(&r, g, 0), b = owned(&r, g, 1), c = owned(&r, g, 2);
		assert_int_equal(bits(a), 2);
		assert_int_equal(bits(b), 2);
		assert_int_equal(bits(c), 2);
		assert_int_equal(a | b | c, 0x3f);
		assert_int_equal(a & b, 0);
	}
	/* the cooperative first round gives the newcomer nothing: what moves is withheld */
	const struct rb_record *first = cons_rebalance(r.c, 1, 1);
	const struct rb_record *second = cons_rebalance(r.c, 1, 2);
	assert_non_null(first);
	assert_non_null(second);
	assert_int_equal(first->moved, 0);
	assert_int_equal(second->moved, 2);
	assert_int_equal(second->revoked, 2);
	assert_true(second->generation == first->generation + 1);
	run_release(&r);
}

/* CooperativeStickyAssignor reads its previous assignment only from the subscription's
 * ownedPartitions, and the eager protocol revokes everything before JoinGroup, so those are
 * empty (ConsumerCoordinator.onJoinPrepare, metadata()). With [cooperative-sticky, range]
 * the common protocol is eager (range supports no other): each rebalance is a fresh
 * assignment, round-robin over the members in member.id order. StickyAssignor keeps its
 * last assignment in its own user data and stays sticky under eager. */
static const char eager_coop_yaml[] =
	"name: t\nseed: 3\nduration: 30s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 6, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 300/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: ce, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [cooperative-sticky, range] } }\n"
	"  - { name: cc, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [cooperative-sticky] } }\n"
	"  - { name: se, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [sticky, cooperative-sticky] } }\n"
	"  - { name: rr, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [roundrobin] } }\n"
	"faults:\n"
	"  - { at: 15s, join: ce }\n  - { at: 15s, join: cc }\n"
	"  - { at: 15s, join: se }\n  - { at: 15s, join: rr }\n";

/* Two members own {0,2,4} and {1,3,5}; a third joins. Sticky (cooperative-sticky under the
 * cooperative protocol, sticky under eager) keeps two each and moves 4 and 5 to the
 * newcomer; cooperative-sticky under eager starts afresh: {0,3} {1,4} {2,5}, four moved,
 * exactly what roundrobin gives. */
static void test_eager_cooperative_sticky_assigns_afresh(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, eager_coop_yaml);
	enum { CE, CC, SE, RR };
	for (int g = CE; g <= RR; g++) {
		const struct rb_record *first = cons_rebalance(r.c, g, 0);
		assert_non_null(first);
		assert_int_equal(first->members, 2);
		assert_int_equal(owned(&r, g, 0) | owned(&r, g, 1) | owned(&r, g, 2), 0x3f);
	}
	for (int m = 0; m < 3; m++)
		assert_int_equal(owned(&r, CE, m), owned(&r, RR, m));
	assert_int_equal(owned(&r, CE, 0), 0x09);
	assert_int_equal(owned(&r, CE, 1), 0x12);
	assert_int_equal(owned(&r, CE, 2), 0x24);
	assert_int_equal((int)fig(&r, "groups.ce.partitions_moved"), 4);
	assert_int_equal((int)fig(&r, "groups.rr.partitions_moved"), 4);
	assert_int_equal((int)fig(&r, "groups.ce.partitions_revoked"), 6);
	for (int g = CC; g <= SE; g++) {
		assert_int_equal(owned(&r, g, 0), 0x05);
		assert_int_equal(owned(&r, g, 1), 0x0a);
		assert_int_equal(owned(&r, g, 2), 0x30);
	}
	assert_int_equal((int)fig(&r, "groups.cc.partitions_moved"), 2);
	assert_int_equal((int)fig(&r, "groups.se.partitions_moved"), 2);
	assert_int_equal((int)fig(&r, "groups.cc.partitions_revoked"), 2);
	assert_int_equal((int)fig(&r, "groups.se.partitions_revoked"), 6);
	run_release(&r);
}

/* ---- at-least-once ------------------------------------------------------------------------- */

static const char c08_yaml[] =
	"name: t\nseed: 11\nduration: 80s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: payments, partitions: 1, replication.factor: 3 } ]\n"
	"producers: [ { name: checkout, topic: payments, rate: 1000/s, arrival: constant,\n"
	"               stop: 5001ms } ]\n"
	"consumer_groups:\n"
	"  - { name: billing, topic: payments, members: 0, commit: sync,\n"
	"      processing: { per_record: 10ms },\n"
	"      config: { auto.offset.reset: earliest, max.poll.records: 100,\n"
	"                session.timeout.ms: 6000, heartbeat.interval.ms: 1000,\n"
	"                partition.assignment.strategy: [range] } }\n"
	"faults:\n"
	"  - { at: 10s, join: billing }\n"
	"  - { at: 10s, join: billing }\n"
	"  - { at: %s, crash: billing-1 }\n";

/* commitSync after every 100-record poll of 1.002s; poll 12 starts at 27.034s with 1100
 * committed. A crash t into it leaves floor(100 t / 1s) records processed and uncommitted,
 * and exactly those are processed again by the successor. */
static void test_crash_before_commit_redelivers_exactly(void **state)
{
	(void)state;
	static const struct { const char *at; int dup; } cases[] = {
		{ "27535ms", 50 }, { "27135ms", 10 }, { "27933ms", 89 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[2048];
		snprintf(yaml, sizeof(yaml), c08_yaml, cases[i].at);
		struct run r;
		run_yaml(&r, yaml);
		assert_int_equal((int)fig(&r, "groups.billing.delivery_duplicates"), cases[i].dup);
		assert_int_equal((int)fig(&r, "groups.billing.records_processed"),
				 5000 + cases[i].dup);
		assert_int_equal((int)fig(&r, "groups.billing.skipped"), 0);
		assert_int_equal((int)fig(&r, "groups.billing.per_partition.payments-0.committed"),
				 5000);
		run_release(&r);
	}
}

static const char c09_yaml[] =
	"name: t\nseed: 9\nduration: 80s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 1, replication.factor: 3 } ]\n"
	"producers: [ { name: checkout, topic: orders, rate: 1000/s, arrival: constant,\n"
	"               stop: 5001ms } ]\n"
	"consumer_groups:\n"
	"  - { name: inline, topic: orders, members: 0, processing: { per_record: 10ms },\n"
	"      config: &c { auto.offset.reset: earliest, auto.commit.interval.ms: 1000,\n"
	"                   max.poll.records: 100, session.timeout.ms: 6000,\n"
	"                   heartbeat.interval.ms: 1000,\n"
	"                   partition.assignment.strategy: [range] } }\n"
	"  - { name: handoff, topic: orders, members: 0,\n"
	"      processing: { per_record: 10ms, async: true }, config: *c }\n"
	"faults:\n"
	"  - { at: 10s, join: inline }\n"
	"  - { at: 10s, join: inline }\n"
	"  - { at: 10s, join: handoff }\n"
	"  - { at: 10s, join: handoff }\n"
	"  - { at: 27535ms, crash: inline-1 }\n"
	"  - { at: 27535ms, crash: handoff-1 }\n";

/* Auto-commit commits what poll() returned before: synchronous processing stays
 * at-least-once (52 redelivered, none skipped); a hand-off to workers commits records the
 * worker has not reached, and a crash skips them (48, none redelivered). */
static void test_auto_commit_with_workers_skips(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, c09_yaml);
	assert_int_equal((int)fig(&r, "groups.inline.delivery_duplicates"), 52);
	assert_int_equal((int)fig(&r, "groups.inline.skipped"), 0);
	assert_int_equal((int)fig(&r, "groups.handoff.delivery_duplicates"), 0);
	assert_int_equal((int)fig(&r, "groups.handoff.skipped"), 48);
	assert_int_equal((int)fig(&r, "checker.skipped"), 48);
	assert_int_equal((int)fig(&r, "groups.inline.records_processed"), 5052);
	assert_int_equal((int)fig(&r, "groups.handoff.records_processed"), 4952);
	run_release(&r);
}

/* ---- membership ------------------------------------------------------------------------------ */

static const char member_yaml[] =
	"name: t\nseed: 4\nduration: 40s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 6, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 600/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: g, topic: orders, members: 3, static: %s, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, session.timeout.ms: %d,\n"
	"                heartbeat.interval.ms: %d, partition.assignment.strategy: [range] } }\n"
	"faults:\n"
	"  - { at: %s, crash: g-2%s }\n";

/* A static member restarted within the session timeout takes its partitions back with no
 * rebalance; a dynamic one is a new member and the group rebalances (waiting for the old
 * instance's session to end). */
static void test_static_member_rejoins_without_rebalance(void **state)
{
	(void)state;
	char yaml[2048];
	struct run st, dyn;
	snprintf(yaml, sizeof(yaml), member_yaml, "true", 10000, 1000, "20s", ", for: 4s");
	run_yaml(&st, yaml);
	snprintf(yaml, sizeof(yaml), member_yaml, "false", 10000, 1000, "20s", ", for: 4s");
	run_yaml(&dyn, yaml);
	assert_int_equal((int)fig(&st, "groups.g.rebalances"), 1);
	assert_int_equal((int)fig(&st, "groups.g.generation"), 1);
	assert_int_equal((int)fig(&st, "groups.g.expirations"), 0);
	assert_int_equal(bits(owned(&st, 0, 1)), 2);
	assert_int_equal(owned(&st, 0, 0) | owned(&st, 0, 1) | owned(&st, 0, 2), 0x3f);
	/* the range assignment is what it was: g-2 owns partitions 2 and 3 again */
	assert_int_equal(owned(&st, 0, 1), 0x0c);
	assert_int_equal((int)fig(&dyn, "groups.g.rebalances"), 2);
	assert_int_equal((int)fig(&dyn, "groups.g.expirations"), 1);
	assert_int_equal((int)fig(&dyn, "groups.g.generation"), 2);
	run_release(&st);
	run_release(&dyn);
}

/* The coordinator removes a crashed member session.timeout.ms after the last heartbeat it
 * received, which came at most one heartbeat interval before the crash: detection takes
 * between session - heartbeat and session after the crash (plus the 1ms the heartbeat
 * travelled). Crash times spread over a heartbeat interval cover the whole window. */
static void test_session_timeout_detection_window(void **state)
{
	(void)state;
	static const char *const at[] = { "20s", "20250ms", "20500ms", "20750ms", "20999ms" };
	double lo = 1e9, hi = 0;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		char yaml[2048];
		snprintf(yaml, sizeof(yaml), member_yaml, "false", 6000, 1000, at[i], "");
		struct run r;
		run_yaml(&r, yaml);
		double d = fig(&r, "groups.g.crash_detection_ms");
		assert_true(d > 6000 - 1000);
		assert_true(d <= 6000 + 1);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		assert_int_equal((int)fig(&r, "groups.g.expirations"), 1);
		assert_int_equal((int)fig(&r, "groups.g.members"), 2);
		run_release(&r);
	}
	assert_true(hi - lo > 700); /* the detection delay depends on the heartbeat phase */
}

static const char slow_yaml[] =
	"name: t\nseed: 8\nduration: 40s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 2, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 400/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: g, topic: orders, members: 2, commit: sync, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, max.poll.interval.ms: 5000,\n"
	"                max.poll.records: 100, partition.assignment.strategy: [range] } }\n"
	"faults:\n"
	"  - { at: 15s, slow: g-1, factor: 100, for: 10s }\n";

/* A poll that takes longer than max.poll.interval.ms: the member leaves from its heartbeat
 * thread, its partition moves, its commitSync then fails and the records it processed
 * are processed again by the new owner; it rejoins at its next poll. */
static void test_max_poll_interval_leaves_group(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, slow_yaml);
	assert_int_equal((int)fig(&r, "groups.g.leaves"), 1);
	assert_true(fig(&r, "groups.g.commits_failed") >= 1);
	assert_true(fig(&r, "groups.g.delivery_duplicates") > 0);
	assert_true(fig(&r, "groups.g.rebalances") >= 3);
	assert_int_equal((int)fig(&r, "groups.g.members"), 2);
	assert_int_equal((int)fig(&r, "groups.g.skipped"), 0);
	run_release(&r);
}

static const char pause_yaml[] =
	"name: t\nseed: 12\nduration: 50s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 4, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 400/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: g, topic: orders, members: 2, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, session.timeout.ms: 10000,\n"
	"                heartbeat.interval.ms: 1000 } }\n"
	"faults:\n"
	"  - { at: 15s, pause: g-1, for: %s }\n";

/* A JoinGroup waits out a rebalance at the coordinator, so its member gives it up only
 * after max.poll.interval.ms + 5 s (joinGroupTimeoutMs), and so does TCP's hold on it: the
 * member's first join, across a 60 s split from its coordinator, goes through at TCP's
 * resend at 81 s and it is reading by 89 s. Given up at request.timeout.ms (30 s) instead,
 * the join was dropped at 60 s and sent again only when the member's own timer gave up, at
 * 335 s: its lag peaked at 340 s (a review found it). */
static void test_held_join_waits_out_its_rebalance_timeout(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 400s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 100/s } ]\n"
		"consumer_groups: [ { name: g, topic: t, members: 1 } ]\n"
		"faults: [ { at: 100us, partition: { a: [g-1], b: [broker-1] }, for: 60s } ]\n";
	struct run r;
	run_yaml(&r, y);
	assert_true(fig(&r, "groups.g.lag_max_at_s") < 100.0);
	assert_true(fig(&r, "groups.g.records_processed") > 30000);
	run_release(&r);
}

/* A heartbeat unanswered for request.timeout.ms (30 s) disconnects, and the member looks
 * for its coordinator again (AbstractCoordinator marks it unknown on a disconnect): cut off
 * from it from 20 s to 48 s, the member's heartbeat of ~21 s is given up at ~51 s, and it is
 * answered again at once. Before, the member waited for session.timeout.ms (45 s) from its
 * last answer: nothing answered until 66 s (a review found it). */
static void test_heartbeat_given_up_at_request_timeout(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 100/s } ]\n"
		"consumer_groups: [ { name: g, topic: t, members: 1 } ]\n"
		"faults: [ { at: 20s, partition: { a: [g-1], b: [broker-1] }, for: 28s } ]\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct member *mb = &r.c->groups[0].members[0];
	cluster_run_until(r.c, 50 * SIM_S);
	assert_true(mb->hb_inflight && mb->last_hb_resp_ns < 21 * SIM_S);
	cluster_run_until(r.c, 52 * SIM_S);
	assert_int_equal(mb->coord, 1);
	assert_true(mb->last_hb_resp_ns > 51 * SIM_S);
	run_end(&r);
	run_release(&r);
}

/* A GC pause shorter than the session costs nothing but time; a longer one gets the
 * member expired, its partitions move and on waking it finds itself fenced and rejoins. */
static void test_gc_pause_against_session_timeout(void **state)
{
	(void)state;
	char yaml[2048];
	struct run shortp, longp;
	snprintf(yaml, sizeof(yaml), pause_yaml, "5s");
	run_yaml(&shortp, yaml);
	snprintf(yaml, sizeof(yaml), pause_yaml, "15s");
	run_yaml(&longp, yaml);
	assert_int_equal((int)fig(&shortp, "groups.g.expirations"), 0);
	assert_int_equal((int)fig(&shortp, "groups.g.rebalances"), 1);
	assert_int_equal((int)fig(&shortp, "groups.g.delivery_duplicates"), 0);
	assert_int_equal((int)fig(&longp, "groups.g.expirations"), 1);
	assert_int_equal((int)fig(&longp, "groups.g.rebalances"), 3);
	assert_true(fig(&longp, "groups.g.delivery_duplicates") > 0);
	assert_int_equal((int)fig(&longp, "groups.g.members"), 2);
	assert_int_equal(bits(owned(&longp, 0, 0)), 2);
	assert_int_equal(bits(owned(&longp, 0, 1)), 2);
	run_release(&shortp);
	run_release(&longp);
}

/* The latest arrival at any broker of what a node sent, on any of its connections. */
static sim_time_ns last_sent_to_brokers(const struct cluster *c, int node)
{
	sim_time_ns last = 0;
	for (int b = 1; b <= c->n_brokers; b++) {
		size_t pair = (size_t)node * (size_t)c->net.n_nodes + (size_t)net__broker_node(c, b);
		const struct link *l = &c->net.links[pair];
		for (int cls = 0; cls < 2; cls++)
			if (l->last_ns[cls] > last)
				last = l->last_ns[cls];
		for (int cls = 2; cls < CONN_CLASSES; cls++) {
			sim_time_ns t = c->net.last_side[pair * (CONN_CLASSES - 2) + (size_t)cls - 2];
			if (t > last)
				last = t;
		}
	}
	return last;
}

/* Step a begun run through g-1's pause [from, to): the member sends nothing to any broker
 * from just after it starts to just before it ends (what went before arrives within 10 ms),
 * a metadata request is left for the resume, and it sends again once resumed. */
static void assert_silent_pause(struct run *r, sim_time_ns from, sim_time_ns to)
{
	const struct member *mb = &r->c->groups[0].members[0];
	cluster_run_until(r->c, from + 100 * SIM_MS);
	assert_true(mb->paused);
	sim_time_ns before = last_sent_to_brokers(r->c, mb->node);
	assert_true(before < from + 10 * SIM_MS);
	cluster_run_until(r->c, to - 100 * SIM_MS);
	assert_true(mb->paused);
	assert_int_equal(last_sent_to_brokers(r->c, mb->node), before);
	assert_true(mb->meta.deferred);
	cluster_run_until(r->c, to + 50 * SIM_MS);
	assert_false(mb->paused);
	assert_false(mb->meta.deferred);
	assert_true(last_sent_to_brokers(r->c, mb->node) > to);
}

/* A GC pause stops every thread of the consumer's JVM: its metadata refresh
 * (metadata.max.age.ms: 1 s here) comes due during a 5 s pause but goes out only when it
 * resumes. Before, the refresh alone was sent mid-pause. */
static void test_gc_pause_defers_the_metadata_refresh(void **state)
{
	(void)state;
	char yaml[2048];
	static const char extra[] = "metadata.max.age.ms: 1000,";
	snprintf(yaml, sizeof(yaml), pause_yaml, "5s");
	char *at = strstr(yaml, "auto.offset.reset");
	assert_non_null(at);
	char with[2304];
	snprintf(with, sizeof(with), "%.*s%s %s", (int)(at - yaml), yaml, extra, at);
	struct run r;
	run_begin(&r, with, 0);
	assert_silent_pause(&r, 15 * SIM_S, 20 * SIM_S);
	run_end(&r);
	assert_int_equal((int)fig(&r, "groups.g.expirations"), 0);
	run_release(&r);
}

/* The topic grows (partitions 4 -> 6) while a member is paused: it asks for the new
 * partitions' leaders when it resumes, not from inside the pause. Before, that request went
 * out at 8 s, mid-pause (the timers were frozen, the direct request was not). */
static void test_gc_pause_defers_a_growth_request(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 4, replication.factor: 3 } ]\n"
		"producers: [ { name: pa, topic: t, rate: 200/s } ]\n"
		"consumer_groups:\n"
		"  - { name: g, topic: t, members: 2,\n"
		"      config: { metadata.max.age.ms: 3000, session.timeout.ms: 45000 } }\n"
		"faults:\n"
		"  - { at: 5s, pause: g-1, for: 10s }\n"
		"  - { at: 8s, add_partitions: t, partitions: 6 }\n";
	struct run r;
	run_begin(&r, y, 0);
	assert_silent_pause(&r, 5 * SIM_S, 15 * SIM_S);
	run_end(&r);
	run_release(&r);
}

static const char coord_yaml[] =
	"name: t\nseed: 13\nduration: 40s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 3, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: orders, rate: 300/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: g, topic: orders, members: 2, commit: sync, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest, session.timeout.ms: 10000 } }\n";

/* The coordinator's broker crashes: the group's state and offsets survive on the next
 * broker after broker.session.timeout.ms; the members find it and carry on in the same
 * generation, with nothing lost or processed twice. */
static void test_coordinator_failover(void **state)
{
	(void)state;
	char yaml[2048];
	struct run probe, r;
	run_yaml(&probe, coord_yaml);
	int home = (int)fig(&probe, "groups.g.coordinator");
	run_release(&probe);
	snprintf(yaml, sizeof(yaml), "%sfaults: [ { at: 15s, crash: broker-%d } ]\n", coord_yaml,
		 home);
	run_yaml(&r, yaml);
	assert_int_not_equal((int)fig(&r, "groups.g.coordinator"), home);
	assert_int_equal((int)fig(&r, "groups.g.rebalances"), 1);
	assert_int_equal((int)fig(&r, "groups.g.generation"), 1);
	assert_int_equal((int)fig(&r, "groups.g.delivery_duplicates"), 0);
	assert_int_equal((int)fig(&r, "groups.g.skipped"), 0);
	assert_true(fig(&r, "groups.g.lag") < 100);
	run_release(&r);
}

/* ---- offsets ----------------------------------------------------------------------------- */

static const char retention_yaml[] =
	"name: t\nseed: 21\nduration: 45s\n"
	"cluster: { brokers: 3, network: { latency: 1ms },\n"
	"           config: { log.retention.check.interval.ms: 1000,\n"
	"                     group.initial.rebalance.delay.ms: 0 } }\n"
	"topics: [ { name: clicks, partitions: 1, replication.factor: 3,\n"
	"            config: { retention.ms: 10000 } } ]\n"
	"producers: [ { name: web, topic: clicks, rate: 500/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: e, topic: clicks, members: 1, commit: sync, processing: { per_record: 4ms },\n"
	"      config: { auto.offset.reset: earliest } }\n"
	"  - { name: l, topic: clicks, members: 1, commit: sync, processing: { per_record: 4ms },\n"
	"      config: { auto.offset.reset: latest } }\n"
	"  - { name: n, topic: clicks, members: 1, commit: sync, processing: { per_record: 4ms },\n"
	"      config: { auto.offset.reset: none } }\n";

/* Retention overtakes two slow groups at the same offset: earliest skips what was
 * deleted, latest also what was still there. With none and nothing committed the consumer
 * never starts (NoOffsetForPartitionException). */
static void test_retention_out_of_range_policies(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, retention_yaml);
	assert_int_equal((int)fig(&r, "groups.e.offset_out_of_range"), 1);
	assert_int_equal((int)fig(&r, "groups.l.offset_out_of_range"), 1);
	assert_int_equal((int)fig(&r, "groups.e.skipped"), 3654);
	assert_int_equal((int)fig(&r, "groups.l.skipped"), 9426);
	assert_int_equal((int)fig(&r, "groups.n.records_processed"), 0);
	assert_int_equal((int)fig(&r, "groups.n.offset_resets"), 1);
	assert_int_equal((int)fig(&r, "groups.n.offset_out_of_range"), 0);
	assert_int_equal((int)fig(&r, "groups.n.per_partition.clicks-0.committed"), -1);
	run_release(&r);
}

static const char idem_yaml[] =
	"name: t\nseed: 11\nduration: 90s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: orders, partitions: 2, replication.factor: 3 } ]\n"
	"producers:\n"
	"  - { name: checkout, topic: orders, rate: 500/s, arrival: constant, stop: 20s,\n"
	"      config: { enable.idempotence: false, acks: 1, request.timeout.ms: 300,\n"
	"                delivery.timeout.ms: 10000,\n"
	"                max.in.flight.requests.per.connection: 1 } }\n"
	"consumer_groups:\n"
	"  - { name: none, topic: orders, members: 0, idempotence: none,\n"
	"      processing: { per_record: 1ms }, config: &c { auto.offset.reset: earliest,\n"
	"      session.timeout.ms: 6000, heartbeat.interval.ms: 1000,\n"
	"      partition.assignment.strategy: [range] } }\n"
	"  - { name: dedupe, topic: orders, members: 0, idempotence: dedupe_in_batch,\n"
	"      processing: { per_record: 1ms }, config: *c }\n"
	"  - { name: table, topic: orders, members: 0, idempotence: processed_table,\n"
	"      processing: { per_record: 1ms }, config: *c }\n"
	"faults:\n"
	"  - { at: 5s, drop: { from: [broker-1, broker-2, broker-3], to: [checkout] },\n"
	"      fraction: 0.2, for: 10s }\n"
	"  - { at: 25s, join: none }\n  - { at: 25s, join: none }\n"
	"  - { at: 25s, join: dedupe }\n  - { at: 25s, join: dedupe }\n"
	"  - { at: 25s, join: table }\n  - { at: 25s, join: table }\n"
	"  - { at: 33500ms, crash: none-1 }\n  - { at: 33500ms, crash: dedupe-1 }\n"
	"  - { at: 33500ms, crash: table-1 }\n";

/* Duplicate effects, exactly: none counts retry copies and redeliveries; dedupe_in_batch
 * only retry copies that fell into different polls plus every redelivery; the processed
 * table none. The identities add up: effects prevented + duplicate effects are the same
 * duplicates seen three ways. */
static void test_idempotence_strategies(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, idem_yaml);
	double logdup = fig(&r, "checker.log_duplicates");
	double none = fig(&r, "groups.none.duplicate_effects");
	double dedupe = fig(&r, "groups.dedupe.duplicate_effects");
	double dropped = fig(&r, "groups.dedupe.in_batch_duplicates_dropped");
	assert_true(logdup > 0);
	assert_true(none == fig(&r, "groups.none.delivery_duplicates") + logdup);
	assert_true(dedupe == fig(&r, "groups.dedupe.delivery_duplicates") + logdup - dropped);
	assert_true(dropped > 0 && dropped < logdup);
	assert_true(none > dedupe);
	assert_true(dedupe > 0);
	assert_true(fig(&r, "groups.table.duplicate_effects") == 0);
	assert_true(fig(&r, "groups.table.duplicates_prevented") ==
		    fig(&r, "groups.table.delivery_duplicates") + logdup);
	run_release(&r);
}

static const char reset_yaml[] =
	"name: t\nseed: 21\nduration: 40s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: prices, partitions: 1, replication.factor: 3 } ]\n"
	"producers: [ { name: feed, topic: prices, rate: 100/s, arrival: constant,\n"
	"               stop: 10001ms } ]\n"
	"consumer_groups:\n"
	"  - { name: a, topic: prices, members: 1, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest } }\n"
	"  - { name: b, topic: prices, members: 1, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest } }\n"
	"  - { name: c, topic: prices, members: 1, processing: { per_record: 1ms },\n"
	"      config: { auto.offset.reset: earliest } }\n"
	"faults:\n"
	"  - { at: 20s, reset_offsets: a, to: datetime, datetime: 5010ms }\n"
	"  - { at: 20s, reset_offsets: b, to: shift-by, value: -250 }\n"
	"  - { at: 20s, reset_offsets: c, to: latest }\n";

/* --reset-offsets: to-datetime finds the first record appended at or after the time
 * (record k appended at (k+1) x 10ms + 6ms: linger.ms, then the wire), shift-by moves back
 * 250, to-latest replays nothing. */
static void test_reset_offsets(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, reset_yaml);
	assert_int_equal((int)fig(&r, "groups.a.delivery_duplicates"), 500);
	assert_int_equal((int)fig(&r, "groups.b.delivery_duplicates"), 250);
	assert_int_equal((int)fig(&r, "groups.c.delivery_duplicates"), 0);
	assert_int_equal((int)fig(&r, "groups.a.per_partition.prices-0.committed"), 1000);
	run_release(&r);
}

/* ---- lag status ---------------------------------------------------------------------------- */

static const char status_yaml[] =
	"name: t\nseed: 22\nduration: 60s\n"
	"cluster: { brokers: 3, network: { latency: 1ms } }\n"
	"topics: [ { name: clicks, partitions: 1, replication.factor: 1 } ]\n"
	"producers: [ { name: web, topic: clicks, rate: 500/s, arrival: constant } ]\n"
	"consumer_groups:\n"
	"  - { name: healthy, topic: clicks, members: 1, processing: { per_record: 100us },\n"
	"      config: { auto.offset.reset: earliest, auto.commit.interval.ms: 1000 } }\n"
	"  - { name: slow, topic: clicks, members: 1, processing: { per_record: 4ms },\n"
	"      config: { auto.offset.reset: earliest, auto.commit.interval.ms: 1000 } }\n"
	"  - { name: stopped, topic: clicks, members: 1, processing: { per_record: 4ms },\n"
	"      config: { auto.offset.reset: earliest, auto.commit.interval.ms: 1000 } }\n"
	"faults:\n"
	"  - { at: 20s, pause: stopped-1 }\n";

static void test_lag_status(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, status_yaml);
	assert_int_equal((int)fig(&r, "groups.healthy.status_code"), 1);
	assert_int_equal((int)fig(&r, "groups.slow.status_code"), 2);
	assert_int_equal((int)fig(&r, "groups.stopped.status_code"), 3);
	assert_int_equal((int)fig(&r, "groups.stopped.partition_status_code"), 4);
	double total = fig(&r, "groups.slow.status_s.OK") +
		       fig(&r, "groups.slow.status_s.WARNING") +
		       fig(&r, "groups.slow.status_s.ERROR");
	assert_near(total, 60, 1e-9);
	run_release(&r);
}

/* ---- determinism ----------------------------------------------------------------------------- */

/* ---- KIP-320: positions validated after a leader change --------------------------------- */

/* C17 with consumers: broker-3's disk stalls, so it falls out of the ISR with ~1,600
 * records of each partition; brokers 1 and 2 die at 22 s with ~6,600-7,500, and broker-3
 * is elected unclean. Each group had consumed past the new leader's log end on two
 * partitions. The members ask the new leader where their epoch (0) ends, find 1574 and
 * 1645, and seek there whatever auto.offset.reset says (maybeCompleteValidation): no
 * record is read twice (the records at those offsets now are others) and none skipped.
 * Without validation the next fetch was out of range and earliest/latest reset to 0 / the
 * HW: 14,081 / 10,866 duplicates. Under none the LogTruncationException stops the two
 * partitions; the records the new leader wrote below the committed offsets are skipped. */
static const char unclean_yaml[] =
	"name: t\nseed: 5\nduration: 60s\n"
	"cluster:\n"
	"  brokers: 3\n"
	"  config: { replica.lag.time.max.ms: 10000, unclean.leader.election.enable: true }\n"
	"topics:\n"
	"  - { name: tickets, partitions: 3, replication.factor: 3,\n"
	"      config: { min.insync.replicas: 2 } }\n"
	"producers:\n"
	"  - { name: box-office, topic: tickets, rate: 1000/s, keys: { count: 500 },\n"
	"      config: { acks: all } }\n"
	"faults:\n"
	"  - { at: 5s, slow: broker-3, disk_stall: true, for: 20s }\n"
	"  - { at: 22s, crash: broker-1, for: 23s }\n"
	"  - { at: 22s, crash: broker-2, for: 23s }\n"
	"  - { at: 4s, reset_offsets: n, to: earliest }\n"
	"consumer_groups:\n"
	"  - { name: e, topic: tickets, members: 1, config: { auto.offset.reset: earliest } }\n"
	"  - { name: l, topic: tickets, members: 1, config: { auto.offset.reset: latest } }\n"
	"  - { name: n, topic: tickets, members: 1, config: { auto.offset.reset: none } }\n";

static void test_unclean_election_seeks_to_divergence(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r, unclean_yaml);
	assert_true(fig(&r, "checker.acked_lost") > 10000);
	const char *const names[] = { "e", "l", "n" };
	char path[96];
	for (int g = 0; g < 3; g++) {
		snprintf(path, sizeof(path), "groups.%s.truncations_detected", names[g]);
		assert_int_equal((int)fig(&r, path), 2);
		snprintf(path, sizeof(path), "groups.%s.position_validations", names[g]);
		assert_int_equal((int)fig(&r, path), 2);
		snprintf(path, sizeof(path), "groups.%s.offset_out_of_range", names[g]);
		assert_int_equal((int)fig(&r, path), 0);
		snprintf(path, sizeof(path), "groups.%s.delivery_duplicates", names[g]);
		assert_int_equal((int)fig(&r, path), 0);
	}
	/* earliest: 3,219 fewer than when reset to 0 */
	assert_int_equal((int)fig(&r, "groups.e.records_processed"), 59531);
	assert_int_equal((int)fig(&r, "groups.e.skipped"), 0);
	assert_int_equal((int)fig(&r, "groups.l.skipped"), 0);
	/* none: the two partitions stop at the truncation, the third reads on */
	assert_true(fig(&r, "groups.n.per_partition.tickets-0.lag") > 6000);
	assert_true(fig(&r, "groups.n.per_partition.tickets-1.lag") > 6000);
	assert_true(fig(&r, "groups.n.per_partition.tickets-2.lag") < 2000);
	assert_true(fig(&r, "groups.n.skipped") > 10000);
	run_release(&r);
}

/* A member whose metadata names an older leader epoch than the leader's: the leader
 * answers its fetch FENCED_LEADER_EPOCH (it fenced only followers before), the member
 * refreshes its metadata, validates its position (no truncation: the logs agree) and reads
 * on. Brokers 1 and 2 each die for 12 s (fenced after 9 s), so the partition's leader
 * moves at least once and its epoch is 1 or more; at 35 s the member's epoch is set one
 * back. */
static void test_fenced_consumer_refreshes_and_continues(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nseed: 7\nduration: 50s\n"
		"cluster: { brokers: 2, network: { latency: 1ms } }\n"
		"topics: [ { name: o, partitions: 1, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: o, rate: 200/s, arrival: constant, stop: 48s } ]\n"
		"consumer_groups:\n"
		"  - { name: g, topic: o, members: 1, config: { auto.offset.reset: earliest } }\n"
		"faults:\n"
		"  - { at: 2s, crash: broker-1, for: 12s }\n"
		"  - { at: 16s, crash: broker-2, for: 12s }\n";
	struct run r;
	run_begin(&r, yaml, 0);
	cluster_run_until(r.c, 35 * SIM_S);
	struct member *mb = &r.c->groups[0].members[0];
	const struct partition *p = &r.c->parts[r.c->topics[0].first_partition];
	int32_t epoch = p->leader_epoch;
	assert_true(epoch >= 1);
	assert_int_equal(mb->meta.epoch[0], epoch);
	uint64_t before = mb->processed;
	mb->meta.epoch[0] = epoch - 1;
	run_end(&r);
	assert_int_equal(mb->meta.epoch[0], epoch); /* refreshed after FENCED_LEADER_EPOCH */
	assert_true(mb->processed - before > 2500); /* 13 s at 200/s, read on */
	assert_int_equal((int)fig(&r, "groups.g.truncations_detected"), 0);
	assert_true(fig(&r, "groups.g.position_validations") >= 1);
	assert_int_equal((int)fig(&r, "groups.g.delivery_duplicates"), 0);
	run_release(&r);
}

/* Same scenario, same seed: the same summary, byte for byte (rebalances included). */
static void test_same_seed_same_summary(void **state)
{
	(void)state;
	struct run a, b;
	run_yaml(&a, join_yaml);
	run_yaml(&b, join_yaml);
	assert_int_equal((int)a.s.w.len, (int)b.s.w.len);
	assert_memory_equal(a.s.w.buf, b.s.w.buf, a.s.w.len);
	run_release(&a);
	run_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eager_revokes_all_cooperative_only_moving),
		cmocka_unit_test(test_eager_cooperative_sticky_assigns_afresh),
		cmocka_unit_test(test_crash_before_commit_redelivers_exactly),
		cmocka_unit_test(test_auto_commit_with_workers_skips),
		cmocka_unit_test(test_static_member_rejoins_without_rebalance),
		cmocka_unit_test(test_session_timeout_detection_window),
		cmocka_unit_test(test_max_poll_interval_leaves_group),
		cmocka_unit_test(test_held_join_waits_out_its_rebalance_timeout),
		cmocka_unit_test(test_heartbeat_given_up_at_request_timeout),
		cmocka_unit_test(test_gc_pause_against_session_timeout),
		cmocka_unit_test(test_gc_pause_defers_the_metadata_refresh),
		cmocka_unit_test(test_gc_pause_defers_a_growth_request),
		cmocka_unit_test(test_coordinator_failover),
		cmocka_unit_test(test_retention_out_of_range_policies),
		cmocka_unit_test(test_idempotence_strategies),
		cmocka_unit_test(test_reset_offsets),
		cmocka_unit_test(test_lag_status),
		cmocka_unit_test(test_unclean_election_seeks_to_divergence),
		cmocka_unit_test(test_fenced_consumer_refreshes_and_continues),
		cmocka_unit_test(test_same_seed_same_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
