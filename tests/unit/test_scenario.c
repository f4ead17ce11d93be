/*
 * test_scenario.c - the scenario loader and the settings table: Kafka's defaults, every
 * section of the tests/good files, Kafka's cross-setting rules, the effective configuration
 * in JSON, --help and the markdown reference, and the corpus of bad scenarios.
 *
 * Each file in tests/bad starts with `# expect: LINE:COL: substring` lines; every one must
 * match a printed error ("<path>:LINE:COL: ..." containing the substring), and the file
 * must report exactly as many errors as it expects, so one file with many mistakes shows
 * that all of them are reported.
 */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "scenario.h"
#include "settings.h"

#define BASE "name: t\nduration: 60s\n"

/* Load text; returns the error count, the messages in *msgs (caller frees). */
static int load_text(const char *text, struct scenario *sc, char **msgs)
{
	size_t len = 0;
	FILE *err = open_memstream(msgs, &len);
	int n;

	assert_non_null(err);
	n = scenario_load_string("inline.yaml", text, sc, err);
	fclose(err);
	return n;
}

static void load_ok(const char *text, struct scenario *sc)
{
	char *msgs = NULL;
	int n = load_text(text, sc, &msgs);

	if (n != 0)
		fail_msg("expected no errors, got %d:\n%s", n, msgs);
	free(msgs);
}

/* Load text that must fail with a message containing want. */
static void load_bad(const char *text, const char *want)
{
	struct scenario sc;
	char *msgs = NULL;
	int n = load_text(text, &sc, &msgs);

	if (n == 0 || !strstr(msgs, want))
		fail_msg("expected an error with '%s', got %d:\n%s", want, n, msgs);
	assert_null(sc.topics);
	assert_int_equal(sc.n_topics, 0);
	free(msgs);
}

static void test_minimal_defaults(void **state)
{
	struct scenario sc;
	const struct cluster_cfg *c = &sc.cluster;

	(void)state;
	assert_int_equal(scenario_load("tests/good/minimal.yaml", &sc, stderr), 0);
	assert_string_equal(sc.name, "minimal");
	assert_string_equal(sc.file, "tests/good/minimal.yaml");
	assert_null(sc.description);
	assert_int_equal(sc.seed, 1);
	assert_int_equal(sc.duration_ns, 30 * SIM_S);
	assert_int_equal(sc.sample_interval_ns, SIM_S);
	assert_int_equal(c->brokers, 3);
	assert_int_equal(c->controllers, 1);
	assert_int_equal(c->net_latency_ns.kind, DIST_LOGNORMAL);
	assert_near(exp(c->net_latency_ns.a), 250000, 1e-6);
	assert_int_equal(c->net_bytes_per_s, 1250000000);
	assert_int_equal(c->disk_bytes_per_s, 500000000);
	assert_int_equal(c->replica_lag_time_max_ns, 30 * SIM_S);
	assert_int_equal(c->replica_fetch_wait_max_ns, 500 * SIM_MS);
	assert_int_equal(c->replica_fetch_max_bytes, 1048576);
	assert_int_equal(c->replica_fetch_min_bytes, 1);
	assert_int_equal(c->replica_fetch_backoff_ns, SIM_S);
	assert_int_equal(c->num_replica_fetchers, 1);
	assert_false(c->unclean_leader_election_enable);
	assert_int_equal(c->min_insync_replicas, 1);
	assert_int_equal(c->broker_session_timeout_ns, 9 * SIM_S);
	assert_int_equal(c->broker_heartbeat_interval_ns, 2 * SIM_S);
	assert_int_equal(c->log_flush_interval_messages, INT64_MAX);
	assert_int_equal(c->log_flush_interval_ns, SIM_TIME_MAX);
	assert_int_equal(c->log_retention_ns, 604800000 * SIM_MS);
	assert_int_equal(c->log_retention_bytes, -1);
	assert_int_equal(c->log_retention_check_interval_ns, 300 * SIM_S);
	assert_int_equal(c->group_initial_rebalance_delay_ns, 3 * SIM_S);
	assert_int_equal(c->metadata_propagation_ns, 10 * SIM_MS);
	assert_int_equal(c->controller_failover_ns, SIM_S);
	assert_int_equal(c->truncation, TRUNC_LEADER_EPOCH);
	assert_int_equal(sc.n_topics, 1);
	assert_int_equal(sc.topics[0].partitions, 1);
	assert_int_equal(sc.topics[0].replication_factor, 1);
	assert_int_equal(sc.topics[0].min_insync_replicas, -1);
	assert_int_equal(sc.topics[0].unclean_leader_election_enable, -1);
	assert_int_equal(sc.topics[0].retention_ns, -1);
	assert_int_equal(sc.topics[0].retention_bytes, -2);
	assert_int_equal(sc.topics[0].loc.line, 5);
	assert_int_equal(sc.topics[0].loc.column, 5);
	assert_int_equal(sc.n_faults + sc.n_snapshots + sc.n_expects, 0);
	scenario_release(&sc);
	assert_null(sc.file);
}

