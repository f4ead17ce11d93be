/*
 * test_cluster.c - the Kafka model end to end, in process (so it also runs under ASan and
 * UBSan): scenarios from YAML text, run to the end, figures read from the summary by path.
 * Each assertion names an outcome that would differ if the model were wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "modelrun.h"
#include "partitioner.h"

static void run_yaml(struct run *r, const char *yaml, uint64_t seed)
{
	run_yaml_seed(r, yaml, seed);
}

static const char base_yaml[] =
	"name: t\nseed: 5\nduration: 20s\n"
	"cluster: { brokers: 3 }\n"
	"topics: [ { name: orders, partitions: 6, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: p, topic: orders, rate: 1000/s, keys: { count: 300 } } ]\n";

/* Adding a consumer group changes no producer draw: named random streams. */
static void test_consumers_leave_producer_draws_alone(void **state)
{
	(void)state;
	char with_group[1024];
	snprintf(with_group, sizeof(with_group), "%sconsumer_groups: [ { name: g, topic: orders, "
		 "members: 2, processing: { per_record: 1ms } } ]\n", base_yaml);
	struct run a, b;
	run_yaml(&a, base_yaml, 0);
	run_yaml(&b, with_group, 0);
	assert_true(fig(&b, "records.consumed") > 0);
	assert_true(fig(&a, "records.produced") == fig(&b, "records.produced"));
	char path[64];
	for (int i = 0; i < 6; i++) { /* every key drawn the same, partition by partition */
		snprintf(path, sizeof(path), "producers.p.records_per_partition.orders-%d", i);
		assert_true(fig(&a, path) > 0);
		assert_true(fig(&a, path) == fig(&b, path));
	}
	run_release(&a);
	run_release(&b);
}

/* Same seed, same summary bytes; another seed, other draws. */
static void test_determinism(void **state)
{
	(void)state;
	struct run a, b, c;
	run_yaml(&a, base_yaml, 9);
	run_yaml(&b, base_yaml, 9);
	run_yaml(&c, base_yaml, 10);
	assert_int_equal(a.s.w.len, b.s.w.len);
	assert_memory_equal(a.s.w.buf, b.s.w.buf, a.s.w.len);
	assert_true(fig(&a, "records.produced") != fig(&c, "records.produced"));
	run_release(&a);
	run_release(&b);
	run_release(&c);
}

/* The ISR count's byte table agrees with popcount on every 16-bit mask. */
static void test_isr_count_every_mask(void **state)
{
	(void)state;
	for (uint32_t m = 0; m <= UINT16_MAX; m++)
		assert_int_equal(isr_count((uint16_t)m), popcount32(m));
}

/* One key: every record lands on murmur2("key-0") % 6, as the Java client puts it. */
static void test_single_key_lands_on_its_partition(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nduration: 5s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: orders, partitions: 6, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: orders, rate: 500/s, keys: { count: 1 } } ]\n";
	struct run r;
	run_yaml(&r, yaml, 0);
	char key[24], path[64];
	int want = part_for_key(key, part_key_name(0, key), 6);
	double acked = fig(&r, "records.acked"), produced = fig(&r, "records.produced");
	assert_true(acked > 2000);
	for (int i = 0; i < 6; i++) { /* the key's partition holds every acknowledged record */
		snprintf(path, sizeof(path), "partitions.orders-%d.records", i);
		double n = fig(&r, path);
		if (i == want)
			assert_true(n >= acked && n <= produced);
		else
			assert_true(n == 0);
	}
	run_release(&r);
}

static const char crash_yaml[] =
	"name: t\nseed: 7\nduration: 40s\ncluster: { brokers: 3 }\n"
	"topics: [ { name: o, partitions: 3, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: p, topic: o, rate: 3000/s, keys: { count: 1000 },\n"
	"               config: { acks: %s, linger.ms: 5 } } ]\n"
	"faults:\n"
	"  - { at: 9s, delay: { from: [broker-1], to: [broker-2, broker-3] }, latency: 200ms,"
	" for: 2s }\n"
	"  - { at: 10s, crash: broker-1, for: 15s }\n";

/* Cache warming (taken only by clusters whose replicas outgrow the caches) reads and
 * prefetches, and never changes an outcome: forced on for a small cluster with a slow
 * link, a leader crash and election, and a consumer group, the summary is byte-identical. */
static void test_warming_changes_nothing(void **state)
{
	(void)state;
	char yaml[2048];
	int n = snprintf(yaml, sizeof(yaml), crash_yaml, "all");
	snprintf(yaml + n, sizeof(yaml) - (size_t)n,
		 "consumer_groups: [ { name: g, topic: o, members: 2, processing: { per_record: 100us },"
		 " config: { auto.offset.reset: earliest } } ]\n");
	struct run a, b;
	run_yaml(&a, yaml, 0);
	run_begin(&b, yaml, 0);
	assert_false(b.c->warm);
	b.c->warm = true;
	net__warm_start(b.c);
	run_end(&b);
	assert_true(fig(&a, "records.consumed") > 0);
	assert_true(fig(&a, "partitions.o-0.leader_epoch") + fig(&a, "partitions.o-1.leader_epoch") +
			    fig(&a, "partitions.o-2.leader_epoch") > 0);
	assert_int_equal(a.s.w.len, b.s.w.len);
	assert_memory_equal(a.s.w.buf, b.s.w.buf, a.s.w.len);
	run_release(&a);
	run_release(&b);
}

/* The producers get a kernel of their own (cluster_new's pair_maybe) when the replicas
 * outgrow the caches and no fault is scheduled, and not otherwise; KAFKASIM_PAIR overrides
 * the size, never the faults. */
static const char pair_yaml[] =
	"name: pair\nduration: 1s\ncluster: { brokers: %d }\n"
	"topics: [ { name: t, partitions: %d, replication.factor: 3 } ]\n"
	"producers: [ { name: p, topic: t, rate: 1000/s } ]\n%s";

static bool paired_with(int brokers, int partitions, const char *faults)
{
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), pair_yaml, brokers, partitions, faults);
	struct run r;
	run_begin(&r, yaml, 0);
	bool paired = cluster_paired(r.c);
	run_release(&r);
	return paired;
}

static void test_pairing_choice(void **state)
{
	(void)state;
	const char *crash = "faults: [ { at: 500ms, crash: broker-1 } ]\n";
	assert_int_equal(unsetenv("KAFKASIM_PAIR"), 0);
	/* 3,000 replicas of 512 bytes: 1.5 MiB; 12,000: 6 MiB (KS_WARM_BYTES is 4 MiB) */
	assert_false(paired_with(3, 1000, ""));
	assert_true(paired_with(12, 4000, ""));
	assert_false(paired_with(12, 4000, crash));
	assert_int_equal(setenv("KAFKASIM_PAIR", "1", 1), 0);
	assert_true(paired_with(3, 1000, ""));
	assert_false(paired_with(3, 1000, crash));
	assert_int_equal(setenv("KAFKASIM_PAIR", "0", 1), 0);
	assert_false(paired_with(12, 4000, ""));
	assert_int_equal(unsetenv("KAFKASIM_PAIR"), 0);
}

/* A block one kernel of a pair allocates and the other frees goes back to the first's
 * pools: freed to the freeing kernel's, a producer's requests (freed by brokers) would make
 * its pools grow without end (the 100-broker minute's peak went past 2 GB). */
static void test_blocks_return_to_their_kernel(void **state)
{
	(void)state;
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), pair_yaml, 3, 3, "");
	assert_int_equal(setenv("KAFKASIM_PAIR", "1", 1), 0);
	struct run r;
	run_begin(&r, yaml, 0);
	assert_int_equal(unsetenv("KAFKASIM_PAIR"), 0);
	struct cluster *c = r.c;
	assert_true(cluster_paired(c));
	struct sim *was = sim_enter(c->psim);
	void *m = ks_alloc(c, 200);
	sim_enter(c->sim);
	ks_free(m);
	assert_non_null(atomic_load(&c->ks_remote[1]));
	sim_enter(c->psim);
	bool back = false;
	void *taken[4096];
	int n = 0;
	while (n < 4096 && !back) {
		taken[n] = ks_alloc(c, 200);
		back = taken[n++] == m;
	}
	assert_true(back);
	assert_null(atomic_load(&c->ks_remote[1]));
	while (n > 0)
		ks_free(taken[--n]);
	sim_enter(was);
	run_release(&r);
}

/* acks=1 acknowledges what only the leader has: its crash loses acknowledged records;
 * acks=all with min.insync.replicas=2 loses none. */
static void test_acks_and_leader_crash(void **state)
{
	(void)state;
	struct run a, b;
	run_fmt(&a, crash_yaml, "1");
	run_fmt(&b, crash_yaml, "all");
	assert_true(fig(&a, "checker.acked_lost") > 0);
	assert_true(fig(&a, "events.log_truncated.records") >= fig(&a, "checker.acked_lost"));
	assert_true(fig(&b, "checker.acked_lost") == 0);
	assert_true(fig(&b, "records.acked") > 100000);
	/* the old leader rejoined and caught up: no replica disagrees at the end */
	assert_true(fig(&a, "checker.divergent_offsets") == 0);
	assert_true(fig(&a, "partitions.o-0.isr_size") == 3);
	run_release(&a);
	run_release(&b);
}

/* acks=0 sends and forgets, but not into a closed connection: when the leader's process
 * dies the reset closes the producer's connection, and its batches wait in the accumulator
 * (NetworkClient.ready refuses the node) until the metadata names the new leader. Only the
 * records the old leader had not replicated are lost (truncated when it rejoins) - before,
 * the producer went on sending into the dead broker and lost a third of the run's records. */
static void test_acks_0_waits_for_a_connection(void **state)
{
	(void)state;
	struct run r;
	run_fmt(&r, crash_yaml, "0, enable.idempotence: false");
	assert_true(fig(&r, "checker.acked_lost") > 0);
	/* and nothing else: the truncated records, plus at most what was on the wire when the
	 * reset arrived (the partition's 1,000 records/s for a few milliseconds) */
	assert_true(fig(&r, "checker.acked_lost") <= fig(&r, "events.log_truncated.records") + 50);
	assert_true(fig(&r, "events.producer_disconnected.count") >= 1);
	assert_true(fig(&r, "events.producer_disconnected.first_s") == 10.0);
	/* each partition got its ~1,000 records/s for the whole 40 s, the crashed leader's too */
	for (int i = 0; i < 3; i++) {
		char path[64];
		snprintf(path, sizeof(path), "partitions.o-%d.records", i);
		assert_true(fig(&r, path) >= 35000);
	}
	run_release(&r);
}

/* A leader cut off from the controller (not from the producer) is replaced at 18 s and learns
 * it at the heal (40 s). An acks=0 request it then refuses with NOT_LEADER_OR_FOLLOWER has no
 * response to carry the error, so the broker closes the connection (KafkaApis), and the
 * producer refreshes its metadata: the records sent to the zombie leader (lost) stop at the
 * heal, not at the next metadata.max.age.ms refresh. */
static void test_acks_0_zombie_leader_closes_the_connection(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 4\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: clicks, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: ct, topic: clicks, rate: 1000/s,\n"
		"               config: { acks: 0, enable.idempotence: false,"
		" metadata.max.age.ms: 600000 } } ]\n"
		"faults:\n"
		"  - { at: 10s, partition: { a: [broker-1], b: [controller-1, broker-2, broker-3] },"
		" for: 30s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.producer_disconnected.count") >= 1);
	assert_true(fig(&r, "events.producer_disconnected.first_s") >= 40.0);
	assert_true(fig(&r, "events.producer_disconnected.first_s") < 42.0);
	/* broker-1 led clicks-0: its records from 10 s to the heal are lost, about half of its
	 * records over the run (they would be five in six had the sending gone on to 60 s) */
	double lost = fig(&r, "checker.acked_lost");
	double sent = fig(&r, "producers.ct.records_per_partition.clicks-0");
	assert_true(lost > 0.4 * sent);
	assert_true(lost < 0.6 * sent);
	run_release(&r);
}