static void test_producer_defaults(void **state)
{
	struct scenario sc;
	const struct producer_cfg *p;

	(void)state;
	assert_int_equal(scenario_load("tests/good/minimal.yaml", &sc, stderr), 0);
	assert_int_equal(sc.n_producers, 1);
	p = &sc.producers[0];
	assert_string_equal(p->name, "app");
	assert_int_equal(p->topic, 0);
	assert_near(p->rate_per_s, 100, 0);
	assert_int_equal(p->arrival, ARRIVAL_POISSON);
	assert_int_equal(p->start_ns, 0);
	assert_int_equal(p->stop_ns, SIM_TIME_MAX);
	assert_int_equal(p->record_bytes.kind, DIST_CONSTANT);
	assert_near(p->record_bytes.a, 100, 0);
	assert_int_equal(p->keys, KEYS_NULL);
	assert_int_equal(p->fixed_partition, -1);
	assert_int_equal(p->acks, ACKS_ALL);
	assert_int_equal(p->linger_ns, 5 * SIM_MS);
	assert_int_equal(p->batch_size, 16384);
	assert_int_equal(p->max_in_flight, 5);
	assert_int_equal(p->request_timeout_ns, 30 * SIM_S);
	assert_int_equal(p->retries, 2147483647);
	assert_int_equal(p->retry_backoff_ns, 100 * SIM_MS);
	assert_int_equal(p->retry_backoff_max_ns, SIM_S);
	assert_int_equal(p->delivery_timeout_ns, 120 * SIM_S);
	assert_true(p->enable_idempotence);
	assert_false(p->partitioner_ignore_keys);
	assert_true(p->partitioner_adaptive);
	assert_int_equal(p->partitioner, PART_DEFAULT);
	assert_int_equal(p->metadata_max_age_ns, 300 * SIM_S);
	scenario_release(&sc);
}

static void test_group_defaults(void **state)
{
	struct scenario sc;
	const struct group_cfg *g;

	(void)state;
	assert_int_equal(scenario_load("tests/good/minimal.yaml", &sc, stderr), 0);
	assert_int_equal(sc.n_groups, 1);
	g = &sc.groups[0];
	assert_string_equal(g->name, "readers");
	assert_int_equal(g->topic, 0);
	assert_int_equal(g->members, 1);
	assert_false(g->static_members);
	assert_int_equal(g->poll_overhead_ns.kind, DIST_CONSTANT);
	assert_near(g->record_ns.a, 0, 0);
	assert_false(g->async_workers);
	assert_int_equal(g->idempotence, IDEM_NONE);
	assert_int_equal(g->commit, COMMIT_AUTO);
	assert_int_equal(g->fetch_min_bytes, 1);
	assert_int_equal(g->fetch_max_wait_ns, 500 * SIM_MS);
	assert_int_equal(g->max_partition_fetch_bytes, 1048576);
	assert_int_equal(g->fetch_max_bytes, 52428800);
	assert_int_equal(g->max_poll_records, 500);
	assert_true(g->enable_auto_commit);
	assert_int_equal(g->auto_commit_interval_ns, 5 * SIM_S);
	assert_int_equal(g->auto_offset_reset, RESET_LATEST);
	assert_int_equal(g->session_timeout_ns, 45 * SIM_S);
	assert_int_equal(g->heartbeat_interval_ns, 3 * SIM_S);
	assert_int_equal(g->max_poll_interval_ns, 300 * SIM_S);
	assert_int_equal(g->n_strategies, 2);
	assert_int_equal(g->strategies[0], ASG_RANGE);
	assert_int_equal(g->strategies[1], ASG_COOPERATIVE_STICKY);
	scenario_release(&sc);
}