/* A consumer keeps fetching from a leader cut off from the controller and its followers,
 * whose high watermark can no longer move, until its metadata is refreshed: every
 * metadata.max.age.ms, or on an error, which the cut-off leader never gives. The producer
 * refreshes every 5 s and writes to the new leader; a consumer refreshing as often reads
 * them, one on the default 5 minutes reads nothing of clicks-0 until the split heals. */
static void test_consumer_metadata_max_age_leaves_a_stale_leader(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 4\nduration: 50s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: clicks, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: ct, topic: clicks, rate: 1000/s,\n"
		"  config: { acks: 1, enable.idempotence: false, metadata.max.age.ms: 5000 } } ]\n"
		"consumer_groups: [ { name: reader, topic: clicks, members: 1,\n"
		"  config: { metadata.max.age.ms: %s } } ]\n"
		"faults:\n"
		"  - { at: 10s, partition: { a: [broker-1],"
		" b: [controller-1, broker-2, broker-3] }, for: 45s }\n";
	struct run a, b;
	run_fmt(&a, y, "5000");
	run_fmt(&b, y, "300000");
	assert_true(fig(&a, "records.consumed") > fig(&b, "records.consumed") + 5000);
	assert_true(fig(&a, "groups.reader.lag") < 0.5 * fig(&b, "groups.reader.lag"));
	run_release(&a);
	run_release(&b);
}

/* A power loss resets no connection: an acks=0 producer sends into the dead host, hearing
 * nothing, until its metadata is refreshed every metadata.max.age.ms (from the bootstrap at
 * 0 s) or the host comes back as a follower and closes the connection (50 s). broker-1 led
 * o-2: the loss is o-2's records from the crash (10 s) to the first of those. */
static void test_metadata_max_age_ends_a_silent_loss(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 7\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: o, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: o, rate: 3000/s, keys: { count: 1000 },\n"
		"               config: { acks: 0, enable.idempotence: false,"
		" metadata.max.age.ms: %s } } ]\n"
		"faults:\n"
		"  - { at: 10s, crash: broker-1, lose_unflushed: true, for: 40s }\n";
	static const char *const ages[2] = { "25000", "600000" };
	static const double lo[2] = { 14.0, 39.0 }, hi[2] = { 16.5, 41.0 }; /* seconds lost */
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof(yaml), y, ages[k]);
		struct run r;
		run_yaml(&r, yaml, 0);
		double per_s = fig(&r, "producers.p.records_per_partition.o-2") / 60.0;
		double lost_s = fig(&r, "checker.acked_lost") / per_s;
		assert_true(lost_s > lo[k]);
		assert_true(lost_s < hi[k]);
		run_release(&r);
	}
}

/* The leader's disk stalls for 150 s with requests in flight: Kafka's Sender fails them at
 * delivery.timeout.ms (120 s) though their requests are still waiting, and when the disk
 * comes back and writes them, the late success changes nothing - the records count as
 * failed but written. Before, the late success was an acknowledgement 149 s after send.
 * The five requests in flight (max.in.flight.requests.per.connection) hold every slot, so
 * the sixth batch (5 records) never leaves the accumulator: it fails at its own deadline,
 * unwritten. Before (delivery deadlines checked once a second) it was sent when the
 * requests ahead of it timed out at 130.8 s, 0.2 s past its deadline, and written. */
static void test_in_flight_batches_expire_at_the_delivery_deadline(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 200s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 10/s, stop: 11s } ]\n"
		"faults: [ { at: 10s, slow: broker-2, disk_stall: true, for: 150s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "partitions.t-0.leader") == 2); /* the stalled disk is the leader's */
	/* nothing acknowledged later than the deadline */
	assert_true(fig(&r, "latency_ms.produce.max") <= 120000);
	assert_int_equal((int)fig(&r, "records.failed"), 10);
	assert_int_equal((int)fig(&r, "errors.DELIVERY_TIMEOUT"), 6); /* 5 in flight, 1 queued */
	assert_int_equal((int)fig(&r, "checker.failed_but_written"), 5);
	assert_int_equal((int)fig(&r, "partitions.t-0.records"),
			 (int)(fig(&r, "records.acked") + 5));
	assert_true(fig(&r, "records.acked") + fig(&r, "records.failed") ==
		    fig(&r, "records.produced"));
	run_release(&r);
}

/* An idempotent producer's first requests are lost and a later batch arrives first: the
 * broker, with no state for the producer, takes its sequence (ProducerAppendInfo.
 * checkSequence accepts any first sequence), so the retries of the earlier batches come
 * after it. They were never written: Kafka answers them OUT_OF_ORDER_SEQUENCE_NUMBER (a
 * duplicate is only a cached batch's exact range, ProducerStateEntry.findDuplicateBatch)
 * and the producer retries them until their delivery timeout. Before, the broker read any
 * sequence below its oldest kept batch as written and answered a duplicate: 4 records
 * acknowledged that no log held. */
static void test_idempotent_retry_older_than_the_first_sequence(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nduration: 10s\ncluster: { brokers: 1 }\n"
		"topics: [ { name: t, partitions: 1 } ]\n"
		"producers: [ { name: p, topic: t, rate: 200/s,\n"
		"               config: { acks: all, enable.idempotence: true, linger.ms: 0,\n"
		"                         request.timeout.ms: 1000 } } ]\n"
		"faults: [ { at: 1ms, drop: { from: [p] }, fraction: 0.5, for: 1s } ]\n";
	struct run r;
	run_yaml(&r, y, 2);
	assert_int_equal((int)fig(&r, "checker.acked_lost"), 0);
	assert_true(fig(&r, "errors.OUT_OF_ORDER_SEQUENCE_NUMBER") > 0);
	assert_int_equal((int)fig(&r, "checker.log_duplicates"), 0);
	/* the batches behind the retried ones wait: what is acknowledged is what the log has */
	assert_true(fig(&r, "records.acked") < fig(&r, "records.produced"));
	assert_true(fig(&r, "records.acked") <= fig(&r, "partitions.t-0.records"));
	run_release(&r);
}

/* A disk stall without `for` lasts to the end of the run: the stalled follower never
 * appends again, so acks=all waits for it until the leader drops it from the ISR - 35 s
 * after the stall, between 1x and 1.5x replica.lag.time.max.ms (30 s) - and it never comes
 * back. Before, the stall's end ("never") plus an append's disk time overflowed. */
static void test_disk_stall_without_end(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 100/s } ]\n"
		"faults: [ { at: 10s, slow: broker-3, disk_stall: true } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "partitions.t-0.leader") == 2); /* broker-3 is a follower */
	assert_int_equal((int)fig(&r, "events.isr_shrink.count"), 1);
	assert_true(fig(&r, "events.isr_shrink.first_s") >= 40.0 &&
		    fig(&r, "events.isr_shrink.first_s") <= 55.0);
	assert_int_equal((int)fig(&r, "events.isr_expand.count"), 0);
	/* writes waited for the shrink, then went on without broker-3 */
	assert_true(fig(&r, "partitions.t-0.max_ack_gap_ms") >= 30000.0);
	assert_true(fig(&r, "records.acked") == fig(&r, "records.produced"));
	run_release(&r);
}

/* A producer cut off from every broker at 10 s: each batch fails when its own
 * delivery.timeout.ms (5 s) runs out, Sender waking at the next deadline
 * (RecordAccumulator.nextExpiryTimeMs): by 15.5 s every record created up to 10.5 s and
 * not acknowledged before the split has failed (745 of 1,000 a second: the half second after
 * the split and what was in flight then). Before, deadlines were checked once a second: 11
 * records by 15.5 s, the rest failing in whole seconds' lumps. */
static void test_batches_fail_at_their_own_deadline(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 5\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s,\n"
		"  config: { request.timeout.ms: 2000, delivery.timeout.ms: 5000 } } ]\n"
		"faults:\n"
		"  - { at: 10s, partition: { a: [p], b: [broker-1, broker-2, broker-3] },"
		" for: 15s }\n";
	struct run r;
	run_begin(&r, y, 0);
	cluster_run_until(r.c, 14 * SIM_S + 900 * SIM_MS);
	assert_int_equal((int)r.c->producers[0].failed, 0);
	cluster_run_until(r.c, 15 * SIM_S + 500 * SIM_MS);
	uint64_t failed = r.c->producers[0].failed;
	assert_true(failed > 500 && failed < 900);
	run_end(&r);
	run_release(&r);
}

/* A follower cut off from the leaders it fetches from at 10 s: its fetches in flight are
 * abandoned replica.socket.timeout.ms (30 s) past the 500 ms a leader may hold them, at
 * 40.5 s, and sent again. Before, the check rode on the ISR pass (every 15 s) and they
 * hung until 45 s. */
static void test_hung_fetch_abandoned_on_time(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s } ]\n"
		"faults:\n"
		"  - { at: 10s, partition: { a: [broker-2], b: [broker-1, broker-3] }, for: 50s }\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct broker *b = &r.c->brokers[1];
	int hung = 0;
	cluster_run_until(r.c, 40 * SIM_S);
	for (int i = 0; i < b->n_fetchers; i++) /* sent before the split, never answered */
		hung += b->fetchers[i].n_parts > 0 && b->fetchers[i].in_flight &&
			b->fetchers[i].sent_ns < 10 * SIM_S + 10 * SIM_MS;
	assert_true(hung > 0);
	cluster_run_until(r.c, 40 * SIM_S + 520 * SIM_MS);
	for (int i = 0; i < b->n_fetchers; i++) {
		const struct fetcher *f = &b->fetchers[i];
		if (f->n_parts > 0 && f->in_flight)
			assert_true(f->sent_ns > 40 * SIM_S);
	}
	run_end(&r);
	run_release(&r);
}

/* The leader's replica of partition 0 (the test scenarios keep one leader). */
static struct replica *leader_replica(struct run *r)
{
	struct partition *p = &r->c->parts[0];
	for (int i = 0; i < p->rf; i++)
		if (p->rep[i].is_leader)
			return &p->rep[i];
	fail_msg("partition 0 has no leader");
	return NULL;
}

/* A follower whose disk stalls from 1 s to 61 s leaves the ISR at 45 s and asks back in
 * when the stall ends; the leader's (broker-2's) AlterPartition for that is lost: every
 * message between it and the controller is dropped for 3 s (a split would only delay it:
 * TCP resends). NodeToControllerChannelManager times it out after controller.socket.timeout.ms
 * (30 s) and sends it again: the ISR is whole at 30 s after the first send. Before, the
 * resend waited for the next ISR pass (every 15 s): 14 s later here. */
static void test_lost_alter_partition_resent_on_time(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 100s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 200/s } ]\n"
		"faults:\n"
		"  - { at: 1s, slow: broker-3, disk_stall: true, for: 60s }\n"
		"  - { at: 60s, drop: { from: [broker-2], to: [controller-1] }, one_way: false,"
		" for: 3s }\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct partition *p = &r.c->parts[0];
	assert_int_equal(p->replicas[0], 2); /* the leader, cut off from the controller */
	const struct broker *b = &r.c->brokers[1];
	cluster_run_until(r.c, 60 * SIM_S);
	assert_int_equal(popcount32(p->isr), 2);
	sim_time_ns t = 60 * SIM_S;
	while (!leader_replica(&r)->isr_pending && t < 63 * SIM_S) /* the expand, in the split */
		cluster_run_until(r.c, t += SIM_MS);
	assert_true(t > 61 * SIM_S && t < 63 * SIM_S);
	uint32_t req = b->alter_req_id; /* sent in (t - 1 ms, t] */
	cluster_run_until(r.c, t + 30 * SIM_S - 2 * SIM_MS);
	assert_int_equal(popcount32(p->isr), 2);
	assert_int_equal(b->alter_req_id, req);
	cluster_run_until(r.c, t + 30 * SIM_S + 50 * SIM_MS);
	assert_int_equal(b->alter_req_id, req + 1);
	assert_int_equal(popcount32(p->isr), 3);
	run_end(&r);
	run_release(&r);
}

/* The same follower's shrink comes due at the 45 s ISR pass, while the active controller
 * is dead (44.5 s) and none is elected yet (controller.failover.ms 1 s): the change is
 * pending from the pass and goes to the new controller as soon as it is active. Before, it
 * was dropped and proposed again at the next pass, 15 s later. */
static void test_alter_partition_waits_for_a_controller(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 70s\ncluster: { brokers: 3, controllers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 200/s } ]\n"
		"faults:\n"
		"  - { at: 1s, slow: broker-3, disk_stall: true, for: 60s }\n"
		"  - { at: 44500ms, crash: controller-1 }\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct partition *p = &r.c->parts[0];
	cluster_run_until(r.c, 45 * SIM_S + 400 * SIM_MS);
	assert_int_equal(popcount32(p->isr), 3);
	const struct broker *b = &r.c->brokers[leader_replica(&r)->broker - 1];
	assert_true(leader_replica(&r)->isr_pending != 0); /* proposed, unsent */
	assert_true(b->alter_inflight && !b->alter_due_timer);
	cluster_run_until(r.c, 45 * SIM_S + 600 * SIM_MS);
	assert_int_equal(r.c->ctl.active, 2);
	assert_int_equal(popcount32(p->isr), 2);
	run_end(&r);
	run_release(&r);
}

/* A broker has one AlterPartition request out at a time (AlterPartitionManager's
 * inflightRequest): broker-2's expand of t-0 (~56.9 s, its follower back after a split),
 * lost while every message between broker-2 and the controller is dropped (56-58 s), is
 * sent again at ~86.9 s, and t-3's shrink, due at the 75 s ISR pass, waits for that answer
 * and goes in the next request. Before, each partition's change went on its own and t-3
 * shrank at 75 s. */
static void test_alter_partition_one_request_at_a_time(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 5\nduration: 100s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 6, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: t, rate: 300/s } ]\n"
		"faults:\n"
		"  - { at: 1s, partition: { a: [broker-2], b: [broker-3] }, for: 49s }\n"
		"  - { at: 35s, partition: { a: [broker-2], b: [broker-1] }, for: 60s }\n"
		"  - { at: 56s, drop: { from: [broker-2], to: [controller-1] }, one_way: false,"
		" for: 2s }\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct partition *t0 = &r.c->parts[0], *t3 = &r.c->parts[3];
	assert_int_equal(t0->leader, 2);
	assert_int_equal(t3->leader, 2);
	cluster_run_until(r.c, 86 * SIM_S);
	assert_int_equal(popcount32(t0->isr), 1); /* the expand, lost, not yet resent */
	assert_int_equal(popcount32(t3->isr), 2); /* the shrink waits behind it */
	assert_true(r.c->brokers[1].alter_inflight);
	cluster_run_until(r.c, 87 * SIM_S + 500 * SIM_MS);
	assert_int_equal(popcount32(t0->isr), 2);
	assert_int_equal(popcount32(t3->isr), 1);
	run_end(&r);
	run_release(&r);
}

/* A proposal is kept until it is answered, even when new metadata settles the partition
 * first: broker-2's expand (26.4 s, the follower's fetch resent by TCP after a split) is
 * committed but its answer lost (the controller's messages to broker-2 dropped, 26-29 s),
 * and the metadata that follows ends the partition's pending state. The shrinks the ISR
 * passes propose from 45 s are not attempted while the expand is kept
 * (OPERATION_NOT_ATTEMPTED); its resend at ~56.4 s is refused as stale
 * (INVALID_UPDATE_VERSION), which frees it, and the 60 s pass shrinks the ISR. Before, the
 * shrink went at 45 s. */
static void test_alter_partition_kept_until_answered(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 5\nduration: 70s\n"
		"cluster: { brokers: 3, config: { replica.lag.time.max.ms: 10000 } }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: t, rate: 300/s } ]\n"
		"faults:\n"
		"  - { at: 1s, partition: { a: [broker-2], b: [broker-3] }, for: 20s }\n"
		"  - { at: 26s, drop: { from: [controller-1], to: [broker-2] }, for: 3s }\n"
		"  - { at: 35s, partition: { a: [broker-2], b: [broker-3] }, for: 40s }\n";
	struct run r;
	run_begin(&r, y, 0);
	const struct partition *p = &r.c->parts[0];
	assert_int_equal(p->leader, 2);
	cluster_run_until(r.c, 40 * SIM_S);
	assert_int_equal(popcount32(p->isr), 2);
	assert_true(leader_replica(&r)->isr_pending == 0 && leader_replica(&r)->alter_queued);
	cluster_run_until(r.c, 59 * SIM_S);
	assert_int_equal(popcount32(p->isr), 2);
	assert_false(leader_replica(&r)->alter_queued);
	cluster_run_until(r.c, 60 * SIM_S + 500 * SIM_MS);
	assert_int_equal(popcount32(p->isr), 1);
	run_end(&r);
	run_release(&r);
}

/* Two producers whose records arrive on the same nanosecond (constant arrivals, the same
 * rate): each arrival timer left its arrival to after the other's, rescheduling itself at
 * that instant, and the run stopped on the same-instant invariant at 1 ms (a review found
 * it; Poisson producers meet this too, about once in 40 s at a few thousand a second). */
static void test_simultaneous_arrivals_of_two_producers(void **state)
{
	(void)state;
	struct run r;
	run_yaml(&r,
		 "name: t\nseed: 1\nduration: 5s\ncluster: { brokers: 1 }\n"
		 "topics: [ { name: t, partitions: 1, replication.factor: 1 } ]\n"
		 "producers:\n"
		 "  - { name: pa, topic: t, rate: 1000/s, arrival: constant,"
		 " config: { linger.ms: 0 } }\n"
		 "  - { name: pb, topic: t, rate: 1000/s, arrival: constant,"
		 " config: { linger.ms: 0 } }\n", 0);
	assert_int_equal((int)fig(&r, "records.produced"), 10000);
	assert_true(fig(&r, "records.acked") >= 9990);
	run_release(&r);
}

/* A follower whose fetch responses take 30 ms longer than the other's rejoins after a crash
 * only because the leader's HW waits for a caught-up replica about to join the ISR
 * (Partition.maybeIncrementLeaderHW, shouldWaitForReplicaToJoinIsr): otherwise the fast
 * follower keeps the HW ahead of the slow one's LEO, which must reach the HW to rejoin, and
 * it never does while records flow. */
static void test_hw_waits_for_a_replica_about_to_join(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 40s\n"
		"cluster: { brokers: 3, config: { replica.lag.time.max.ms: 2000 } }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 5000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 0s, delay: { from: [broker-3], to: [broker-2] }, latency: 30ms, for: 40s }\n"
		"  - { at: 5s, crash: broker-2, for: 12s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "partitions.t-0.leader") == 3); /* the delay is the leader's */
	assert_true(fig(&r, "events.isr_shrink.count") == 1);
	assert_true(fig(&r, "events.isr_expand.count") == 1);
	assert_true(fig(&r, "events.isr_expand.first_s") < 18.0); /* soon after the restart */
	assert_true(fig(&r, "partitions.t-0.isr_size") == 3);
	run_release(&r);
}

/* A consumer's fetch.max.wait.ms (200 ms) shorter than the followers' (500 ms) puts an
 * earlier deadline before the broker's parked-fetch timer, which is cancelled and later
 * re-armed with its old ticket (dl_add, dl_arm). The event queue used to give the re-armed
 * timer the slot of its cancelled, still queued entry: the stale entry fired early and then
 * fired the slot's next occupant, a crash on most seeds. Every seed must run to the end,
 * consuming what was produced. */
static void test_consumer_wait_shorter_than_replicas(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: o, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: o, rate: 5/s } ]\n"
		"consumer_groups: [ { name: g, topic: o, members: 1,"
		" config: { fetch.max.wait.ms: 200, auto.offset.reset: earliest } } ]\n";
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct run r;
		run_yaml(&r, y, seed);
		assert_true(fig(&r, "records.consumed") >= fig(&r, "records.acked") - 10);
		assert_true(fig(&r, "records.consumed") > 250);
		run_release(&r);
	}
}

/* An idempotent producer with a delivery timeout of 1.2 s, half its responses dropped for
 * 20 s: sequenced batches expire, unwritten or not. Each leaves its partition's sequence
 * unresolved; once none of the partition's batches is in flight (retries keep draining), a
 * gap bumps the epoch for the new batches (TransactionManager.maybeResolveSequences).
 * Before, every later batch met OUT_OF_ORDER_SEQUENCE_NUMBER until its own timeout (hundreds
 * of errors, 68-73% of the records acknowledged). */