static void test_full_clients(void **state)
{
	struct scenario sc;
	const struct producer_cfg *p;
	const struct group_cfg *g;

	(void)state;
	assert_int_equal(scenario_load("tests/good/full.yaml", &sc, stderr), 0);
	assert_string_equal(sc.description, "every section of the schema in one file");
	assert_int_equal(sc.seed, 42);
	assert_int_equal(sc.sample_interval_ns, 500 * SIM_MS);
	assert_int_equal(sc.cluster.controllers, 3);
	assert_int_equal(sc.cluster.net_bytes_per_s, 125000000);
	assert_int_equal(sc.cluster.disk_bytes_per_s, 0);
	assert_int_equal(sc.cluster.replica_lag_time_max_ns, 10 * SIM_S);
	assert_int_equal(sc.cluster.log_retention_ns, SIM_TIME_MAX);
	assert_int_equal(sc.cluster.truncation, TRUNC_HIGH_WATERMARK);
	assert_int_equal(sc.topics[0].unclean_leader_election_enable, 1);
	assert_int_equal(sc.topics[0].retention_ns, 60 * SIM_S);
	assert_int_equal(sc.topics[0].retention_bytes, 1000000);
	p = &sc.producers[0];
	assert_int_equal(p->acks, ACKS_1);
	assert_int_equal(p->linger_ns, 0);
	assert_int_equal(p->batch_size, 32768);
	assert_false(p->enable_idempotence);
	assert_int_equal(p->partitioner, PART_ROUND_ROBIN);
	assert_int_equal(p->arrival, ARRIVAL_CONSTANT);
	assert_int_equal(p->start_ns, SIM_S);
	assert_int_equal(p->stop_ns, 50 * SIM_S);
	assert_int_equal(p->record_bytes.kind, DIST_UNIFORM);
	assert_near(p->record_bytes.b, 1024, 0);
	assert_int_equal(p->keys, KEYS_ZIPF);
	assert_int_equal(p->key_count, 10000);
	assert_near(p->key_zipf_s, 1.1, 1e-12);
	assert_near(sc.producers[1].rate_per_s, 2, 1e-12);
	assert_int_equal(sc.producers[1].topic, 1);
	assert_int_equal(sc.producers[1].fixed_partition, 1);
	assert_int_equal(sc.producers[1].keys, KEYS_UNIFORM);
	g = &sc.groups[0];
	assert_true(g->static_members);
	assert_int_equal(g->commit, COMMIT_SYNC);
	assert_false(g->enable_auto_commit); /* commit: sync turns it off */
	assert_int_equal(g->idempotence, IDEM_PROCESSED_TABLE);
	assert_int_equal(g->record_ns.kind, DIST_EXPONENTIAL);
	assert_near(g->record_ns.a, 200000, 0);
	assert_near(g->poll_overhead_ns.a, 1e6, 0);
	assert_int_equal(g->auto_offset_reset, RESET_EARLIEST);
	assert_int_equal(g->n_strategies, 1);
	assert_int_equal(g->strategies[0], ASG_STICKY);
	assert_int_equal(sc.groups[1].n_strategies, 2);
	assert_int_equal(sc.groups[1].strategies[0], ASG_ROUNDROBIN);
	scenario_release(&sc);
}