static void test_unresolved_sequence_bumps_the_epoch(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 9\nduration: 90s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: o, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: o, rate: 2000/s, keys: { count: 100 },\n"
		"  config: { acks: all, linger.ms: 0, request.timeout.ms: 1000,"
		" delivery.timeout.ms: 1200, retry.backoff.ms: 50 } } ]\n"
		"faults:\n"
		"  - { at: 10s, drop: { from: [broker-1, broker-2, broker-3], to: [p] },"
		" fraction: 0.5, for: 20s }\n"
		"  - { at: 60s, partition: { a: [p], b: [broker-2] }, for: 5s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	/* a few: retries of batches older than the broker's five kept ones (Kafka answers
	 * those OUT_OF_ORDER too); not every later batch */
	assert_true(fig(&r, "errors.OUT_OF_ORDER_SEQUENCE_NUMBER") < 50);
	assert_true(fig(&r, "records.acked") > 0.8 * fig(&r, "records.produced"));
	/* retries keep their sequences while the partition resolves: nothing written twice */
	assert_true(fig(&r, "checker.log_duplicates") == 0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* A producer connects only to brokers it sends to (NetworkClient.ready initiates the
 * connection): the crash of a broker holding none of its partitions closes nothing, and
 * starts no reconnection attempts (a message a second for the whole outage, before). */
static void test_crash_of_an_unused_broker_closes_nothing(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 120s\ncluster: { brokers: 4 }\n"
		"topics: [ { name: o, partitions: 1, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: o, rate: 100/s, partition: 0 } ]\n"
		"faults: [ { at: 10s, crash: broker-1, for: 100s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	/* broker-1 holds no replica of o-0 (two of four brokers do) */
	assert_true(fig(&r, "partitions.o-0.leader") != 1);
	assert_true(fig(&r, "events.producer_disconnected.count") == 0);
	assert_true(fig(&r, "events.leader_elected.count") == 0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* Six partitions, RF 3, min ISR 2, an acks=all producer at 2,000 records/s: its other
 * settings (%s) and the faults (%s) filled in by the test. */
static const char six_yaml[] =
	"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 3 }\n"
	"topics: [ { name: t, partitions: 6, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: p1, topic: t, rate: 2000/s,\n"
	"  config: { acks: all, request.timeout.ms: 1500, %s } } ]\n"
	"faults:\n%s";

/* acks=all with min.insync.replicas=2 and idempotence, a leader cut off from the controller
 * and its followers (not from the producer): it cannot commit, so nothing it holds is ever
 * acknowledged. But a retry it had already appended came back DUPLICATE_SEQUENCE_NUMBER and
 * was acknowledged at once, though the HW had not passed it; Kafka's DelayedProduce waits
 * for the duplicate's offsets like any append's. The zombie's log was truncated at the
 * heal: 11, 338 and 676 acknowledged records lost on seeds 2, 3 and 5, where Kafka loses
 * none. */
static void test_duplicate_waits_for_the_hw(void **state)
{
	(void)state;
	char y[1024];
	snprintf(y, sizeof(y), six_yaml,
		 "enable.idempotence: true, delivery.timeout.ms: 2000, metadata.max.age.ms: 5000",
		 "  - { at: 10s, partition: { a: [broker-1], b: [controller-1, broker-2,"
		 " broker-3] }, for: 20s }\n");
	static const uint64_t seeds[] = { 2, 3, 5 };
	for (int k = 0; k < 3; k++) {
		struct run r;
		run_yaml(&r, y, seeds[k]);
		assert_true(fig(&r, "events.log_truncated.records") > 0); /* the zombie's appends */
		assert_true(fig(&r, "checker.acked_lost") == 0);
		run_release(&r);
	}
}

/* Waiting produces at leaders whose offsets the HW has passed: none should be left once
 * an event has run (DelayedProduce completes each when the HW passes it). */
static int overdue_waiters(const struct cluster *c)
{
	int n = 0;
	for (int p = 0; p < c->n_parts; p++) {
		const struct partition *pt = &c->parts[p];
		for (int k = 0; k < pt->rf; k++) {
			const struct replica *r = &pt->rep[k];
			for (uint32_t i = 0; r->is_leader && i < r->pw_n; i++)
				n += r->pw[(r->pw_head + i) & (r->pw_cap - 1)].required <= r->hw;
		}
	}
	return n;
}

/* Responses lost to an idempotent acks=all producer: its retries are duplicates, each
 * waiting for its original's offsets - below those of the appends that came after it.
 * While a follower's disk stalls the HW stops; when it moves on, every wait it passed ends
 * at once. The waits were kept in arrival order, so a duplicate queued behind a newer
 * append waited for that append's offsets too: before, 10 waits past the HW were found at
 * the run's 20,000 millisecond marks from 10 s (a latency of milliseconds each; nothing
 * lost). */
static void test_duplicate_answered_when_the_hw_passes_it(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 40s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 6, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p1, topic: t, rate: 2000/s,\n"
		"  config: { acks: all, request.timeout.ms: 300, enable.idempotence: true } } ]\n"
		"faults:\n"
		"  - { at: 10s, drop: { from: [broker-1, broker-2, broker-3], to: [p1] },"
		" fraction: 0.2, for: 20s }\n"
		"  - { at: 10s, slow: broker-2, disk_stall: true, for: 5s }\n";
	struct run r;
	run_begin(&r, y, 0);
	int overdue = 0;
	for (int k = 0; k < 20000; k++) {
		cluster_run_until(r.c, 10 * SIM_S + (sim_time_ns)k * SIM_MS);
		overdue += overdue_waiters(r.c);
	}
	run_end(&r);
	assert_int_equal(overdue, 0);
	assert_true(fig(&r, "errors.NETWORK_EXCEPTION") > 100); /* the lost responses */
	assert_int_equal((int)fig(&r, "checker.log_duplicates"), 0);
	run_release(&r);
}

/* A leader's process dies for 3 s, less than broker.session.timeout.ms: its new process
 * registers once the old one is fenced, and follows. The followers' fetches parked at the
 * dead process died with it; the reset tells them at once, and they fetch again after
 * replica.fetch.backoff.ms. When broker-1 dies too, broker-3 leads again, and its followers
 * fetch from it at once. Without the reset, the fetch to broker-3 stayed in flight until
 * replica.socket.timeout.ms (30 s) and the partitions broker-3 leads again kept their HW
 * still to the end of the run (3,145 and 2,322 records short). */
static void test_followers_refetch_after_a_leader_restart(void **state)
{
	(void)state;
	struct run r;
	run_fmt(&r, six_yaml, "delivery.timeout.ms: 1600",
		"  - { at: 30s, crash: broker-3, for: 3s }\n"
		"  - { at: 45s, crash: broker-1 }\n");
	assert_true(fig(&r, "events.broker_fenced.count") == 2);
	assert_true(fig(&r, "partitions.t-0.leader") == 3 || fig(&r, "partitions.t-4.leader") == 3);
	for (int i = 0; i < 6; i++) {
		char hw[64], leo[64];
		snprintf(hw, sizeof(hw), "partitions.t-%d.high_watermark", i);
		snprintf(leo, sizeof(leo), "partitions.t-%d.log_end_offset", i);
		assert_true(fig(&r, leo) - fig(&r, hw) < 100); /* committed up to the last moments */
	}
	run_release(&r);
}

/* The leader's responses are lost for its last half second, then it dies; the producer
 * retries those batches against the new leader, which has them. The new leader's producer
 * state was built from its log, where a producer's continuing batches are merged, so a
 * retry matches no kept batch exactly: it must still be found inside one (a duplicate),
 * not answered OUT_OF_ORDER - on which the producer bumped its epoch and wrote the next
 * batches a second time (80-138 log duplicates on three seeds). */
static void test_retry_found_inside_a_merged_batch(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 40s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 5000/s,"
		" config: { acks: all, enable.idempotence: true } } ]\n"
		"faults:\n"
		"  - { at: 1s, delay: { from: [broker-3], to: [broker-1, broker-2] }, latency: 30ms,"
		" for: 9s }\n"
		"  - { at: 9500ms, drop: { from: [broker-3], to: [p] }, for: 500ms }\n"
		"  - { at: 10s, crash: broker-3, for: 20s }\n";
	static const uint64_t seeds[] = { 1, 2, 4 };
	for (int k = 0; k < 3; k++) {
		struct run r;
		run_yaml(&r, y, seeds[k]);
		assert_true(fig(&r, "events.leader_elected.count") >= 1);
		assert_true(fig(&r, "checker.log_duplicates") == 0);
		assert_true(fig(&r, "checker.acked_lost") == 0);
		assert_true(fig(&r, "errors.OUT_OF_ORDER_SEQUENCE_NUMBER") == 0);
		run_release(&r);
	}
}

static const char kip101_yaml[] =
	"name: t\nseed: 1\nduration: 90s\n"
	"cluster: { brokers: 3, config: { replication.truncation: %s } }\n"
	"topics: [ { name: events, partitions: 1, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 1 } } ]\n"
	"producers: [ { name: app, topic: events, rate: 2000/s, config: { acks: all } } ]\n"
	"faults:\n"
	"  - { at: 10s, crash: broker-2, for: 25s }\n"
	"  - { at: 15s, partition: { a: [broker-3], b: [broker-1] }, for: 30s }\n"
	"  - { at: 20s, crash: broker-3, for: 20s }\n";

/* KIP-101: truncating to the follower's own high watermark loses acknowledged records and
 * lets replicas diverge; the leader-epoch rule does neither. Replicas 2, 3, 1: broker-1
 * becomes broker-3's follower at 18 s (cutting to its high watermark under the old rule),
 * cannot fetch from it, and leads once broker-3 is fenced too. */
static void test_truncation_rules(void **state)
{
	(void)state;
	struct run a, b;
	run_fmt(&a, kip101_yaml, "high-watermark");
	run_fmt(&b, kip101_yaml, "leader-epoch");
	assert_true(fig(&a, "checker.acked_lost") > 0);
	assert_true(fig(&a, "checker.divergent_offsets") > 0);
	assert_true(fig(&b, "checker.acked_lost") == 0);
	assert_true(fig(&b, "checker.divergent_offsets") == 0);
	run_release(&a);
	run_release(&b);
}

static const char bounce_yaml[] =
	"name: t\nseed: 1\nduration: 40s\ncluster: { brokers: 3 }\n"
	"topics: [ { name: events, partitions: 1, replication.factor: 3 } ]\n"
	"producers: [ { name: app, topic: events, rate: 2000/s, config: { acks: 1 } } ]\n"
	"faults: [ { at: 10s, crash: broker-2, for: %s } ]\n";

/* ClusterControlManager.registerBroker: the leader (broker-2) restarts 2 s after a crash,
 * inside its old session (broker.session.timeout.ms 9 s, its last heartbeat at most 2 s
 * before the crash). Its registration is refused until the controller fences the old
 * process (17-20.2 s); another replica leads from then on and writes wait meanwhile. Back
 * after 12 s, its old session is over and it registers at once. */
static void test_restart_within_session_waits_for_the_fence(void **state)
{
	(void)state;
	struct run a, b;
	run_fmt(&a, bounce_yaml, "2s");
	run_fmt(&b, bounce_yaml, "12s");
	assert_true(fig(&a, "events.registration_refused.count") >= 3);
	assert_true(fig(&a, "events.registration_refused.first_s") >= 12.0);
	assert_true(fig(&a, "events.broker_fenced.count") == 1);
	double fenced = fig(&a, "events.broker_fenced.first_s");
	assert_true(fenced >= 17.0 && fenced <= 20.3);
	assert_true(fig(&a, "events.leader_elected.count") == 1);
	assert_true(fig(&a, "events.leader_elected.first_s") == fenced);
	assert_true(fig(&a, "events.broker_unfenced.first_s") >= fenced);
	assert_true(fig(&a, "partitions.events-0.leader") != 2);
	assert_true(fig(&a, "partitions.events-0.max_ack_gap_ms") > 5000.0);
	assert_true(fig(&b, "events.registration_refused.count") == 0);
	assert_true(fig(&b, "events.broker_unfenced.first_s") >= 22.0);
	assert_true(fig(&b, "events.broker_unfenced.first_s") < 22.1);
	run_release(&a);
	run_release(&b);
}

/* What a power loss takes from a lone replica (acks=1, 1,000 records/s, power lost at
 * 10 s): everything since the OS last wrote back (dirty pages live 30 s) unless Kafka
 * flushed. log.flush.interval.ms alone does nothing - the log flusher only looks every
 * log.flush.scheduler.interval.ms, by default never (LogManager) - with the flusher every
 * 500 ms the loss is at most 1.5 s; flush.ms and flush.messages override the broker's
 * values per topic. */
static void test_flush_settings_bound_a_power_loss(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 20s\ncluster: { brokers: 1, config: { %s } }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 1, config: { %s } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: 1 } } ]\n"
		"faults: [ { at: 10s, crash: broker-1, lose_unflushed: true, for: 1s } ]\n";
	static const struct { const char *broker, *topic; double lo, hi; } cases[] = {
		{ "", "", 9500, 10000 },
		{ "log.flush.interval.ms: 1000", "", 9500, 10000 },
		{ "log.flush.interval.ms: 1000, log.flush.scheduler.interval.ms: 500", "", 1, 1500 },
		{ "log.flush.scheduler.interval.ms: 500", "flush.ms: 2000", 1000, 2500 },
		{ "", "flush.messages: 100", 1, 100 },
		{ "log.flush.interval.messages: 1000", "", 1, 1000 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;
		run_fmt(&r, y, cases[i].broker, cases[i].topic);
		double lost = fig(&r, "checker.acked_lost");
		if (lost < cases[i].lo || lost > cases[i].hi)
			fail_msg("case %zu: %.0f acknowledged records lost, expected %.0f..%.0f", i,
				 lost, cases[i].lo, cases[i].hi);
		run_release(&r);
	}
}

/* The longest wait for an acknowledgement counts one still open at the end: two of three
 * brokers die at 10 s for good, and acks=all with min.insync.replicas 2 acknowledges
 * nothing after - a 20 s wait the summary used to report as 14 ms. */
static void test_ack_gap_open_at_the_end(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults: [ { at: 10s, crash: broker-2 }, { at: 10s, crash: broker-3 } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_fig_between(&r, "partitions.t-0.max_ack_gap_ms", 19900.0, 20100.0);
	assert_true(fig(&r, "availability.max_ack_gap_ms") > 19900.0);
	run_release(&r);
}

/* A wait for an acknowledgement begins when a batch is made, not at the last one: a
 * producer that starts at 20 s reported a 20 s wait before its first acknowledgement. */
static void test_ack_gap_counts_from_the_batch(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 2, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, start: 20s, keys: { count: 10 } } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "records.acked") > 9000);
	assert_true(fig(&r, "availability.max_ack_gap_ms") < 100.0);
	run_release(&r);
}

/* TCP across a split (net.c): the producer is cut off from 10 s to 12 s, and the produce
 * request it sent at ~10.0 s is resent by TCP at 0.2, 0.6, 1.4 and 3.0 s after; the first
 * resend after the heal carries it, so the longest wait for an acknowledgement is 3.0 s and
 * nothing times out. Before, the request was lost and the producer waited out
 * request.timeout.ms (30 s): still waiting at the end. */
static void test_split_resent_by_tcp_after_the_heal(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults: [ { at: 10s, partition: { a: [p] }, for: 2s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_fig_between(&r, "availability.max_ack_gap_ms", 3000.0, 3100.0);
	assert_true(fig(&r, "errors.REQUEST_TIMED_OUT") == 0);
	assert_true(fig(&r, "records.acked") > 29000);
	run_release(&r);
}

/* A follower cut off from the other brokers for 5 s keeps up: its fetch goes through at
 * TCP's resend 6.2 s after it was sent, well inside replica.lag.time.max.ms (30 s), and
 * acks=all writes wait those 6.2 s. Before, the fetch was lost and hung for
 * replica.socket.timeout.ms: a 30.5 s wait, and NETWORK_EXCEPTION for the producer. */
static void test_short_split_resent_to_the_follower(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults: [ { at: 10s, partition: { a: [broker-3], b: [broker-1, broker-2] },"
		" for: 5s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_fig_between(&r, "availability.max_ack_gap_ms", 6200.0, 7000.0);
	assert_true(fig(&r, "events.isr_shrink.count") == 0);
	assert_true(fig(&r, "errors.NETWORK_EXCEPTION") == 0);
	run_release(&r);
}

/* A client that gives up a request closes its connection, and what TCP held on it never
 * arrives: the producer, cut off for 40 s, times its request out at 40 s and sends the
 * records again after the heal. Were the held request delivered at TCP's resend after the
 * heal (61 s), the records would be written twice (idempotence off): 28 duplicates. */
static void test_given_up_request_never_arrives(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 90s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s,\n"
		"               config: { acks: all, enable.idempotence: false } } ]\n"
		"faults: [ { at: 10s, partition: { a: [p] }, for: 40s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "checker.log_duplicates") == 0);
	assert_true(fig(&r, "errors.REQUEST_TIMED_OUT") == 1);
	assert_true(fig(&r, "availability.max_ack_gap_ms") < 41000.0);
	run_release(&r);
}

/* A metadata request gives up at the client's request.timeout.ms, like any other: queued
 * behind the produce requests TCP holds across a 5 s split (metadata.max.age.ms 1 s asks
 * every second), it goes with them at the resend 6.2 s after the first. With the retry
 * interval (1 s) as its give-up, it closed the connection and took them with it: a 30.1 s
 * wait and a REQUEST_TIMED_OUT (a review found it). */
static void test_held_metadata_request_keeps_the_connection(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 1 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 1 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s,\n"
		"               config: { acks: 1, metadata.max.age.ms: 1000 } } ]\n"
		"faults: [ { at: 10s, partition: { a: [p] }, for: 5s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_fig_between(&r, "availability.max_ack_gap_ms", 6200.0, 6300.0);
	assert_true(fig(&r, "errors.REQUEST_TIMED_OUT") == 0);
	run_release(&r);
}

/* A metadata request whose answer is lost is asked again when it times out
 * (request.timeout.ms, then the backoff), as NetworkClient keeps it in flight until then.
 * broker-1 moves its leadership (t-2 to broker-2) and shuts down while every answer to the
 * producer is dropped (5 s to 8.5 s); its connection reset at 7.05 s makes the producer ask
 * for metadata, and that answer is lost too. t-2 is written again once the request is
 * asked again: about 2.05 s + timeout + backoff after 5 s (5.15 s and 6.05 s). Before, the
 * request went again after ten backoffs (1 s, 10 s: gaps of 4.0 s and 12 s). The timeout
 * also closes the connection the request went on, broker-2's (a third disconnect, after
 * broker-1's reset and broker-3's produce timeout). */
static void test_lost_metadata_answer_waits_for_the_timeout(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 5\nduration: 20s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 100/s,\n"
		"  config: { request.timeout.ms: 3000, retry.backoff.ms: %s } } ]\n"
		"faults:\n"
		"  - { at: 5s, drop: { from: [broker-1, broker-2, broker-3], to: [p] },"
		" fraction: 1.0, for: 3500ms }\n"
		"  - { at: 5s, shutdown: broker-1 }\n";
	static const char *const backoff[2] = { "100", "1000" };
	static const double gap_ms[2] = { 5150.0, 6050.0 };
	for (int k = 0; k < 2; k++) {
		struct run r;
		run_fmt(&r, y, backoff[k]);
		assert_true(fig(&r, "partitions.t-2.leader") == 2);
		assert_true(fig(&r, "events.producer_disconnected.count") == 3);
		assert_fig_between(&r, "partitions.t-2.max_ack_gap_ms", gap_ms[k] - 100.0,
				   gap_ms[k] + 100.0);
		run_release(&r);
	}
}

/* Leader balancing (auto.leader.rebalance.enable, Kafka 4's periodic "electPreferred"):
 * broker-1, the preferred replica of t-1 and t-4, crashes at 10 s; fenced at 18 s, its
 * partitions move. Passes run every interval (30 s) from the start: at 30 s broker-1 (back
 * at 20 s) is in both ISRs again and leadership returns to it. Back only at 60 s, it is
 * not in them yet at the pass of 60 s (it rejoins a few ms later); the pass of 90 s moves
 * them. Off, they stay where they went. */
static void test_leadership_returns_to_the_preferred_replica(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 100s\n"
		"cluster: { brokers: 3, config: { leader.imbalance.check.interval.seconds: 30,\n"
		"  auto.leader.rebalance.enable: %s } }\n"
		"topics: [ { name: t, partitions: 6, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 10s, crash: broker-1 }\n"
		"  - { at: %s, restart: broker-1 }\n";
	static const char *const on[3] = { "true", "true", "false" };
	static const char *const back[3] = { "20s", "60s", "20s" };
	static const double last_s[3] = { 30.0, 90.0, 18.0 };
	for (int k = 0; k < 3; k++) {
		struct run r;
		run_fmt(&r, y, on[k], back[k]);
		bool balanced = k < 2;
		assert_true(fig(&r, "events.leader_elected.count") == (balanced ? 4 : 2));
		assert_fig_between(&r, "events.leader_elected.last_s", last_s[k] - 0.01,
				   last_s[k] + 0.01);
		assert_true(fig(&r, "partitions.t-1.leader") == (balanced ? 1 : 2));
		assert_true(fig(&r, "partitions.t-4.leader") == (balanced ? 1 : 3));
		assert_true(fig(&r, "checker.acked_lost") == 0);
		run_release(&r);
	}
}

/* The balancing clock is the active controller's: controller-1 dies at 5 s and controller-2
 * takes over at 6 s, so the passes run at 36 s, 66 s ... - broker-1's partitions (moved at
 * 18 s, broker-1 back at 20 s) return at 36 s, not at 30 s as they would without the
 * failover. */
static void test_balancing_restarts_with_a_new_controller(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 50s\n"
		"cluster: { brokers: 3, controllers: 2,\n"
		"           config: { leader.imbalance.check.interval.seconds: 30 } }\n"
		"topics: [ { name: t, partitions: 6, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 5s, crash: controller-1 }\n"
		"  - { at: 10s, crash: broker-1 }\n"
		"  - { at: 20s, restart: broker-1 }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.leader_elected.count") == 4);
	assert_fig_between(&r, "events.leader_elected.last_s", 35.99, 36.01);
	run_release(&r);
}

/* A balancing pass elects at most 1,000 leaders (MAX_ELECTIONS_PER_IMBALANCE); the rest
 * follow in a pass 10 ms later: broker-1 led 1,500 of 4,500 partitions. */
static void test_balancing_passes_elect_a_thousand_each(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 2\nduration: 60s\n"
		"cluster: { brokers: 3, config: { leader.imbalance.check.interval.seconds: 30 } }\n"
		"topics: [ { name: t, partitions: 4500, replication.factor: 3 } ]\n"
		"faults:\n"
		"  - { at: 10s, crash: broker-1 }\n"
		"  - { at: 20s, restart: broker-1 }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.leader_elected.count") == 3000);
	assert_fig_between(&r, "events.leader_elected.last_s", 30.009, 30.011);
	run_release(&r);
}

/* KIP-951, in two halves. (a) A controlled shutdown moves broker-1's partition; the
 * NOT_LEADER_OR_FOLLOWER answer names the new leader, and the batch goes there at once:
 * its leader changed, so RecordAccumulator skips the retry backoff (3 s here; before, a
 * 3,004 ms gap). With another seed broker-1 learns of the move before the new leader does;
 * the batch then meets NOT_LEADER_OR_FOLLOWER there too, and backs off, as in Kafka.
 * (b) The name alone: every answer from broker-1 to the producer is dropped, so the
 * metadata request the error asks for (broker-1 is its first choice) goes unanswered
 * until broker-1's produce requests time out (19.9 s). t-2, moved from broker-2 by its
 * controlled shutdown, is written again at once on the leader the answer named (a 127 ms
 * gap); without the name, not before the metadata (a 10 s gap). */
static void test_new_leader_named_in_the_answer(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 2000/s, keys: { count: 100 },\n"
		"  config: { acks: all, %s } } ]\n"
		"faults:\n%s";
	struct run a, b;
	run_fmt(&a, y, "retry.backoff.ms: 3000, retry.backoff.max.ms: 3000",
		"  - { at: 10s, shutdown: broker-1 }\n");
	assert_true(fig(&a, "errors.NOT_LEADER_OR_FOLLOWER") == 1);
	assert_true(fig(&a, "availability.max_ack_gap_ms") < 100.0);
	assert_true(fig(&a, "checker.acked_lost") == 0);
	run_release(&a);
	run_fmt(&b, y, "request.timeout.ms: 10000",
		"  - { at: 9900ms, drop: { from: [broker-1], to: [p] }, for: 20s }\n"
		"  - { at: 10s, shutdown: broker-2 }\n");
	assert_true(fig(&b, "partitions.t-2.leader") == 3);
	assert_true(fig(&b, "partitions.t-2.max_ack_gap_ms") < 500.0);
	run_release(&b);
}

/* KIP-951 for a consumer: every answer from broker-1 to g-1 is dropped (broker-1 is its
 * metadata requests' first choice, and leads t-1), and broker-2 shuts down, moving t-2 to
 * broker-3. The NOT_LEADER_OR_FOLLOWER answer to g-1's fetch names broker-3, where g-1
 * validates its position at once and reads on: 19,370 records in all. Without the name it
 * waited for metadata that did not come (12,157). */