static void test_full_faults(void **state)
{
	struct scenario sc;
	const struct fault_cfg *f;

	(void)state;
	assert_int_equal(scenario_load("tests/good/full.yaml", &sc, stderr), 0);
	assert_int_equal(sc.n_faults, 15);
	f = sc.faults;
	assert_int_equal(f[0].kind, FAULT_CRASH);
	assert_int_equal(f[0].at_ns, 20 * SIM_S);
	assert_int_equal(f[0].for_ns, 10 * SIM_S);
	assert_int_equal(f[0].target.kind, NODE_BROKER);
	assert_int_equal(f[0].target.index, 1);
	assert_true(f[0].lose_unflushed);
	assert_int_equal(f[1].kind, FAULT_RESTART);
	assert_true(f[2].disk_stall);
	assert_int_equal(f[3].target.kind, NODE_MEMBER);
	assert_int_equal(f[3].target.index, 1);
	assert_near(f[3].slow_factor, 5, 0);
	assert_int_equal(f[4].kind, FAULT_PARTITION);
	assert_int_equal(f[4].n_a, 1);
	assert_int_equal(f[4].n_b, 3);
	assert_int_equal(f[4].b[2].kind, NODE_CONTROLLER);
	assert_false(f[4].one_way);
	assert_near(f[5].fraction, 0.5, 0);
	assert_true(f[5].one_way);
	assert_int_equal(f[6].a[0].kind, NODE_PRODUCER);
	assert_int_equal(f[6].a[0].index, 0);
	assert_int_equal(f[6].extra_ns, 50 * SIM_MS);
	assert_int_equal(f[8].kind, FAULT_JOIN);
	assert_int_equal(f[8].group, 0);
	assert_int_equal(f[8].target.index, 4); /* billing-4 */
	assert_int_equal(f[9].target.index, 4);
	assert_int_equal(f[9].target.group, 0);
	assert_int_equal(f[11].reset, RESET_SHIFT_BY);
	assert_int_equal(f[11].reset_value, -100);
	assert_int_equal(f[11].topic, 0);
	assert_int_equal(f[12].reset, RESET_TO_DATETIME);
	assert_int_equal(f[12].reset_value, 10 * SIM_S);
	assert_int_equal(f[14].new_partitions, 16);
	assert_int_equal(f[14].loc.line, 74);
	assert_int_equal(f[14].loc.column, 5);
	assert_int_equal(sc.n_snapshots, 3);
	assert_int_equal(sc.snapshots[2], 60 * SIM_S);
	assert_int_equal(sc.n_expects, 3);
	assert_string_equal(sc.expects[0].path, "checker.acked_lost");
	assert_int_equal(sc.expects[0].op, EXP_GT);
	assert_int_equal(sc.expects[1].op, EXP_GE);
	assert_near(sc.expects[1].value, 1000, 0);
	assert_int_equal(sc.expects[2].op, EXP_EQ);
	assert_string_equal(sc.expects[1].text, ">= 1000");
	scenario_release(&sc);
}

/* Joins name new members by time, not by file order. */
static void test_join_order(void **state)
{
	struct scenario sc;

	(void)state;
	load_ok(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o, members: 2 }]\n"
		"faults:\n  - { at: 30s, join: g }\n  - { at: 10s, join: g }\n"
		"  - { at: 20s, crash: g-3 }\n  - { at: 40s, leave: g-4 }\n", &sc);
	assert_int_equal(sc.faults[0].target.index, 4);
	assert_int_equal(sc.faults[1].target.index, 3);
	assert_int_equal(sc.faults[2].target.index, 3);
	scenario_release(&sc);
	load_bad(BASE "topics: [{ name: o }]\n"
		 "consumer_groups: [{ name: g, topic: o, members: 2 }]\n"
		 "faults:\n  - { at: 30s, join: g }\n  - { at: 20s, leave: g-3 }\n",
		 "g-3 does not exist yet at 20s");
}

/* Kafka: default idempotence gives way to acks=1; delivery.timeout.ms is raised to
 * linger.ms + request.timeout.ms; enable.auto.commit: false means manual commits. */