static void test_consumer_takes_the_leader_named(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, keys: { count: 100 },\n"
		"               config: { acks: all } } ]\n"
		"consumer_groups: [ { name: g, topic: t, members: 1 } ]\n"
		"faults:\n"
		"  - { at: 9900ms, drop: { from: [broker-1], to: [g-1] }, for: 20s }\n"
		"  - { at: 10s, shutdown: broker-2 }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "partitions.t-2.leader") == 3);
	assert_true(fig(&r, "records.consumed") > 18000);
	run_release(&r);
}

/* A follower's fetch response held by its stalled disk (broker-2's, 32 s to 59 s) while
 * leadership went to it and back to broker-1 (a balancing pass at 51.6 s) is stale when the
 * disk frees it: its fetcher has sent another request since. Read, it was taken for the
 * answer to the new epoch's truncation query (offset 0): broker-2 emptied its log, then,
 * broker-1 fenced, was elected with nothing, and 95,885 acknowledged records were lost. */
static void test_stale_fetch_response_after_a_disk_stall(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 857\nduration: 60s\n"
		"cluster: { brokers: 2, config: { leader.imbalance.check.interval.seconds: 2 } }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 2,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 3000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 32s, slow: broker-2, disk_stall: true, for: 27s }\n"
		"  - { at: 33s, crash: broker-1, for: 17s }\n"
		"  - { at: 51s, partition: { a: [broker-1], b: [broker-2, controller-1] },"
		" one_way: true, for: 25s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.log_truncated.records") < 1000);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* A consumer's crash takes its metadata request with it: g-1's periodic refresh at 5 s goes
 * unanswered (every answer to it dropped), g-1 crashes at 5.1 s and is back at 6 s. The
 * new process asks as soon as it needs to - when broker-2 shuts down at 9 s and its
 * partition moves. Before, the old process's request was still "in flight" until its
 * timeout (35 s), no other could go, and the moved partition stalled to 36 s (the lag's
 * peak then 2,126; now 1,053 at 16 s). */
static void test_member_crash_forgets_its_metadata_request(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 3\nduration: 45s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: t, rate: 100/s } ]\n"
		"consumer_groups:\n"
		"  - { name: g, topic: t, members: 1, config: { metadata.max.age.ms: 5000,\n"
		"      session.timeout.ms: 6000, heartbeat.interval.ms: 2000 } }\n"
		"faults:\n"
		"  - { at: 4900ms, drop: { from: [broker-1, broker-2, broker-3], to: [g-1] },"
		" fraction: 1.0, for: 300ms }\n"
		"  - { at: 5100ms, crash: g-1, for: 900ms }\n"
		"  - { at: 9s, shutdown: broker-2, for: 30s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "groups.g.lag_max_at_s") < 20.0);
	assert_true(fig(&r, "groups.g.lag_max") < 1500.0);
	run_release(&r);
}

/* A new process opens new connections: its registrations do not queue behind its old
 * process's heartbeats, held back on the wire by a 15 s delay (8 s to 10.3 s); and those
 * heartbeats, from a process no longer registered once the new one is, are stale
 * (checkBrokerEpoch). Before, the new process's registrations arrived only at 25 s, the
 * old heartbeats unfenced the broker at 23 s, and it registered at 42 s. */
static void test_new_process_new_connections(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 60s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: o, partitions: 6, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: o, rate: 2000/s, keys: { count: 1000 },\n"
		"               config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 8s, delay: { from: [broker-1], to: [controller-1] }, latency: 15s,"
		" for: 2300ms }\n"
		"  - { at: 10300ms, crash: broker-1, for: 1s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.broker_fenced.count") == 1);
	assert_true(fig(&r, "events.broker_unfenced.count") == 1);
	assert_true(fig(&r, "events.broker_unfenced.first_s") < 20.0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* An AlterPartition lost on its way (every message from broker-1 to the controller is
 * dropped from 16.9 s to 22.9 s, as broker-2 catches up on t-1, which broker-1 leads) is
 * sent again once unanswered for controller.socket.timeout.ms (30 s): before, the leader
 * waited for its answer forever and t-1 kept an ISR of two to the end of the run. */
static void test_lost_alter_partition_is_sent_again(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 80s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 5s, crash: broker-2, for: 12s }\n"
		"  - { at: 16.9s, drop: { from: [broker-1], to: [controller-1] }, for: 6s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(r.c->parts[1].replicas[0] == 1);
	assert_true(fig(&r, "partitions.t-1.isr_size") == 3);
	assert_true(fig(&r, "events.isr_expand.count") == 3);
	assert_true(fig(&r, "events.isr_expand.last_s") >= 46.9); /* 30 s after the first */
	run_release(&r);
}

/* A new process registers fenced and is unfenced by its next heartbeat, which it sends
 * once it hears it was accepted: with every message from the controller to broker-1 lost
 * (5 s to 65 s), broker-1, back at 22 s, is accepted but never told so, and its partition
 * (replication factor 1) stays offline - and counted so - until the answers get through. */
static void test_registration_unheard_stays_fenced(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 90s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: solo, partitions: 3, replication.factor: 1 } ]\n"
		"producers: [ { name: p, topic: solo, rate: 300/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 5s, drop: { from: [controller-1], to: [broker-1] }, for: 60s }\n"
		"  - { at: 10s, crash: broker-1, for: 12s }\n";
	struct run r;
	run_yaml(&r, y, 0);
	int led = -1;
	for (int i = 0; i < 3; i++)
		if (r.c->parts[i].replicas[0] == 1)
			led = i;
	assert_true(led >= 0);
	char k[64];
	snprintf(k, sizeof(k), "partitions.solo-%d.offline_ms", led);
	assert_true(fig(&r, k) > 40000.0);
	assert_true(fig(&r, "events.broker_unfenced.first_s") >= 65.0);
	run_release(&r);
}

/* A controlled shutdown (BrokerServer.shutdown, BrokerHeartbeatManager): broker-1 asks to
 * stop at 10 s; at once it leaves every ISR and orders-1, which it led, elects broker-2;
 * the controller lets it stop when the others' heartbeats show they applied that (about
 * 2 s), fencing it. Back 5 s after the request it registers at once - no old session to
 * wait out - and writes never waited long (a crash waits for the session: more than 5 s,
 * test_restart_within_session_waits_for_the_fence). */
static void test_controlled_shutdown_moves_leaders_first(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 40s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: orders, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: c, topic: orders, rate: 3000/s, keys: { count: 1000 },\n"
		"               config: { acks: all } } ]\n"
		"faults: [ { at: 10s, shutdown: broker-1, for: 5s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "events.controlled_shutdown.count") == 1);
	assert_true(fig(&r, "events.controlled_shutdown.first_s") < 10.001);
	assert_true(fig(&r, "events.leader_elected.count") == 1);
	assert_true(fig(&r, "events.leader_elected.first_s") < 10.001);
	assert_true(fig(&r, "partitions.orders-1.leader") == 2);
	double fenced = fig(&r, "events.broker_fenced.first_s");
	assert_true(fenced > 10.0 && fenced < 12.5);
	assert_true(fig(&r, "events.registration_refused.count") == 0);
	assert_true(fig(&r, "events.broker_unfenced.first_s") >= 15.0);
	assert_true(fig(&r, "events.broker_unfenced.first_s") < 15.1);
	for (int i = 0; i < 3; i++) {
		char k[64];
		snprintf(k, sizeof(k), "partitions.orders-%d.max_ack_gap_ms", i);
		assert_true(fig(&r, k) < 1500.0);
	}
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

static const char shut_yaml[] =
	"name: t\nseed: 1\nduration: 40s\ncluster: { brokers: 3, controllers: 2 }\n"
	"topics: [ { name: orders, partitions: 3, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: c, topic: orders, rate: 2000/s, keys: { count: 1000 },\n"
	"               config: { acks: all } } ]\n"
	"faults:\n%s";

/* Partition.isReplicaIsrEligible: a broker in controlled shutdown neither rejoins an ISR
 * nor holds the HW back as a replica about to join. broker-1's disk stalls as it starts to
 * shut down: before, the leaders of the partitions it follows waited for it (it had been
 * caught up moments ago), and those partitions stalled to the end of the run. */
static void test_shutting_down_broker_holds_no_hw(void **state)
{
	(void)state;
	struct run r;
	run_fmt(&r, shut_yaml,
		"  - { at: 10s, shutdown: broker-1 }\n"
		"  - { at: 10s, slow: broker-1, disk_stall: true, for: 5s }\n");
	for (int i = 0; i < 3; i++) { /* those it follows (what it led waits on its disk) */
		char k[64];
		snprintf(k, sizeof(k), "partitions.orders-%d.max_ack_gap_ms", i);
		if (r.c->parts[i].replicas[0] != 1)
			assert_true(fig(&r, k) < 1000.0);
	}
	assert_true(fig(&r, "events.isr_expand.count") == 0);
	run_release(&r);
}

/* The controller has no active member from 10 s (controller-1 dies; controller-2 takes
 * over after controller.failover.ms): a shutdown asked for at 10.2 s is sent as soon as
 * the new controller is known, not at the next heartbeat 2 s later. A second shutdown of
 * a broker already shutting down begins nothing, so its `for` restarts nothing. */
static void test_shutdown_waits_for_a_controller(void **state)
{
	(void)state;
	struct run r;
	run_fmt(&r, shut_yaml,
		"  - { at: 10s, crash: controller-1 }\n"
		"  - { at: 10200ms, shutdown: broker-1, for: 20s }\n"
		"  - { at: 10300ms, shutdown: broker-1, for: 1s }\n");
	double failover = fig(&r, "events.controller_failover.first_s");
	assert_true(failover > 10.2);
	double cs = fig(&r, "events.controlled_shutdown.first_s");
	assert_true(cs >= failover && cs < failover + 0.01);
	assert_true(fig(&r, "events.broker_unfenced.first_s") >= 30.0);
	run_release(&r);
}

/* BrokerHeartbeatManager: a broker that leads nothing has nothing to move, and is let go
 * at once (SHUTDOWN_NOW, fenced) without the controlled-shutdown wait. */
static void test_shutdown_of_a_broker_leading_nothing(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 20s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 2 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s } ]\n"
		"faults: [ { at: 10s, shutdown: broker-%d } ]\n";
	struct run r;
	char yaml[512];
	run_yaml(&r, "name: t\nduration: 1s\ncluster: { brokers: 3 }\n"
		 "topics: [ { name: t, partitions: 1, replication.factor: 2 } ]\n", 0);
	int idle = 0; /* the broker with no replica of t-0 */
	for (int id = 1; id <= 3; id++)
		if (broker__slot_of(&r.c->parts[0], id) < 0)
			idle = id;
	run_release(&r);
	assert_true(idle > 0);
	snprintf(yaml, sizeof(yaml), y, idle);
	run_yaml(&r, yaml, 0);
	assert_true(fig(&r, "events.controlled_shutdown.count") == 0);
	assert_true(fig(&r, "events.broker_fenced.first_s") < 10.01);
	run_release(&r);
}

/* ELR: a process that never registered has no broker epoch to record a clean shutdown
 * with (LogManager.shutdown writes -1), so its next registration counts as unclean. broker-1
 * loses power, broker-2 crashes, broker-1 comes back empty of its unflushed tail and is shut
 * down while its registration is still refused: when it returns it must not be elected
 * from the ELR as if it held everything (9,850 acknowledged records were lost). */
static void test_elr_shutdown_before_registering_is_unclean(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 7\nduration: 60s\n"
		"cluster: { brokers: 2, config: { eligible.leader.replicas.enable: true } }\n"
		"topics: [ { name: t, partitions: 1, replication.factor: 2,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: all } } ]\n"
		"faults:\n"
		"  - { at: 10s, crash: broker-1, lose_unflushed: true }\n"
		"  - { at: 10500ms, crash: broker-2 }\n"
		"  - { at: 11s, restart: broker-1 }\n"
		"  - { at: 12s, shutdown: broker-1, for: 13s }\n"
		"  - { at: 35s, restart: broker-2 }\n";
	struct run r;
	run_yaml(&r, y, 0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* With replication factor 1 no other replica can lead: the partition goes offline as the
 * shutdown starts (PartitionChangeBuilder finds no acceptable leader), and the broker may
 * stop at once after that. Its restart, asked for before it had stopped, follows the stop,
 * and it leads again when unfenced. */
static void test_controlled_shutdown_of_a_sole_replica(void **state)
{
	(void)state;
	static const char y[] =
		"name: t\nseed: 1\nduration: 30s\ncluster: { brokers: 2 }\n"
		"topics: [ { name: t, partitions: 2, replication.factor: 1 } ]\n"
		"producers: [ { name: p, topic: t, rate: 1000/s, config: { acks: 1 } } ]\n"
		"faults: [ { at: 10s, shutdown: broker-1, for: 1s } ]\n";
	struct run r;
	run_yaml(&r, y, 0);
	const struct partition *p = &r.c->parts[1];
	assert_int_equal(p->replicas[0], 1);
	double off = fig(&r, "partitions.t-1.offline_ms");
	assert_true(off > 1900.0 && off < 2600.0); /* from 10 s to the stop and restart */
	assert_true(fig(&r, "partitions.t-0.offline_ms") == 0);
	assert_true(fig(&r, "events.broker_unfenced.first_s") > 12.0);
	assert_true(fig(&r, "partitions.t-1.leader") == 1);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

static const char retry_yaml[] =
	"name: t\nseed: 21\nduration: 25s\ncluster: { brokers: 3 }\n"
	"topics: [ { name: l, partitions: 3, replication.factor: 3 } ]\n"
	"producers: [ { name: s, topic: l, rate: 1000/s, keys: { count: 200 },\n"
	"    config: { acks: all, enable.idempotence: %s, request.timeout.ms: 2000 } } ]\n"
	"faults:\n"
	"  - { at: 5s, drop: { from: [s], to: [broker-1, broker-2, broker-3] }, one_way: false,"
	" fraction: 0.2, for: 10s }\n";

/* Lost requests and responses: retries duplicate and reorder without idempotence; with it
 * the broker keeps exactly one copy in order. */
static void test_idempotence(void **state)
{
	(void)state;
	struct run a, b;
	run_fmt(&a, retry_yaml, "false");
	run_fmt(&b, retry_yaml, "true");
	assert_true(fig(&a, "checker.log_duplicates") > 0);
	assert_true(fig(&a, "checker.order_violations") > 0);
	assert_true(fig(&b, "checker.log_duplicates") == 0);
	assert_true(fig(&b, "checker.order_violations") == 0);
	assert_true(fig(&b, "checker.acked_lost") == 0);
	run_release(&a);
	run_release(&b);
}

/* A stalled follower leaves the ISR between 1x and 1.5x replica.lag.time.max.ms after the
 * stall starts, and rejoins after it ends. */
static void test_isr_shrink_timing(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nseed: 3\nduration: 60s\n"
		"cluster: { brokers: 3, config: { replica.lag.time.max.ms: 10000 } }\n"
		"topics: [ { name: o, partitions: 3, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: o, rate: 500/s, keys: { count: 10 } } ]\n"
		"faults: [ { at: 7s, slow: broker-2, disk_stall: true, for: 30s } ]\n";
	struct run r;
	run_yaml(&r, yaml, 0);
	double shrink = fig(&r, "events.isr_shrink.first_s");
	assert_true(shrink >= 17.0 && shrink <= 22.0);
	assert_true(fig(&r, "events.isr_expand.first_s") >= 37.0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* The leader records a follower's fetch state when the fetch arrives, not again when a
 * parked fetch is answered (Kafka 3.5+: DelayedFetch.onComplete reads with
 * readFromPurgatory = true, so Partition.fetchRecords skips updateFetchState). With a
 * record every 100 ms, each follower fetch arrives at the leader's LEO and is parked until
 * the next append; recorded on arrival only, the view's LEO then always equals the leader
 * LEO it saw. Recorded again at the answer, the view would say the follower saw the newer
 * LEO while still at the old offset, until its next fetch arrives. Checked every 100 us. */
static void test_follower_state_recorded_on_arrival(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nseed: 9\nduration: 3s\n"
		"cluster: { brokers: 3 }\n"
		"topics: [ { name: o, partitions: 1, replication.factor: 3 } ]\n"
		"producers: [ { name: p, topic: o, rate: 10/s, arrival: constant,\n"
		"               config: { acks: all, linger.ms: 0 } } ]\n";
	struct run run;
	run_begin(&run, yaml, 0);
	struct cluster *c = run.c;
	int checked = 0, parked_views = 0;
	for (sim_time_ns t = SIM_S; t <= 3 * SIM_S; t += 100 * SIM_US) {
		cluster_run_until(c, t);
		const struct partition *p = &c->parts[0];
		const struct replica *leader = NULL;
		for (int k = 0; k < p->rf; k++)
			if (p->rep[k].is_leader)
				leader = &p->rep[k];
		assert_non_null(leader);
		for (int k = 0; k < p->rf; k++) {
			if (&p->rep[k] == leader)
				continue;
			const struct follower_view *fv = fv_of(leader, k);
			if (fv->leo < 0)
				continue;
			assert_int_equal(fv->last_fetch_leader_leo, fv->leo);
			checked++;
			parked_views += fv->leo == leader->log.leo;
		}
	}
	assert_true(checked > 30000);      /* two followers, 20,000 instants */
	assert_true(parked_views > 29000); /* mostly waiting at the log end, as designed */
	assert_true(cluster_now(c) == 3 * SIM_S);
	run_release(&run);
}

/* Arrivals and their keys' partitions are drawn ahead, in blocks; when the topic grows,
 * those drawn ahead are picked anew by the new key law. C4's four keys on 4 partitions,
 * grown to 6 at 10 s: key-3 moves from partition 3 to 5 (murmur2), so partition 3 gets no
 * record after the growth. Picked by the old law, the ones drawn ahead would. */
static void test_growth_repicks_partitions_drawn_ahead(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nseed: 4\nduration: 12s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: c, partitions: 4, replication.factor: 3 } ]\n"
		"producers: [ { name: b, topic: c, rate: 2000/s, keys: { count: 4 } } ]\n"
		"faults: [ { at: 10s, add_partitions: c, partitions: 6 } ]\n";
	struct run r;
	run_begin(&r, yaml, 0);
	cluster_run_until(r.c, 10 * SIM_S);
	assert_int_equal(r.c->topics[0].n_partitions, 6); /* grown, arrivals to 10 s applied */
	const struct producer *p = &r.c->producers[0];
	int64_t before = p->pq[3].records, moved = p->pq[5].records;
	assert_true(before > 4000);
	assert_int_equal(moved, 0);
	run_end(&r);
	assert_int_equal(p->pq[3].records, before);
	assert_true(p->pq[5].records > 800); /* a quarter of 2 s */
	run_release(&r);
}

/* Two of three brokers down: acks=all writes are refused with NOT_ENOUGH_REPLICAS, and
 * nothing acknowledged is lost. */
static void test_not_enough_replicas(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nseed: 3\nduration: 50s\ncluster: { brokers: 3 }\n"
		"topics: [ { name: p, partitions: 3, replication.factor: 3,\n"
		"            config: { min.insync.replicas: 2 } } ]\n"
		"producers: [ { name: b, topic: p, rate: 500/s, keys: { count: 100 },\n"
		"    config: { acks: all, request.timeout.ms: 5000 } } ]\n"
		"faults:\n  - { at: 10s, crash: broker-2, for: 30s }\n"
		"  - { at: 10s, crash: broker-3, for: 30s }\n";
	struct run r;
	run_yaml(&r, yaml, 0);
	assert_true(fig(&r, "errors.NOT_ENOUGH_REPLICAS") > 0);
	assert_true(fig(&r, "availability.write_unavailable_ms") > 3 * 15000.0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	run_release(&r);
}

/* auto.commit.interval.ms 0 commits on every poll; an idle member must still let time
 * pass (found by mutating scenarios: it used to poll forever at one instant). */
static void test_auto_commit_every_poll(void **state)
{
	(void)state;
	static const char yaml[] =
		"name: t\nduration: 10s\ncluster: { brokers: 1 }\n"
		"topics: [ { name: o, partitions: 2, replication.factor: 1 } ]\n"
		"producers: [ { name: p, topic: o, rate: 100/s, stop: 2s } ]\n"
		"consumer_groups: [ { name: g, topic: o, members: 1,\n"
		"    config: { auto.offset.reset: earliest, auto.commit.interval.ms: 0 } } ]\n";
	struct run r;
	run_yaml(&r, yaml, 0);
	assert_true(fig(&r, "records.consumed") == fig(&r, "records.acked"));
	assert_true(fig(&r, "groups.g.lag") == 0);
	run_release(&r);
}

/* A consumer group's fetch.min.bytes holds its fetches at the leader (DelayedFetch) until
 * that many bytes are below the high watermark, or fetch.max.wait.ms passes. 20 records/s
 * of 100 B on one partition, one member, 20 s. */
static const char min_bytes_group_yaml[] =
	"name: t\nseed: 11\nduration: 20s\n"
	"cluster: { brokers: 1, config: { group.initial.rebalance.delay.ms: 0 } }\n"
	"topics: [ { name: o, partitions: 1, replication.factor: 1 } ]\n"
	"producers: [ { name: p, topic: o, rate: 20/s, record.size: 100B,\n"
	"               config: { acks: 1, linger.ms: 0 } } ]\n"
	"consumer_groups: [ { name: g, topic: o, members: 1, config: { auto.offset.reset: earliest,"
	" fetch.min.bytes: %d, fetch.max.wait.ms: %d } } ]\n";

static void test_fetch_min_bytes(void **state)
{
	(void)state;
	char yaml[1024];
	struct run one, wait, count;
	snprintf(yaml, sizeof(yaml), min_bytes_group_yaml, 1, 500);
	run_yaml(&one, yaml, 0);
	/* 1 MB never comes (2 KB/s): every fetch waits out its 500 ms and answers with what
	 * is there, so a record waits for the end of the window it arrived in */
	snprintf(yaml, sizeof(yaml), min_bytes_group_yaml, 1000000, 500);
	run_yaml(&wait, yaml, 0);
	/* 1,000 B with no time limit within the run: every answer carries >= 10 records */
	snprintf(yaml, sizeof(yaml), min_bytes_group_yaml, 1000, 60000);
	run_yaml(&count, yaml, 0);

	/* RF 1, one member: requests.fetch counts the member's fetches alone */
	double consumed = fig(&one, "records.consumed");
	assert_true(consumed > 300);
	assert_true(fig(&one, "requests.fetch") > 300);  /* about one a record */
	assert_true(fig(&one, "latency_ms.end_to_end.p50") < 50.0);

	assert_true(fig(&wait, "records.consumed") > 300);
	assert_true(fig(&wait, "requests.fetch") <= 20.0 / 0.5 + 5); /* one a window */
	assert_true(fig(&wait, "latency_ms.end_to_end.p50") >= 150.0); /* uniform over 500 ms */
	assert_true(fig(&wait, "latency_ms.end_to_end.max") >= 400.0);
	assert_true(fig(&wait, "latency_ms.end_to_end.max") <= 600.0);

	double n_fetch = fig(&count, "requests.fetch"), got = fig(&count, "records.consumed");
	assert_true(got > 300);
	assert_true(got >= 10 * (n_fetch - 2)); /* all but the first and the one still parked */
	assert_true(fig(&count, "latency_ms.end_to_end.p50") >= 100.0);
	run_release(&one);
	run_release(&wait);
	run_release(&count);
}

/* replica.fetch.min.bytes holds follower fetches the same way: with more than ever comes,
 * each waits out replica.fetch.wait.max.ms (500 ms), and an acks=all write waits for the
 * followers' windows to end. A record every 250 ms on average keeps the producer's five
 * requests in flight from queueing records behind them. */
static const char min_bytes_replica_yaml[] =
	"name: t\nseed: 12\nduration: 30s\n"
	"cluster: { brokers: 3, config: { replica.fetch.min.bytes: %d } }\n"
	"topics: [ { name: o, partitions: 1, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: p, topic: o, rate: 4/s, record.size: 100B,\n"
	"               config: { acks: all, linger.ms: 0 } } ]\n";

static void test_replica_fetch_min_bytes(void **state)
{
	(void)state;
	char yaml[1024];
	struct run one, wait;
	snprintf(yaml, sizeof(yaml), min_bytes_replica_yaml, 1);
	run_yaml(&one, yaml, 0);
	snprintf(yaml, sizeof(yaml), min_bytes_replica_yaml, 1000000);
	run_yaml(&wait, yaml, 0);
	assert_true(fig(&one, "records.acked") > 90);
	assert_true(fig(&one, "latency_ms.produce.p50") < 50.0);
	assert_true(fig(&wait, "records.acked") > 90);
	assert_true(fig(&wait, "requests.fetch") <= 2 * (30.0 / 0.5) + 10); /* one a window */
	assert_true(fig(&wait, "latency_ms.produce.p50") >= 150.0); /* within 500 ms */
	assert_true(fig(&wait, "latency_ms.produce.max") >= 400.0);
	assert_true(fig(&wait, "latency_ms.produce.max") <= 600.0);
	assert_true(fig(&wait, "events.isr_shrink.count") == 0);
	assert_true(fig(&wait, "checker.acked_lost") == 0);
	run_release(&one);
	run_release(&wait);
}

/* KIP-966: RF 3 (replicas 2, 3, 1), min ISR 2. broker-1 leaves the ISR at min ISR (no
 * ELR); a split then drops broker-3 below it (ELR {3}); the leader broker-2 dies. With ELR
 * broker-3 is elected cleanly and nothing is offline or lost; without, the partition stays
 * offline behind its dead last ISR member. */
static const char elr_yaml[] =
	"name: t\nseed: 7\nduration: 80s\n"
	"cluster: { brokers: 3, config: { replica.lag.time.max.ms: 10000,\n"
	"           eligible.leader.replicas.enable: %s } }\n"
	"topics: [ { name: payments, partitions: 1, replication.factor: 3,\n"
	"            config: { min.insync.replicas: 2 } } ]\n"
	"producers: [ { name: b, topic: payments, rate: 500/s, config: { acks: all } } ]\n"
	"faults:\n  - { at: 5s, slow: broker-1, disk_stall: true, for: 60s }\n"
	"  - { at: 25s, partition: { a: [broker-2], b: [broker-3] } }\n%s";

static void test_elr_elects_an_eligible_replica(void **state)
{
	(void)state;
	char yaml[2048];
	struct run r;
	snprintf(yaml, sizeof(yaml), elr_yaml, "true", "  - { at: 50s, crash: broker-2 }\n");
	run_begin(&r, yaml, 0);
	const struct partition *p = &r.c->parts[0];
	assert_int_equal(p->replicas[0], 2);
	assert_int_equal(p->replicas[1], 3);
	cluster_run_until(r.c, 20 * SIM_S); /* ISR {2,3}: at min ISR, no ELR */
	assert_int_equal(p->isr, 0x3);
	assert_int_equal(p->elr, 0);
	cluster_run_until(r.c, 45 * SIM_S); /* ISR {2}: broker-3 eligible */
	assert_int_equal(p->isr, 0x1);
	assert_int_equal(p->elr, 0x2);
	run_end(&r);
	assert_true(fig(&r, "partitions.payments-0.leader") == 3);
	assert_true(fig(&r, "partitions.payments-0.offline_ms") == 0);
	assert_true(fig(&r, "events.unclean_election.count") == 0);
	assert_true(fig(&r, "checker.acked_lost") == 0);
	assert_int_equal(p->elr, 0); /* broker-1 rejoined: min ISR again */
	run_release(&r);

	snprintf(yaml, sizeof(yaml), elr_yaml, "false", "  - { at: 50s, crash: broker-2 }\n");
	run_yaml(&r, yaml, 0);
	assert_true(fig(&r, "partitions.payments-0.leader") == -1);
	assert_true(fig(&r, "partitions.payments-0.offline_ms") > 20000);
	assert_true(fig(&r, "events.unclean_election.count") == 0);
	run_release(&r);
}

/* A broker back from a crash (an unclean shutdown: it may have lost its unflushed tail)
 * leaves the ELR. broker-3 crashes while eligible, so when the leader broker-2 dies no
 * eligible replica is live and the partition goes offline with ELR {2}; when broker-2
 * returns (also uncleanly, so it leaves the ELR too) it is elected as the last known
 * leader, an unclean election as in Kafka. */
static void test_elr_unclean_shutdown_and_last_leader(void **state)
{
	(void)state;
	char yaml[2048];
	struct run r;
	snprintf(yaml, sizeof(yaml), elr_yaml, "true",
		 "  - { at: 40s, crash: broker-3, for: 5s }\n"
		 "  - { at: 54s, crash: broker-2, for: 15s }\n");
	run_begin(&r, yaml, 0);
	const struct partition *p = &r.c->parts[0];
	cluster_run_until(r.c, 39 * SIM_S);
	assert_int_equal(p->elr, 0x2);
	/* broker-3 back at 45 s, refused until its old session ends (fenced by 50.2 s), then
	 * registered (51.3 s): out of the ELR */
	cluster_run_until(r.c, 53 * SIM_S);
	assert_int_equal(p->isr, 0x1);
	assert_int_equal(p->elr, 0);
	cluster_run_until(r.c, 66 * SIM_S); /* broker-2 fenced: offline, ISR empty */
	assert_int_equal(p->leader, -1);
	assert_int_equal(p->isr, 0);
	assert_int_equal(p->elr, 0x1);
	assert_int_equal(p->last_leader, 2);
	run_end(&r);
	assert_true(fig(&r, "partitions.payments-0.leader") == 2);
	assert_true(fig(&r, "events.unclean_election.count") == 1);
	assert_int_equal(p->last_leader, -1);
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consumers_leave_producer_draws_alone),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_warming_changes_nothing),
		cmocka_unit_test(test_pairing_choice),
		cmocka_unit_test(test_blocks_return_to_their_kernel),
		cmocka_unit_test(test_isr_count_every_mask),
		cmocka_unit_test(test_single_key_lands_on_its_partition),
		cmocka_unit_test(test_acks_and_leader_crash),
		cmocka_unit_test(test_truncation_rules),
		cmocka_unit_test(test_restart_within_session_waits_for_the_fence),
		cmocka_unit_test(test_registration_unheard_stays_fenced),
		cmocka_unit_test(test_lost_alter_partition_is_sent_again),
		cmocka_unit_test(test_ack_gap_open_at_the_end),
		cmocka_unit_test(test_flush_settings_bound_a_power_loss),
		cmocka_unit_test(test_ack_gap_counts_from_the_batch),
		cmocka_unit_test(test_new_process_new_connections),
		cmocka_unit_test(test_controlled_shutdown_moves_leaders_first),
		cmocka_unit_test(test_controlled_shutdown_of_a_sole_replica),
		cmocka_unit_test(test_shutting_down_broker_holds_no_hw),
		cmocka_unit_test(test_shutdown_waits_for_a_controller),
		cmocka_unit_test(test_shutdown_of_a_broker_leading_nothing),
		cmocka_unit_test(test_elr_shutdown_before_registering_is_unclean),
		cmocka_unit_test(test_idempotence),
		cmocka_unit_test(test_isr_shrink_timing),
		cmocka_unit_test(test_follower_state_recorded_on_arrival),
		cmocka_unit_test(test_growth_repicks_partitions_drawn_ahead),
		cmocka_unit_test(test_not_enough_replicas),
		cmocka_unit_test(test_acks_0_waits_for_a_connection),
		cmocka_unit_test(test_acks_0_zombie_leader_closes_the_connection),
		cmocka_unit_test(test_metadata_max_age_ends_a_silent_loss),
		cmocka_unit_test(test_consumer_metadata_max_age_leaves_a_stale_leader),
		cmocka_unit_test(test_in_flight_batches_expire_at_the_delivery_deadline),
		cmocka_unit_test(test_batches_fail_at_their_own_deadline),
		cmocka_unit_test(test_hung_fetch_abandoned_on_time),
		cmocka_unit_test(test_split_resent_by_tcp_after_the_heal),
		cmocka_unit_test(test_short_split_resent_to_the_follower),
		cmocka_unit_test(test_given_up_request_never_arrives),
		cmocka_unit_test(test_held_metadata_request_keeps_the_connection),
		cmocka_unit_test(test_lost_metadata_answer_waits_for_the_timeout),
		cmocka_unit_test(test_leadership_returns_to_the_preferred_replica),
		cmocka_unit_test(test_balancing_passes_elect_a_thousand_each),
		cmocka_unit_test(test_balancing_restarts_with_a_new_controller),
		cmocka_unit_test(test_new_leader_named_in_the_answer),
		cmocka_unit_test(test_consumer_takes_the_leader_named),
		cmocka_unit_test(test_stale_fetch_response_after_a_disk_stall),
		cmocka_unit_test(test_disk_stall_without_end),
		cmocka_unit_test(test_idempotent_retry_older_than_the_first_sequence),
		cmocka_unit_test(test_member_crash_forgets_its_metadata_request),
		cmocka_unit_test(test_lost_alter_partition_resent_on_time),
		cmocka_unit_test(test_alter_partition_waits_for_a_controller),
		cmocka_unit_test(test_alter_partition_one_request_at_a_time),
		cmocka_unit_test(test_alter_partition_kept_until_answered),
		cmocka_unit_test(test_simultaneous_arrivals_of_two_producers),
		cmocka_unit_test(test_hw_waits_for_a_replica_about_to_join),
		cmocka_unit_test(test_consumer_wait_shorter_than_replicas),
		cmocka_unit_test(test_unresolved_sequence_bumps_the_epoch),
		cmocka_unit_test(test_crash_of_an_unused_broker_closes_nothing),
		cmocka_unit_test(test_duplicate_waits_for_the_hw),
		cmocka_unit_test(test_duplicate_answered_when_the_hw_passes_it),
		cmocka_unit_test(test_followers_refetch_after_a_leader_restart),
		cmocka_unit_test(test_retry_found_inside_a_merged_batch),
		cmocka_unit_test(test_auto_commit_every_poll),
		cmocka_unit_test(test_fetch_min_bytes),
		cmocka_unit_test(test_replica_fetch_min_bytes),
		cmocka_unit_test(test_elr_elects_an_eligible_replica),
		cmocka_unit_test(test_elr_unclean_shutdown_and_last_leader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