static void test_kafka_rules(void **state)
{
	struct scenario sc;

	(void)state;
	load_ok(BASE "topics: [{ name: o }]\nproducers:\n"
		"  - { name: a, topic: o, rate: 1/s, config: { acks: 1 } }\n"
		"  - { name: b, topic: o, rate: 1/s,\n"
		"      config: { linger.ms: 100s, retry.backoff.ms: 2s } }\n"
		"  - { name: c, topic: o, rate: 1/s,\n"
		"      config: { max.in.flight.requests.per.connection: 6 } }\n"
		"consumer_groups: [{ name: g, topic: o, config: { enable.auto.commit: false } }]\n",
		&sc);
	assert_false(sc.producers[0].enable_idempotence);
	assert_true(sc.producers[1].enable_idempotence);
	assert_false(sc.producers[2].enable_idempotence);
	assert_int_equal(sc.producers[1].delivery_timeout_ns, 130 * SIM_S);
	assert_int_equal(sc.producers[1].retry_backoff_max_ns, 2 * SIM_S);
	assert_int_equal(sc.groups[0].commit, COMMIT_SYNC);
	scenario_release(&sc);
	load_bad(BASE "topics: [{ name: o }]\nproducers: [{ name: a, topic: o, rate: 1/s, config: "
		 "{ enable.idempotence: true, max.in.flight.requests.per.connection: 6 } }]\n",
		 "6 conflicts with enable.idempotence: true");
	load_bad(BASE "topics: [{ name: o }]\nproducers: [{ name: a, topic: o, rate: 1/s, config: "
		 "{ enable.idempotence: true, retries: 0 } }]\n", "retries 0 conflicts");
	load_bad(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o, commit: auto,"
		 " config: { enable.auto.commit: false } }]\n", "commit: auto conflicts");
}

/* GroupCoordinator.handleJoinGroup: INVALID_SESSION_TIMEOUT unless group.min.session.timeout.ms
 * <= session.timeout.ms <= group.max.session.timeout.ms (6 s and 30 min by default, both
 * inclusive); a cluster may move the bounds, as an operator would. */
static void test_session_timeout_bounds(void **state)
{
	struct scenario sc;

	(void)state;
	load_ok(BASE "topics: [{ name: o }]\nconsumer_groups:\n"
		"  - { name: a, topic: o, config: { session.timeout.ms: 6000 } }\n"
		"  - { name: b, topic: o, config: { session.timeout.ms: 30m } }\n", &sc);
	assert_int_equal(sc.cluster.group_min_session_timeout_ns, 6 * SIM_S);
	assert_int_equal(sc.cluster.group_max_session_timeout_ns, 1800 * SIM_S);
	scenario_release(&sc);
	load_bad(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o,\n"
		 "  config: { session.timeout.ms: 1, heartbeat.interval.ms: 1 } }]\n",
		 "inline.yaml:5:33: consumer_groups[0].config.session.timeout.ms: 1ms is below "
		 "the cluster's group.min.session.timeout.ms 6s");
	load_bad(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o,\n"
		 "  config: { session.timeout.ms: 5999 } }]\n", "expected 6s to 30m");
	load_bad(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o,\n"
		 "  config: { session.timeout.ms: 1800001 } }]\n",
		 "is above the cluster's group.max.session.timeout.ms 30m");
	load_ok(BASE "cluster: { config: { group.min.session.timeout.ms: 1000 } }\n"
		"topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o,\n"
		"  config: { session.timeout.ms: 1000, heartbeat.interval.ms: 300 } }]\n", &sc);
	assert_int_equal(sc.groups[0].session_timeout_ns, SIM_S);
	scenario_release(&sc);
	load_bad(BASE "cluster: { config: { group.max.session.timeout.ms: 30s } }\n"
		 "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o }]\n",
		 "45s (the default) is above the cluster's group.max.session.timeout.ms 30s");
	load_bad(BASE "cluster: { config: { group.min.session.timeout.ms: 10s,\n"
		 "                     group.max.session.timeout.ms: 5s } }\n",
		 "group.max.session.timeout.ms: 5s is below group.min.session.timeout.ms 10s");
}

static void test_value_forms(void **state)
{
	struct scenario sc;
	const struct group_cfg *g;

	(void)state;
	load_ok(BASE "cluster:\n  network: { latency: 1ms, bandwidth: 10Gbit/s }\n"
		"  config: { log.flush.interval.ms: 9223372036854775807, log.retention.ms: 1h,"
		" replica.fetch.max.bytes: 2MiB, min.insync.replicas: \"2\" }\n"
		"topics: [{ name: o, config: { retention.ms: -1 } }]\n"
		"producers: [{ name: a, topic: o, rate: 5/ms, keys: { count: 7 },"
		" config: { acks: -1, linger.ms: 250us } }]\n"
		"consumer_groups:\n  - name: g\n    topic: o\n    processing:\n"
		"      per_poll: { dist: gamma, shape: 2, mean: 4ms }\n"
		"      per_record: { dist: lognormal, mu: 10, sigma: 0.5 }\n"
		"    config: { partition.assignment.strategy: \"range,org.apache.kafka.clients."
		"consumer.RoundRobinAssignor\", max.poll.interval.ms: 1m }\n", &sc);
	assert_int_equal(sc.cluster.net_latency_ns.kind, DIST_CONSTANT);
	assert_near(sc.cluster.net_latency_ns.a, 1e6, 0);
	assert_int_equal(sc.cluster.net_bytes_per_s, 1250000000);
	assert_int_equal(sc.cluster.log_flush_interval_ns, SIM_TIME_MAX);
	assert_int_equal(sc.cluster.log_retention_ns, 3600 * SIM_S);
	assert_int_equal(sc.cluster.replica_fetch_max_bytes, 2097152);
	assert_int_equal(sc.cluster.min_insync_replicas, 2);
	assert_int_equal(sc.topics[0].retention_ns, SIM_TIME_MAX);
	assert_near(sc.producers[0].rate_per_s, 5000, 1e-9);
	assert_int_equal(sc.producers[0].keys, KEYS_UNIFORM);
	assert_int_equal(sc.producers[0].key_count, 7);
	assert_int_equal(sc.producers[0].acks, ACKS_ALL);
	assert_int_equal(sc.producers[0].linger_ns, 250 * SIM_US);
	g = &sc.groups[0];
	assert_int_equal(g->poll_overhead_ns.kind, DIST_GAMMA);
	assert_near(g->poll_overhead_ns.a, 2, 0);
	assert_near(g->poll_overhead_ns.b, 2e6, 0);
	assert_int_equal(g->record_ns.kind, DIST_LOGNORMAL);
	assert_near(g->record_ns.b, 0.5, 0);
	assert_int_equal(g->n_strategies, 2);
	assert_int_equal(g->strategies[1], ASG_ROUNDROBIN);
	assert_int_equal(g->max_poll_interval_ns, 60 * SIM_S);
	scenario_release(&sc);
}

static void test_load_errors(void **state)
{
	struct scenario sc;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);

	(void)state;
	assert_int_equal(scenario_load("tests/good/no-such-file.yaml", &sc, err), 1);
	fclose(err);
	assert_non_null(strstr(msgs, "tests/good/no-such-file.yaml: cannot open the scenario"));
	free(msgs);
	load_bad(BASE "topics: [{ name: o }]\n"
		 "producers: [{ name: broker-2, topic: o, rate: 1/s }]\n",
		 "producers[0].name: 'broker-2' is the form of broker");
	load_bad(BASE "topics: [{ name: o }]\nconsumer_groups: [{ name: g, topic: o }]\n"
		 "producers: [{ name: g-1, topic: o, rate: 1/s }]\n", "member of group g");
	load_bad(BASE "faults:\n  - { at: 1s, slow: broker-1 }\n", "needs disk_stall: true or");
	load_bad(BASE "faults:\n  - { at: 1s, drop: { to: [broker-1] } }\n",
		 "faults[0].drop.from: missing required key");
	load_bad(BASE "faults:\n  - { at: 1s, reset_offsets: nope, to: earliest }\n",
		 "unknown consumer group 'nope'");
	load_bad(BASE "cluster: { network: { latency: { dist: uniform, min: 2ms, max: 1ms } } }\n",
		 "max 1ms is below min 2ms");
	load_bad(BASE "cluster: { network: { latency: { dist: gamma, shape: 2 } } }\n",
		 "scale is missing");
	load_bad(BASE "expect: [ { a: 1, b: 2 } ]\n", "several keys");
}

static void test_write_config(void **state)
{
	struct scenario sc;
	struct jsonw w, w2;

	(void)state;
	assert_int_equal(scenario_load("tests/good/minimal.yaml", &sc, stderr), 0);
	jsonw_init(&w, false);
	jsonw_init(&w2, false);
	scenario_write_config(&sc, &w);
	scenario_write_config(&sc, &w2);
	assert_int_equal(w.len, w2.len);
	assert_memory_equal(w.buf, w2.buf, w.len);
	assert_true(w.len > 100 && w.buf[0] == '{' && w.buf[w.len - 1] == '}');
	jsonw_str(&w, ""); /* make buf a C string for strstr */
	assert_non_null(strstr(w.buf, "\"acks\":\"all\""));
	assert_non_null(strstr(w.buf, "\"linger.ms\":5,"));
	assert_non_null(strstr(w.buf, "\"batch.size\":16384"));
	assert_non_null(strstr(w.buf, "\"session.timeout.ms\":45000"));
	assert_non_null(strstr(w.buf, "\"partition.assignment.strategy\":[\"range\","
				      "\"cooperative-sticky\"]"));
	assert_non_null(strstr(w.buf, "\"duration\":\"30s\""));
	assert_non_null(strstr(w.buf, "\"latency\":{\"dist\":\"lognormal\",\"mu\":"));
	assert_non_null(strstr(w.buf, "\"min.insync.replicas\":1,\"unclean"));
	assert_non_null(strstr(w.buf, "\"log.retention.ms\":604800000"));
	jsonw_release(&w);
	jsonw_release(&w2);
	scenario_release(&sc);
}

/* --help and the markdown reference list every setting, and Kafka's defaults. */
static void test_docs(void **state)
{
	size_t n, len = 0;
	const struct setting *all = settings_all(&n);
	char *help = NULL, *md = NULL;
	FILE *f = open_memstream(&help, &len);

	(void)state;
	settings_print_help(f);
	fclose(f);
	f = open_memstream(&md, &len);
	settings_print_markdown(f);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		char cell[128];
		snprintf(cell, sizeof cell, "| `%s` |", all[i].name);
		if (!strstr(help, all[i].name) || !strstr(md, cell))
			fail_msg("%s is missing from the docs", all[i].name);
	}
	assert_non_null(strstr(md, "| `linger.ms` | ms | `5` |"));
	assert_non_null(strstr(md, "| `acks` | all \\| 1 \\| 0 | `all` |"));
	assert_non_null(strstr(help, "partition.assignment.strategy"));
	assert_non_null(strstr(md, "`add_partitions`"));
	free(help);
	free(md);
}

static void test_settings_lookup(void **state)
{
	const char *cands[] = { "linger.ms", "acks", "batch.size", "retries" };

	(void)state;
	assert_non_null(settings_find(LVL_PRODUCER_CONFIG, "acks"));
	assert_null(settings_find(LVL_PRODUCER_CONFIG, "min.insync.replicas"));
	assert_non_null(settings_elsewhere(LVL_PRODUCER_CONFIG, "min.insync.replicas"));
	assert_string_equal(settings_suggest("lingr.ms", cands, 4), "linger.ms");
	assert_string_equal(settings_suggest("linger", cands, 4), "linger.ms");
	assert_string_equal(settings_suggest("ACKS", cands, 4), "acks");
	assert_string_equal(settings_suggest("ackz", cands, 4), "acks");
	assert_null(settings_suggest("compression.type", cands, 4));
	assert_int_equal(settings_distance("acks", "akcs", 2), 1);
	assert_int_equal(settings_distance("kitten", "sitting", 5), 3);
	assert_int_equal(settings_distance("abc", "abcdefgh", 2), 3);
}

/* scenario_defaults applies the same defaults as loading. */
static void test_defaults_struct(void **state)
{
	struct scenario sc;

	(void)state;
	scenario_defaults(&sc);
	assert_int_equal(sc.cluster.brokers, 3);
	assert_int_equal(sc.cluster.replica_lag_time_max_ns, 30 * SIM_S);
	assert_int_equal(sc.seed, 1);
	assert_int_equal(sc.duration_ns, 0);
	scenario_release(&sc);
}

/* The expected errors of one bad file, from its `# expect: L:C: text` header lines. */
struct expectation {
	char pos[32];
	char text[512];
};

static int read_expectations(const char *path, struct expectation *out, int max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) && strncmp(line, "#", 1) == 0) {
		char *p = line + strlen("# expect: "), *sep;
		if (strncmp(line, "# expect: ", 10) != 0 || n == max)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!(sep = strstr(p, ": ")))
			fail_msg("%s: malformed expect line: %s", path, line);
		snprintf(out[n].pos, sizeof out[n].pos, "%.*s", (int)(sep - p), p);
		snprintf(out[n].text, sizeof out[n].text, "%s", sep + 2);
		n++;
	}
	fclose(f);
	return n;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void check_bad_file(const char *path, int *many)
{
	struct expectation exp[32];
	struct scenario sc;
	char *msgs = NULL, prefix[600];
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	int want = read_expectations(path, exp, 32), got;

	if (want == 0)
		fail_msg("%s has no '# expect: LINE:COL: text' lines", path);
	got = scenario_load(path, &sc, err);
	fclose(err);
	assert_null(sc.topics);
	assert_null(sc.file);
	if (got < 1 || got != count_lines(msgs))
		fail_msg("%s: %d errors counted, printed:\n%s", path, got, msgs);
	for (int i = 0; i < want; i++) {
		bool found = false;
		int w = snprintf(prefix, sizeof prefix, "%s:%s: ", path, exp[i].pos);
		if (w < 0 || w >= (int)sizeof prefix)
			fail_msg("%s: path too long", path);
		for (char *l = msgs; *l && !found; l += strcspn(l, "\n") + 1) {
			char *nl = l + strcspn(l, "\n");
			*nl = '\0';
			found = strncmp(l, prefix, strlen(prefix)) == 0 && strstr(l, exp[i].text);
			*nl = '\n';
		}
		if (!found)
			fail_msg("%s: no error '%s%s' among:\n%s", path, prefix, exp[i].text, msgs);
	}
	if (got != want)
		fail_msg("%s: %d errors, %d expected:\n%s", path, got, want, msgs);
	if (want >= 5)
		(*many)++;
	free(msgs);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bad_corpus(void **state)
{
	DIR *d = opendir("tests/bad");
	struct dirent *e;
	char *names[512];
	int n = 0, many = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) && n < 512) {
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) {
			names[n] = malloc(l + 16);
			snprintf(names[n++], l + 16, "tests/bad/%s", e->d_name);
		}
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], name_cmp);
	for (int i = 0; i < n; i++) {
		check_bad_file(names[i], &many);
		free(names[i]);
	}
	if (n < 25)
		fail_msg("only %d bad scenarios in tests/bad", n);
	assert_true(many >= 1); /* a file with several mistakes reports every one */
}

/* Every good file loads; its effective configuration is written without surprises. */
static void test_good_corpus(void **state)
{
	DIR *d = opendir("tests/good");
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];
		struct scenario sc;
		struct jsonw w;
		size_t l = strlen(e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof path, "tests/good/%s", e->d_name);
		if (scenario_load(path, &sc, stderr) != 0)
			fail_msg("%s does not load", path);
		jsonw_init(&w, true);
		scenario_write_config(&sc, &w);
		assert_true(w.len > 0 && w.depth == 0);
		jsonw_release(&w);
		scenario_release(&sc);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_producer_defaults),
		cmocka_unit_test(test_group_defaults),
		cmocka_unit_test(test_full_clients),
		cmocka_unit_test(test_full_faults),
		cmocka_unit_test(test_join_order),
		cmocka_unit_test(test_kafka_rules),
		cmocka_unit_test(test_session_timeout_bounds),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_write_config),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_settings_lookup),
		cmocka_unit_test(test_defaults_struct),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_good_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
