/*
 * settings.c - the table of every scenario setting, and what reads it without a YAML
 * document: lookups, "did you mean" suggestions, expected-value texts, --help and the
 * markdown reference.
 *
 * Defaults are Kafka's (3.x/4.x, see models/config.h and shared/KAFKA-FACTS.md) and are
 * written in scenario syntax, so the loader applies them through the same code path as
 * values from a file, and the docs print them as a user would write them. Kafka *.ms
 * settings take an integer of milliseconds, as in Kafka, or a duration such as "30s"
 * (Kafka's *.seconds settings an integer of seconds).
 */
#include "settings.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "units.h"

_Static_assert(sizeof(enum ks_acks) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum ks_assignor) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum ks_truncation) == sizeof(int), "enums are stored as int");

static const struct set_enum acks_names[] = {
	{ "all", ACKS_ALL }, { "1", ACKS_1 }, { "0", ACKS_0 }, { "-1", ACKS_ALL }, { NULL, 0 },
};
static const struct set_enum truncation_names[] = {
	{ "leader-epoch", TRUNC_LEADER_EPOCH }, { "high-watermark", TRUNC_HIGH_WATERMARK },
	{ NULL, 0 },
};
static const struct set_enum arrival_names[] = {
	{ "poisson", ARRIVAL_POISSON }, { "constant", ARRIVAL_CONSTANT }, { NULL, 0 },
};
static const struct set_enum partitioner_names[] = {
	{ "default", PART_DEFAULT },
	{ "RoundRobinPartitioner", PART_ROUND_ROBIN },
	{ "UniformSticky", PART_STICKY_KIP480 },
	{ "BuiltInPartitioner", PART_DEFAULT },
	{ "org.apache.kafka.clients.producer.RoundRobinPartitioner", PART_ROUND_ROBIN },
	{ "UniformStickyPartitioner", PART_STICKY_KIP480 },
	{ "org.apache.kafka.clients.producer.UniformStickyPartitioner", PART_STICKY_KIP480 },
	{ NULL, 0 },
};
static const struct set_enum idem_names[] = {
	{ "none", IDEM_NONE }, { "dedupe_in_batch", IDEM_DEDUPE_IN_BATCH },
	{ "processed_table", IDEM_PROCESSED_TABLE }, { NULL, 0 },
};
static const struct set_enum commit_names[] = {
	{ "auto", COMMIT_AUTO }, { "sync", COMMIT_SYNC }, { "async", COMMIT_ASYNC },
	{ "before-process", COMMIT_BEFORE_PROCESS }, { NULL, 0 },
};
static const struct set_enum reset_names[] = {
	{ "latest", RESET_LATEST }, { "earliest", RESET_EARLIEST }, { "none", RESET_NONE },
	{ NULL, 0 },
};
static const struct set_enum assignor_names[] = {
	{ "range", ASG_RANGE },
	{ "roundrobin", ASG_ROUNDROBIN },
	{ "sticky", ASG_STICKY },
	{ "cooperative-sticky", ASG_COOPERATIVE_STICKY },
	{ "RangeAssignor", ASG_RANGE },
	{ "RoundRobinAssignor", ASG_ROUNDROBIN },
	{ "StickyAssignor", ASG_STICKY },
	{ "CooperativeStickyAssignor", ASG_COOPERATIVE_STICKY },
	{ "org.apache.kafka.clients.consumer.RangeAssignor", ASG_RANGE },
	{ "org.apache.kafka.clients.consumer.RoundRobinAssignor", ASG_ROUNDROBIN },
	{ "org.apache.kafka.clients.consumer.StickyAssignor", ASG_STICKY },
	{ "org.apache.kafka.clients.consumer.CooperativeStickyAssignor", ASG_COOPERATIVE_STICKY },
	{ NULL, 0 },
};

#define MS_ (SIM_MS)
#define NS_MAX SIM_TIME_MAX

/* One entry: level L, base struct T, field f, YAML key k, type ty, flags fl, bounds, default d. */
#define ENTRY(L, T, f, k, ty, fl, lo, hi, d, dc)                                          \
	{ .level = (L), .name = (k), .type = (ty), .flags = (fl), .min = (lo), .max = (hi),  \
	  .def = (d), .off = offsetof(T, f), .doc = (dc) }
#define UNSET(L, T, f, k, ty, fl, lo, hi, u, udoc, dc)                                    \
	{ .level = (L), .name = (k), .type = (ty), .flags = (fl), .min = (lo), .max = (hi),  \
	  .unset = (u), .def_doc = (udoc), .off = offsetof(T, f), .doc = (dc) }
#define ENUMS(L, T, f, k, nm, d, dc)                                                     \
	{ .level = (L), .name = (k), .type = SET_ENUM, .names = (nm), .def = (d),           \
	  .off = offsetof(T, f), .doc = (dc) }
#define SECTION(L, T, f, k, ch, dc)                                                       \
	{ .level = (L), .name = (k), .type = SET_SECTION, .child = (ch), .off = (f),         \
	  .doc = (dc) }
#define LIST(k, ch, ET, arr, cnt, dc)                                                     \
	{ .level = LVL_SCENARIO, .name = (k), .type = SET_LIST, .child = (ch),               \
	  .off = offsetof(struct scenario, arr), .off_count = offsetof(struct scenario, cnt), \
	  .elem_size = sizeof(ET), .off_loc = offsetof(ET, loc), .doc = (dc) }

#define SC struct scenario
#define CL struct cluster_cfg
#define TP struct topic_cfg
#define PR struct producer_cfg
#define GR struct group_cfg

static const struct setting table[] = {
	/* top level */
	ENTRY(LVL_SCENARIO, SC, name, "name", SET_NAME, SF_REQUIRED, 0, 0, NULL,
	      "Scenario name, [A-Za-z0-9._-]+; runs write to output/<name>/."),
	UNSET(LVL_SCENARIO, SC, description, "description", SET_TEXT, 0, 0, 0, 0, "none",
	      "What the scenario shows, in a sentence or two."),
	ENTRY(LVL_SCENARIO, SC, seed, "seed", SET_UINT64, 0, 0, 0, "1",
	      "Root seed of every random stream; the same seed gives the same run."),
	ENTRY(LVL_SCENARIO, SC, duration_ns, "duration", SET_DURATION, SF_REQUIRED, 1, NS_MAX,
	      NULL, "Simulated time the run covers."),
	ENTRY(LVL_SCENARIO, SC, sample_interval_ns, "sample_interval", SET_DURATION, 0, SIM_US,
	      NS_MAX, "1s", "Interval between metrics.csv rows."),
	SECTION(LVL_SCENARIO, SC, offsetof(SC, cluster), "cluster", LVL_CLUSTER,
		"Brokers, controllers, network, disks and broker settings."),
	LIST("topics", LVL_TOPIC, TP, topics, n_topics, "Topics, created before the run starts."),
	LIST("producers", LVL_PRODUCER, PR, producers, n_producers,
	     "Producers: a record source each, with Kafka producer settings."),
	LIST("consumer_groups", LVL_GROUP, GR, groups, n_groups,
	     "Consumer groups: members, processing time, commit style, consumer settings."),
	{ .level = LVL_SCENARIO, .name = "faults", .type = SET_FAULTS,
	  .off = offsetof(SC, faults), .off_count = offsetof(SC, n_faults),
	  .doc = "The fault schedule: each entry has `at` and one action." },
	{ .level = LVL_SCENARIO, .name = "snapshots", .type = SET_SNAPSHOTS,
	  .off = offsetof(SC, snapshots), .off_count = offsetof(SC, n_snapshots),
	  .doc = "Times at which snapshots.txt records kafka-topics and kafka-consumer-groups "
		 "tables." },
	{ .level = LVL_SCENARIO, .name = "expect", .type = SET_EXPECTS,
	  .off = offsetof(SC, expects), .off_count = offsetof(SC, n_expects),
	  .doc = "Expectations on summary figures: `- checker.acked_lost: \"== 0\"`." },

	/* cluster */
	ENTRY(LVL_CLUSTER, CL, brokers, "brokers", SET_INT, 0, 1, 1000, "3",
	      "Number of brokers, named broker-1 .. broker-N (broker ids 1..N)."),
	ENTRY(LVL_CLUSTER, CL, controllers, "controllers", SET_INT, 0, 1, 9, "1",
	      "KRaft controller quorum size, named controller-1 .. controller-N."),
	SECTION(LVL_CLUSTER, CL, 0, "network", LVL_NETWORK, "Network links between all nodes."),
	SECTION(LVL_CLUSTER, CL, 0, "disk", LVL_DISK, "Broker disks."),
	SECTION(LVL_CLUSTER, CL, 0, "config", LVL_BROKER, "Kafka broker settings."),
	ENTRY(LVL_NETWORK, CL, net_latency_ns, "latency", SET_DIST_NS, 0, 0, 0,
	      "{dist: lognormal, median: 250us, p99: 2ms}", "One-way latency of every message."),
	ENTRY(LVL_NETWORK, CL, net_bytes_per_s, "bandwidth", SET_BANDWIDTH, 0, 0, INT64_MAX,
	      "1250MB/s", "Per broker and direction; 0 = unlimited."),
	ENTRY(LVL_DISK, CL, disk_bytes_per_s, "throughput", SET_BANDWIDTH, 0, 0, INT64_MAX,
	      "500MB/s", "Append throughput per broker; 0 = unlimited."),

	/* cluster.config: Kafka broker settings */
	ENTRY(LVL_BROKER, CL, replica_lag_time_max_ns, "replica.lag.time.max.ms", SET_MS, 0, 0,
	      NS_MAX, "30000", "A follower not caught up for this long is removed from the ISR."),
	ENTRY(LVL_BROKER, CL, replica_fetch_wait_max_ns, "replica.fetch.wait.max.ms", SET_MS, 0,
	      0, NS_MAX, "500", "Longest wait of a follower fetch for replica.fetch.min.bytes."),
	ENTRY(LVL_BROKER, CL, replica_fetch_max_bytes, "replica.fetch.max.bytes", SET_BYTES, 0,
	      0, INT32_MAX, "1048576", "Bytes a follower fetch asks for per partition."),
	ENTRY(LVL_BROKER, CL, replica_fetch_min_bytes, "replica.fetch.min.bytes", SET_BYTES, 0,
	      0, INT32_MAX, "1", "Bytes a follower fetch waits for before it is answered."),
	ENTRY(LVL_BROKER, CL, replica_fetch_backoff_ns, "replica.fetch.backoff.ms", SET_MS, 0, 0,
	      NS_MAX, "1000", "Follower pause after a failed fetch."),
	ENTRY(LVL_BROKER, CL, num_replica_fetchers, "num.replica.fetchers", SET_INT, 0, 1, 64,
	      "1", "Fetcher threads per source broker."),
	ENTRY(LVL_BROKER, CL, unclean_leader_election_enable, "unclean.leader.election.enable",
	      SET_BOOL, 0, 0, 1, "false",
	      "Elect an out-of-sync replica when no ISR member is left."),
	ENTRY(LVL_BROKER, CL, eligible_leader_replicas_enable, "eligible.leader.replicas.enable",
	      SET_BOOL, SF_SIM, 0, 1, "false",
	      "kafkasim: the KIP-966 feature eligible.leader.replicas.version=1 (off in Kafka 4.0, "
	      "on for new 4.1 clusters): replicas that left an ISR below min.insync.replicas stay "
	      "electable, cleanly."),
	ENTRY(LVL_BROKER, CL, min_insync_replicas, "min.insync.replicas", SET_INT, 0, 1, 1000,
	      "1", "ISR size below which acks=all writes fail with NOT_ENOUGH_REPLICAS."),
	ENTRY(LVL_BROKER, CL, broker_session_timeout_ns, "broker.session.timeout.ms", SET_MS, 0,
	      MS_, NS_MAX, "9000", "The controller fences a broker silent for this long; "
	      "until then it refuses a restarted broker's registration."),
	ENTRY(LVL_BROKER, CL, broker_heartbeat_interval_ns, "broker.heartbeat.interval.ms",
	      SET_MS, 0, MS_, NS_MAX, "2000", "Interval of broker heartbeats to the controller."),
	ENTRY(LVL_BROKER, CL, log_flush_interval_messages, "log.flush.interval.messages",
	      SET_LONG, 0, 1, INT64_MAX, "9223372036854775807",
	      "Flush (fsync) after this many messages; Long.MAX_VALUE = leave it to the OS."),
	UNSET(LVL_BROKER, CL, log_flush_interval_ns, "log.flush.interval.ms", SET_MS, SF_INF, 0,
	      NS_MAX, SIM_TIME_MAX, "never",
	      "Flush (fsync) a log this long after its last flush, when the log flusher looks "
	      "(log.flush.scheduler.interval.ms)."),
	UNSET(LVL_BROKER, CL, log_flush_scheduler_interval_ns, "log.flush.scheduler.interval.ms",
	      SET_MS, SF_INF, MS_, NS_MAX, SIM_TIME_MAX, "never",
	      "How often the log flusher looks for logs due a flush; Kafka's default "
	      "(Long.MAX_VALUE) never looks, so log.flush.interval.ms and flush.ms do nothing."),
	ENTRY(LVL_BROKER, CL, log_retention_ns, "log.retention.ms", SET_MS, SF_INF, 0, NS_MAX,
	      "604800000", "Delete segments older than this; -1 = no limit."),
	ENTRY(LVL_BROKER, CL, log_retention_bytes, "log.retention.bytes", SET_BYTES, 0, -1,
	      INT64_MAX, "-1", "Delete old segments above this partition size; -1 = no limit."),
	ENTRY(LVL_BROKER, CL, log_retention_check_interval_ns, "log.retention.check.interval.ms",
	      SET_MS, 0, MS_, NS_MAX, "300000", "Interval of the retention check."),
	ENTRY(LVL_BROKER, CL, group_initial_rebalance_delay_ns, "group.initial.rebalance.delay.ms",
	      SET_MS, 0, 0, NS_MAX, "3000",
	      "Wait for more members before a new group's first rebalance."),
	ENTRY(LVL_BROKER, CL, group_min_session_timeout_ns, "group.min.session.timeout.ms",
	      SET_MS, 0, 0, NS_MAX, "6000",
	      "Smallest session.timeout.ms a group member may ask for."),
	ENTRY(LVL_BROKER, CL, group_max_session_timeout_ns, "group.max.session.timeout.ms",
	      SET_MS, 0, 0, NS_MAX, "1800000",
	      "Largest session.timeout.ms a group member may ask for."),
	ENTRY(LVL_BROKER, CL, auto_leader_rebalance_enable, "auto.leader.rebalance.enable",
	      SET_BOOL, 0, 0, 1, "true",
	      "The controller moves leadership back to each partition's preferred replica (the "
	      "first) once it is in the ISR again, checking every "
	      "leader.imbalance.check.interval.seconds."),
	ENTRY(LVL_BROKER, CL, leader_imbalance_check_interval_ns,
	      "leader.imbalance.check.interval.seconds", SET_S, 0, SIM_S, NS_MAX, "300",
	      "How often the active controller runs its balancing pass."),
	ENTRY(LVL_BROKER, CL, metadata_propagation_ns, "metadata.propagation.ms", SET_MS, SF_SIM,
	      0, NS_MAX, "10",
	      "kafkasim: delay of metadata from the controller to brokers and clients."),
	ENTRY(LVL_BROKER, CL, controller_failover_ns, "controller.failover.ms", SET_MS, SF_SIM, 0,
	      NS_MAX, "1000", "kafkasim: time until a new active controller after a crash."),
	ENUMS(LVL_BROKER, CL, truncation, "replication.truncation", truncation_names,
	      "leader-epoch",
	      "kafkasim: follower truncation on rejoin: KIP-101 epochs or the old HW rule."),

	/* topics[] */
	ENTRY(LVL_TOPIC, TP, name, "name", SET_NAME, SF_REQUIRED, 0, 0, NULL, "Topic name."),
	ENTRY(LVL_TOPIC, TP, partitions, "partitions", SET_INT, 0, 1, 100000, "1",
	      "Number of partitions (Kafka's num.partitions default)."),
	ENTRY(LVL_TOPIC, TP, replication_factor, "replication.factor", SET_INT, 0, 1, 16, "1",
	      "Replicas per partition, at most the broker count (default.replication.factor)."),
	SECTION(LVL_TOPIC, TP, 0, "config", LVL_TOPIC_CONFIG, "Kafka topic settings."),
	UNSET(LVL_TOPIC_CONFIG, TP, min_insync_replicas, "min.insync.replicas", SET_INT, 0, 1,
	      1000, -1, "cluster value", "Overrides the broker's min.insync.replicas."),
	UNSET(LVL_TOPIC_CONFIG, TP, unclean_leader_election_enable,
	      "unclean.leader.election.enable", SET_TRIBOOL, 0, 0, 1, -1, "cluster value",
	      "Overrides the broker's unclean.leader.election.enable."),
	UNSET(LVL_TOPIC_CONFIG, TP, retention_ns, "retention.ms", SET_MS, SF_INF, 0, NS_MAX, -1,
	      "cluster value", "Overrides log.retention.ms; -1 = no limit."),
	UNSET(LVL_TOPIC_CONFIG, TP, retention_bytes, "retention.bytes", SET_BYTES, 0, -1,
	      INT64_MAX, -2, "cluster value", "Overrides log.retention.bytes; -1 = no limit."),
	UNSET(LVL_TOPIC_CONFIG, TP, flush_ns, "flush.ms", SET_MS, SF_INF, 0, NS_MAX, -1,
	      "cluster value", "Overrides log.flush.interval.ms."),
	UNSET(LVL_TOPIC_CONFIG, TP, flush_messages, "flush.messages", SET_LONG, 0, 1, INT64_MAX,
	      -1, "cluster value", "Overrides log.flush.interval.messages."),

	/* producers[] */
	ENTRY(LVL_PRODUCER, PR, name, "name", SET_NAME, SF_REQUIRED, 0, 0, NULL,
	      "Producer name; also its node name in faults."),
	ENTRY(LVL_PRODUCER, PR, topic, "topic", SET_TOPIC, SF_REQUIRED, 0, 0, NULL,
	      "The topic it writes to."),
	{ .level = LVL_PRODUCER, .name = "rate", .type = SET_RATE, .flags = SF_REQUIRED,
	  .dmin = 0, .dmax = 1e9, .off = offsetof(PR, rate_per_s),
	  .doc = "Records per second: 2000/s, 120/m, 5/ms." },
	ENUMS(LVL_PRODUCER, PR, arrival, "arrival", arrival_names, "poisson",
	      "Record arrivals: a Poisson process or constant spacing."),
	ENTRY(LVL_PRODUCER, PR, start_ns, "start", SET_DURATION, 0, 0, NS_MAX, "0",
	      "When the producer starts sending."),
	UNSET(LVL_PRODUCER, PR, stop_ns, "stop", SET_DURATION, 0, 0, NS_MAX, SIM_TIME_MAX,
	      "end of the run", "When the producer stops sending."),
	ENTRY(LVL_PRODUCER, PR, record_bytes, "record.size", SET_DIST_BYTES, 0, 0, 0, "100B",
	      "Bytes per record (key, value and overhead): a size or a <dist> of sizes."),
	UNSET(LVL_PRODUCER, PR, keys, "keys", SET_KEYS, 0, 0, 0, KEYS_NULL, "null keys",
	      "{ count: N } (uniform), { count: N, dist: zipf, s: 1.1 }, or null for null keys."),
	UNSET(LVL_PRODUCER, PR, fixed_partition, "partition", SET_INT, 0, 0, 99999, -1,
	      "the partitioner", "Send every record to this partition."),
	SECTION(LVL_PRODUCER, PR, 0, "config", LVL_PRODUCER_CONFIG, "Kafka producer settings."),

	/* producers[].config: Kafka producer settings */
	ENUMS(LVL_PRODUCER_CONFIG, PR, acks, "acks", acks_names, "all",
	      "Acknowledgements the leader waits for: 0, 1 or all (-1)."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, linger_ns, "linger.ms", SET_MS, 0, 0, NS_MAX, "5",
	      "Wait this long for more records before sending a batch that is not full."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, batch_size, "batch.size", SET_BYTES, 0, 0, INT32_MAX,
	      "16384", "Bytes per partition batch."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, max_in_flight, "max.in.flight.requests.per.connection",
	      SET_INT, 0, 1, INT32_MAX, "5", "Unacknowledged requests per broker connection."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, request_timeout_ns, "request.timeout.ms", SET_MS, 0, 0,
	      NS_MAX, "30000", "A request unanswered for this long fails and may be retried."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, retries, "retries", SET_LONG, 0, 0, INT32_MAX,
	      "2147483647", "Retries of a failed batch (bounded by delivery.timeout.ms)."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, retry_backoff_ns, "retry.backoff.ms", SET_MS, 0, 0, NS_MAX,
	      "100", "Initial wait before a retry."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, retry_backoff_max_ns, "retry.backoff.max.ms", SET_MS, 0, 0,
	      NS_MAX, "1000", "Upper bound of the exponential retry backoff."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, delivery_timeout_ns, "delivery.timeout.ms", SET_MS, 0, 0,
	      NS_MAX, "120000", "A record not acknowledged this long after send() fails."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, enable_idempotence, "enable.idempotence", SET_BOOL, 0, 0,
	      1, "true", "Producer ids and sequence numbers: no duplicates, order kept on retry."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, partitioner_ignore_keys, "partitioner.ignore.keys",
	      SET_BOOL, 0, 0, 1, "false", "Treat keyed records like null-key records."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, partitioner_adaptive,
	      "partitioner.adaptive.partitioning.enable", SET_BOOL, 0, 0, 1, "true",
	      "Sticky partitioning favours partitions with shorter queues (KIP-794)."),
	ENUMS(LVL_PRODUCER_CONFIG, PR, partitioner, "partitioner.class", partitioner_names,
	      "default", "default (KIP-794), RoundRobinPartitioner, or UniformSticky (KIP-480)."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, metadata_max_age_ns, "metadata.max.age.ms", SET_MS, 0, 0,
	      NS_MAX, "300000", "Refresh metadata at least this often."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, reconnect_backoff_ns, "reconnect.backoff.ms", SET_MS, 0, 0,
	      NS_MAX, "50", "Wait before reconnecting to a broker whose connection closed."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, reconnect_backoff_max_ns, "reconnect.backoff.max.ms", SET_MS,
	      0, 0, NS_MAX, "1000", "Upper bound of the doubling reconnect backoff."),
	ENTRY(LVL_PRODUCER_CONFIG, PR, connection_setup_timeout_ns,
	      "socket.connection.setup.timeout.ms", SET_MS, 0, MS_, NS_MAX, "10000",
	      "A connection attempt unanswered this long fails (a broker cut off by the network)."),

	/* consumer_groups[] */
	ENTRY(LVL_GROUP, GR, name, "name", SET_NAME, SF_REQUIRED, 0, 0, NULL,
	      "Group id; members are named <name>-1 .. <name>-M."),
	ENTRY(LVL_GROUP, GR, topic, "topic", SET_TOPIC, SF_REQUIRED, 0, 0, NULL,
	      "The topic the group subscribes to."),
	ENTRY(LVL_GROUP, GR, members, "members", SET_INT, 0, 0, 10000, "1",
	      "Members at the start; join faults add more."),
	ENTRY(LVL_GROUP, GR, static_members, "static", SET_BOOL, 0, 0, 1, "false",
	      "Static membership: group.instance.id = the member name."),
	SECTION(LVL_GROUP, GR, 0, "processing", LVL_PROCESSING, "Time the application spends."),
	ENUMS(LVL_GROUP, GR, idempotence, "idempotence", idem_names, "none",
	      "Application-side de-duplication of redelivered records."),
	{ .level = LVL_GROUP, .name = "commit", .type = SET_ENUM, .names = commit_names,
	  .def = "auto", .off = offsetof(GR, commit),
	  .doc = "auto needs enable.auto.commit true; the others set it false (default: auto, "
		 "or sync when enable.auto.commit is false)." },
	SECTION(LVL_GROUP, GR, 0, "config", LVL_GROUP_CONFIG, "Kafka consumer settings."),
	ENTRY(LVL_PROCESSING, GR, poll_overhead_ns, "per_poll", SET_DIST_NS, 0, 0, 0, "0",
	      "Time per poll() batch: a duration or a <dist> of durations."),
	ENTRY(LVL_PROCESSING, GR, record_ns, "per_record", SET_DIST_NS, 0, 0, 0, "0",
	      "Time per record: a duration or a <dist> of durations."),
	ENTRY(LVL_PROCESSING, GR, async_workers, "async", SET_BOOL, 0, 0, 1, "false",
	      "Hand records to workers and poll again at once."),
	ENTRY(LVL_GROUP, GR, lag_window, "lag_window", SET_INT, 0, 1, 1000, "10",
	      "Lag status: committed offsets kept per partition (Burrow's intervals)."),
	ENTRY(LVL_GROUP, GR, lag_min_distance_ns, "lag_min_distance", SET_DURATION, 0, 0, NS_MAX,
	      "1s", "Lag status: a commit closer than this to the last one replaces it."),

	/* consumer_groups[].config: Kafka consumer settings */
	ENTRY(LVL_GROUP_CONFIG, GR, fetch_min_bytes, "fetch.min.bytes", SET_BYTES, 0, 0,
	      INT32_MAX, "1", "Bytes a fetch waits for before it is answered."),
	ENTRY(LVL_GROUP_CONFIG, GR, fetch_max_wait_ns, "fetch.max.wait.ms", SET_MS, 0, 0, NS_MAX,
	      "500", "Longest wait of a fetch for fetch.min.bytes."),
	ENTRY(LVL_GROUP_CONFIG, GR, max_partition_fetch_bytes, "max.partition.fetch.bytes",
	      SET_BYTES, 0, 0, INT32_MAX, "1048576", "Bytes per partition in one fetch."),
	ENTRY(LVL_GROUP_CONFIG, GR, fetch_max_bytes, "fetch.max.bytes", SET_BYTES, 0, 0,
	      INT32_MAX, "52428800", "Bytes in one fetch response."),
	ENTRY(LVL_GROUP_CONFIG, GR, max_poll_records, "max.poll.records", SET_INT, 0, 1,
	      INT32_MAX, "500", "Records one poll() returns at most."),
	ENTRY(LVL_GROUP_CONFIG, GR, enable_auto_commit, "enable.auto.commit", SET_BOOL, 0, 0, 1,
	      "true", "Commit polled offsets in the background."),
	ENTRY(LVL_GROUP_CONFIG, GR, auto_commit_interval_ns, "auto.commit.interval.ms", SET_MS, 0,
	      0, NS_MAX, "5000", "Interval of automatic commits."),
	ENUMS(LVL_GROUP_CONFIG, GR, auto_offset_reset, "auto.offset.reset", reset_names,
	      "latest", "Where to start without a committed offset."),
	ENTRY(LVL_GROUP_CONFIG, GR, session_timeout_ns, "session.timeout.ms", SET_MS, 0, MS_,
	      NS_MAX, "45000", "The coordinator removes a member silent for this long; "
	      "within the cluster's group.min/max.session.timeout.ms."),
	ENTRY(LVL_GROUP_CONFIG, GR, heartbeat_interval_ns, "heartbeat.interval.ms", SET_MS, 0,
	      MS_, NS_MAX, "3000", "Interval of member heartbeats; below session.timeout.ms."),
	ENTRY(LVL_GROUP_CONFIG, GR, max_poll_interval_ns, "max.poll.interval.ms", SET_MS, 0, MS_,
	      NS_MAX, "300000", "A member that does not poll for this long leaves the group."),
	ENTRY(LVL_GROUP_CONFIG, GR, request_timeout_ns, "request.timeout.ms", SET_MS, 0, MS_,
	      NS_MAX, "30000", "A request to a broker unanswered this long fails."),
	ENTRY(LVL_GROUP_CONFIG, GR, retry_backoff_ns, "retry.backoff.ms", SET_MS, 0, 0, NS_MAX,
	      "100", "Wait before retrying a failed request or coordinator lookup."),
	ENTRY(LVL_GROUP_CONFIG, GR, default_api_timeout_ns, "default.api.timeout.ms", SET_MS, 0,
	      0, NS_MAX, "60000", "commitSync gives up after retrying this long."),
	ENTRY(LVL_GROUP_CONFIG, GR, metadata_max_age_ns, "metadata.max.age.ms", SET_MS, 0, 0,
	      NS_MAX, "300000", "Refresh metadata at least this often."),
	{ .level = LVL_GROUP_CONFIG, .name = "partition.assignment.strategy",
	  .type = SET_STRATEGIES, .def = "[range, cooperative-sticky]",
	  .off = offsetof(GR, strategies), .off_count = offsetof(GR, n_strategies),
	  .doc = "Assignors in preference order: range, roundrobin, sticky, cooperative-sticky "
		 "or Java class names." },
};

#undef SC
#undef CL
#undef TP
#undef PR
#undef GR

static const struct fault_action fault_actions[] = {
	{ "crash", FAULT_CRASH,
	  1u << NODE_BROKER | 1u << NODE_CONTROLLER | 1u << NODE_MEMBER, "node",
	  { "for", "lose_unflushed" },
	  "Crash a broker, controller or group member; `for` restarts it after that long." },
	{ "shutdown", FAULT_SHUTDOWN, 1u << NODE_BROKER, "broker", { "for" },
	  "Stop a broker cleanly (controlled shutdown: its leaders move first, then it stops); "
	  "`for` restarts it that long after the request." },
	{ "restart", FAULT_RESTART,
	  1u << NODE_BROKER | 1u << NODE_CONTROLLER | 1u << NODE_MEMBER, "node", { NULL },
	  "Restart a crashed broker, controller or member." },
	{ "slow", FAULT_SLOW, 1u << NODE_BROKER | 1u << NODE_MEMBER, "node",
	  { "for", "disk_stall", "latency", "factor" },
	  "A broker's disk stalls (disk_stall) or answers later (latency); a member's "
	  "processing takes `factor` times longer." },
	{ "partition", FAULT_PARTITION, 0, "{ a: [nodes], b: [nodes] }", { "for", "one_way" },
	  "Cut the network between node sets a and b (b absent = every other node); one_way "
	  "cuts only a -> b. What is sent across waits for TCP's first resend after the heal, "
	  "unless its client gives up first." },
	{ "drop", FAULT_DROP, 0, "{ from: [nodes], to: [nodes] }", { "for", "fraction", "one_way" },
	  "Lose a fraction (default 1) of messages from -> to (to absent = every node); "
	  "one_way: false drops both ways." },
	{ "delay", FAULT_DELAY, 0, "{ from: [nodes], to: [nodes] }",
	  { "for", "latency", "one_way" },
	  "Add latency to messages from -> to (to absent = every node)." },
	{ "pause", FAULT_PAUSE, 1u << NODE_MEMBER, "member", { "for" },
	  "Pause a member (a GC pause): no polls, no heartbeats, no metadata requests." },
	{ "join", FAULT_JOIN, 0, "group", { NULL },
	  "A new member joins the group, named <group>-(M+1), <group>-(M+2), ..." },
	{ "leave", FAULT_LEAVE, 1u << NODE_MEMBER, "member", { NULL },
	  "A member leaves its group cleanly (LeaveGroup)." },
	{ "reset_offsets", FAULT_RESET_OFFSETS, 0, "group", { "to", "value", "datetime" },
	  "kafka-consumer-groups --reset-offsets for the group's topic." },
	{ "add_partitions", FAULT_ADD_PARTITIONS, 0, "topic", { "partitions" },
	  "kafka-topics --alter --partitions: grow the topic to `partitions`." },
};

static const struct fault_key fault_keys[] = {
	{ "at", "duration", "When the fault starts; before the end of the run (required)." },
	{ "for", "duration",
	  "How long it lasts; absent = to the end of the run (restart by hand)." },
	{ "lose_unflushed", "bool", "crash: lose what the broker had not flushed (power loss)." },
	{ "disk_stall", "bool", "slow broker: appends stall." },
	{ "latency", "duration", "slow broker, delay: added latency." },
	{ "factor", "number", "slow member: processing time multiplier (> 0)." },
	{ "one_way", "bool", "partition: only a -> b (default false); drop/delay: only "
			     "from -> to (default true)." },
	{ "fraction", "number", "drop: probability a message is lost, (0, 1]; default 1." },
	{ "to", "earliest|latest|offset|shift-by|datetime", "reset_offsets: where to." },
	{ "value", "integer", "reset_offsets to offset (>= 0) or shift-by (+/-)." },
	{ "datetime", "duration", "reset_offsets to datetime: the simulated time to reset to." },
	{ "partitions", "int", "add_partitions: the new partition count, above the current." },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct setting *settings_all(size_t *n)
{
	*n = COUNT(table);
	return table;
}

const struct setting *settings_find(enum set_level lvl, const char *name)
{
	for (size_t i = 0; i < COUNT(table); i++)
		if (table[i].level == lvl && strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

static bool is_config_level(enum set_level l)
{
	return l == LVL_BROKER || l == LVL_TOPIC_CONFIG || l == LVL_PRODUCER_CONFIG ||
	       l == LVL_GROUP_CONFIG;
}

const struct setting *settings_elsewhere(enum set_level lvl, const char *name)
{
	for (size_t i = 0; i < COUNT(table); i++)
		if (table[i].level != lvl && is_config_level(table[i].level) &&
		    strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *settings_level_path(enum set_level lvl)
{
	static const char *const paths[LVL__COUNT] = {
		[LVL_SCENARIO] = "(top level)",
		[LVL_CLUSTER] = "cluster",
		[LVL_NETWORK] = "cluster.network",
		[LVL_DISK] = "cluster.disk",
		[LVL_BROKER] = "cluster.config",
		[LVL_TOPIC] = "topics[]",
		[LVL_TOPIC_CONFIG] = "topics[].config",
		[LVL_PRODUCER] = "producers[]",
		[LVL_PRODUCER_CONFIG] = "producers[].config",
		[LVL_GROUP] = "consumer_groups[]",
		[LVL_PROCESSING] = "consumer_groups[].processing",
		[LVL_GROUP_CONFIG] = "consumer_groups[].config",
	};
	return (unsigned)lvl < LVL__COUNT ? paths[lvl] : "?";
}

static const char *level_title(enum set_level lvl)
{
	static const char *const titles[LVL__COUNT] = {
		[LVL_SCENARIO] = "the scenario",
		[LVL_CLUSTER] = "the cluster",
		[LVL_NETWORK] = "the network",
		[LVL_DISK] = "broker disks",
		[LVL_BROKER] = "Kafka broker settings",
		[LVL_TOPIC] = "each topic",
		[LVL_TOPIC_CONFIG] = "Kafka topic settings",
		[LVL_PRODUCER] = "each producer",
		[LVL_PRODUCER_CONFIG] = "Kafka producer settings",
		[LVL_GROUP] = "each consumer group",
		[LVL_PROCESSING] = "application processing time",
		[LVL_GROUP_CONFIG] = "Kafka consumer settings",
	};
	return (unsigned)lvl < LVL__COUNT ? titles[lvl] : "?";
}

size_t settings_level_keys(enum set_level lvl, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < COUNT(table) && n < max; i++)
		if (table[i].level == lvl)
			out[n++] = table[i].name;
	return n;
}

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;
	return m < c ? m : c;
}

int settings_distance(const char *a, const char *b, int cap)
{
	enum { W = 64 };
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[3][W + 1];

	if (la > W || lb > W || la - lb > cap || lb - la > cap)
		return cap + 1;
	/* rows i-2, i-1, i rotate through d[] */
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		int *cur = d[i % 3], *prev = d[(i - 1) % 3], *pp = d[(i + 1) % 3];
		cur[0] = i;
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < cur[j])
				cur[j] = pp[j - 2] + 1;
		}
	}
	return d[la % 3][lb] > cap ? cap + 1 : d[la % 3][lb];
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *settings_suggest(const char *key, const char *const *cands, size_t n)
{
	size_t klen = strlen(key);
	int cap = klen <= 3 ? 1 : 2, best_d = 99;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		int d;
		if (strcasecmp(key, cands[i]) == 0)
			d = 0;
		else if ((d = settings_distance(key, cands[i], cap)) > cap) {
			size_t clen = strlen(cands[i]);
			bool prefix = (klen >= 3 && has_prefix(cands[i], key)) ||
				      (clen >= 3 && has_prefix(key, cands[i]));
			d = prefix ? cap + 1 : 99;
		}
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

int settings_enum_lookup(const struct set_enum *e, const char *name, int *value)
{
	for (; e->name; e++) {
		if (strcasecmp(e->name, name) == 0) {
			*value = e->value;
			return 0;
		}
	}
	return -1;
}

const char *settings_enum_name(const struct set_enum *e, int value)
{
	for (; e->name; e++)
		if (e->value == value)
			return e->name;
	return "?";
}

/* Names that are the first for their value (the canonical ones). */
static bool canonical(const struct set_enum *all, const struct set_enum *e)
{
	for (const struct set_enum *p = all; p < e; p++)
		if (p->value == e->value)
			return false;
	return true;
}

void settings_enum_list(const struct set_enum *e, char *buf, size_t n)
{
	size_t count = 0, k = 0, len = 0;

	for (const struct set_enum *p = e; p->name; p++)
		count += canonical(e, p);
	buf[0] = '\0';
	for (const struct set_enum *p = e; p->name; p++) {
		if (!canonical(e, p))
			continue;
		const char *sep = k == 0 ? "" : k + 1 == count ? " or " : ", ";
		int w = snprintf(buf + len, n - len, "%s%s", sep, p->name);
		if (w < 0 || (size_t)w >= n - len)
			return;
		len += (size_t)w;
		k++;
	}
}

int settings_assignor_lookup(const char *name, enum ks_assignor *out)
{
	int v;

	if (settings_enum_lookup(assignor_names, name, &v) < 0)
		return -1;
	*out = (enum ks_assignor)v;
	return 0;
}

const char *settings_assignor_name(enum ks_assignor a)
{
	return settings_enum_name(assignor_names, (int)a);
}

int64_t settings_get_int(const struct setting *st, const void *base)
{
	const char *p = (const char *)base + st->off;
	int i;
	int64_t l;
	uint64_t u;
	bool b;

	switch (st->type) {
	case SET_INT: case SET_TRIBOOL: case SET_ENUM: case SET_TOPIC: case SET_KEYS:
		memcpy(&i, p, sizeof i);
		return i;
	case SET_BOOL:
		memcpy(&b, p, sizeof b);
		return b;
	case SET_UINT64:
		memcpy(&u, p, sizeof u);
		return (int64_t)u;
	case SET_LONG: case SET_MS: case SET_S: case SET_DURATION: case SET_BYTES:
	case SET_BANDWIDTH:
		memcpy(&l, p, sizeof l);
		return l;
	default:
		return 0;
	}
}

void settings_put_int(const struct setting *st, void *base, int64_t v)
{
	char *p = (char *)base + st->off;
	int i = (int)v;
	uint64_t u = (uint64_t)v;
	bool b = v != 0;

	switch (st->type) {
	case SET_INT: case SET_TRIBOOL: case SET_ENUM: case SET_TOPIC: case SET_KEYS:
		memcpy(p, &i, sizeof i);
		break;
	case SET_BOOL:
		memcpy(p, &b, sizeof b);
		break;
	case SET_UINT64:
		memcpy(p, &u, sizeof u);
		break;
	case SET_LONG: case SET_MS: case SET_S: case SET_DURATION: case SET_BYTES:
	case SET_BANDWIDTH:
		memcpy(p, &v, sizeof v);
		break;
	default:
		break;
	}
}

const struct fault_action *settings_fault_actions(size_t *n)
{
	*n = COUNT(fault_actions);
	return fault_actions;
}

const struct fault_action *settings_fault_action(const char *name)
{
	for (size_t i = 0; i < COUNT(fault_actions); i++)
		if (strcmp(fault_actions[i].name, name) == 0)
			return &fault_actions[i];
	return NULL;
}

const struct fault_key *settings_fault_keys(size_t *n)
{
	*n = COUNT(fault_keys);
	return fault_keys;
}

const struct fault_key *settings_fault_key(const char *name)
{
	for (size_t i = 0; i < COUNT(fault_keys); i++)
		if (strcmp(fault_keys[i].name, name) == 0)
			return &fault_keys[i];
	return NULL;
}

static bool int_kind(enum set_type t)
{
	return t == SET_INT || t == SET_LONG || t == SET_MS || t == SET_S || t == SET_DURATION ||
	       t == SET_BYTES;
}

int64_t settings_time_unit(const struct setting *st)
{
	return st->type == SET_MS ? SIM_MS : st->type == SET_S ? SIM_S : 0;
}

/* A bound as a user writes it: milliseconds for *.ms settings (seconds for *.seconds ones),
 * durations, integers. */
static void fmt_bound(const struct setting *st, int64_t v, char *buf, size_t n)
{
	char tmp[UNITS_BUF];
	int64_t unit = settings_time_unit(st);

	if (unit && v % unit == 0)
		snprintf(buf, n, "%lld", (long long)(v / unit));
	else if (unit || st->type == SET_DURATION)
		snprintf(buf, n, "%s", units_format_duration(v, tmp));
	else
		snprintf(buf, n, "%lld", (long long)v);
}

/* " from 1 to 1000", " of at least 0", " greater than 0", or "". */
static void range_text(const struct setting *st, char *buf, size_t n)
{
	char lo[UNITS_BUF], hi[UNITS_BUF];

	buf[0] = '\0';
	if (st->type == SET_DOUBLE) {
		char a[UNITS_BUF], b[UNITS_BUF];
		snprintf(buf, n, " from %s to %s", units_format_double(st->dmin, a),
			 units_format_double(st->dmax, b));
		return;
	}
	if (st->type == SET_RATE) {
		char a[UNITS_BUF], b[UNITS_BUF];
		snprintf(buf, n, " from %s to %s", units_format_rate(st->dmin, a),
			 units_format_rate(st->dmax, b));
		return;
	}
	if (!int_kind(st->type))
		return;
	fmt_bound(st, st->min, lo, sizeof lo);
	fmt_bound(st, st->max, hi, sizeof hi);
	if (st->type == SET_DURATION && st->min == 1 && st->max == INT64_MAX)
		snprintf(buf, n, " greater than 0");
	else if (st->max == INT64_MAX)
		snprintf(buf, n, " of at least %s", lo);
	else
		snprintf(buf, n, " from %s to %s", lo, hi);
}

void settings_expected(const struct setting *st, char *buf, size_t n)
{
	char range[96], names[512];
	const char *what = "a value", *example = "";

	range_text(st, range, sizeof range);
	switch (st->type) {
	case SET_INT: case SET_LONG: what = "an integer"; break;
	case SET_UINT64: what = "an integer from 0 to 18446744073709551615"; break;
	case SET_BOOL: case SET_TRIBOOL: what = "true or false"; break;
	case SET_DOUBLE: what = "a number"; break;
	case SET_MS:
		what = "milliseconds or a duration";
		example = ", such as 30000 or 30s";
		break;
	case SET_S:
		what = "seconds or a duration";
		example = ", such as 300 or 5m";
		break;
	case SET_DURATION:
		what = "a duration";
		example = ", such as 250us, 5ms, 30s, 2m or 1h";
		break;
	case SET_BYTES:
		what = "bytes or a size";
		example = ", such as 16384, 16KiB or 1MB";
		break;
	case SET_BANDWIDTH: what = "a bandwidth such as 125MB/s or 10Gbit/s (0 = unlimited)";
		break;
	case SET_RATE:
		what = "a rate";
		example = ", such as 2000/s, 120/m or 5/ms";
		break;
	case SET_ENUM:
		settings_enum_list(st->names, names, sizeof names);
		snprintf(buf, n, "one of %s", names);
		return;
	case SET_STRATEGIES:
		what = "an assignor or a list of them: range, roundrobin, sticky, "
		       "cooperative-sticky, or their Java class names";
		break;
	case SET_NAME:
		what = "a name of letters, digits, '.', '_' and '-' (at most 63 characters)";
		break;
	case SET_TEXT: what = "a string"; break;
	case SET_DIST_NS: what = "a duration or a <dist> such as { dist: exponential, mean: 1ms }";
		break;
	case SET_DIST_BYTES:
		what = "a size or a <dist> such as { dist: uniform, min: 100B, max: 1KiB }";
		break;
	case SET_TOPIC: what = "the name of a topic in topics"; break;
	case SET_KEYS: what = "null, { count: N } or { count: N, dist: zipf, s: 1.1 }"; break;
	case SET_SECTION: what = "a mapping"; break;
	case SET_LIST: what = "a list of mappings"; break;
	case SET_FAULTS: what = "a list of faults such as { at: 20s, crash: broker-1 }"; break;
	case SET_SNAPSHOTS: what = "a list of durations such as [19s, 25s]"; break;
	case SET_EXPECTS: what = "a list of entries such as checker.acked_lost: \"== 0\""; break;
	}
	snprintf(buf, n, "%s%s%s%s", what, range, st->flags & SF_INF ? " (-1 = no limit)" : "",
		 example);
}

const char *settings_default_doc(const struct setting *st)
{
	if (st->def)
		return st->def;
	if (st->def_doc)
		return st->def_doc;
	return st->flags & SF_REQUIRED ? "required" : "-";
}

/* "int 1..1000", "ms", "all|1|0" (sep between enum names). */
static void type_text(const struct setting *st, const char *sep, char *buf, size_t n)
{
	static const char *const names[] = {
		[SET_INT] = "int", [SET_LONG] = "long", [SET_UINT64] = "uint64",
		[SET_BOOL] = "bool", [SET_TRIBOOL] = "bool", [SET_DOUBLE] = "number",
		[SET_MS] = "ms", [SET_S] = "s", [SET_DURATION] = "duration", [SET_BYTES] = "bytes",
		[SET_BANDWIDTH] = "bandwidth", [SET_RATE] = "rate", [SET_ENUM] = "enum",
		[SET_STRATEGIES] = "assignor list", [SET_NAME] = "name", [SET_TEXT] = "text",
		[SET_DIST_NS] = "<dist> of durations", [SET_DIST_BYTES] = "<dist> of sizes",
		[SET_TOPIC] = "topic name", [SET_KEYS] = "keys", [SET_SECTION] = "mapping",
		[SET_LIST] = "list", [SET_FAULTS] = "list of faults",
		[SET_SNAPSHOTS] = "list of durations", [SET_EXPECTS] = "list of expectations",
	};
	char lo[UNITS_BUF], hi[UNITS_BUF];
	size_t len = 0;

	if (st->type == SET_ENUM) {
		buf[0] = '\0';
		for (const struct set_enum *e = st->names; e->name; e++) {
			if (!canonical(st->names, e))
				continue;
			int w = snprintf(buf + len, n - len, "%s%s", len ? sep : "", e->name);
			if (w < 0 || (size_t)w >= n - len)
				return;
			len += (size_t)w;
		}
		return;
	}
	if (!int_kind(st->type) || (st->min == 0 && st->max == INT64_MAX)) {
		snprintf(buf, n, "%s", names[st->type]);
		return;
	}
	fmt_bound(st, st->min, lo, sizeof lo);
	fmt_bound(st, st->max, hi, sizeof hi);
	if (st->type == SET_DURATION && st->min == 1 && st->max == INT64_MAX)
		snprintf(buf, n, "%s > 0", names[st->type]);
	else if (st->max == INT64_MAX)
		snprintf(buf, n, "%s >= %s", names[st->type], lo);
	else
		snprintf(buf, n, "%s %s..%s", names[st->type], lo, hi);
}

/* Sections and lists: no default of their own. */
static bool structural(const struct setting *st)
{
	return st->type == SET_SECTION || st->type == SET_LIST || st->type == SET_FAULTS ||
	       st->type == SET_SNAPSHOTS || st->type == SET_EXPECTS;
}

static const char *level_path_full(enum set_level lvl)
{
	return lvl == LVL_SCENARIO ? "top level" : settings_level_path(lvl);
}

void settings_print_help(FILE *f)
{
	char type[160];

	fprintf(f, "Scenario settings (YAML). Durations: 250us, 5ms, 30s, 2m, 1h; sizes: 512B, "
		   "16KiB, 1MB;\nrates: 2000/s, 120/m; bandwidths: 125MB/s, 10Gbit/s. Kafka *.ms "
		   "settings take milliseconds\n(an integer, as in Kafka) or a duration; *.seconds "
		   "ones seconds.\n");
	for (int lvl = 0; lvl < LVL__COUNT; lvl++) {
		fprintf(f, "\n%s: %s\n", level_path_full((enum set_level)lvl),
			level_title((enum set_level)lvl));
		for (size_t i = 0; i < COUNT(table); i++) {
			const struct setting *st = &table[i];
			if (st->level != (enum set_level)lvl)
				continue;
			type_text(st, "|", type, sizeof type);
			fprintf(f, "  %-42s %s%s%s\n      %s\n", st->name, type,
				st->flags & SF_REQUIRED ? "; required"
				: structural(st) ? "" : "; default ",
				st->flags & SF_REQUIRED || structural(st) ? ""
				: settings_default_doc(st), st->doc);
		}
	}
	fprintf(f, "\n<dist>: { dist: constant, value } | uniform, min, max | exponential, mean"
		   " |\n  normal, mean, stddev | lognormal, mu, sigma or median, p99 | gamma, "
		   "shape, scale or mean |\n  pareto, shape, scale; a bare duration or size is "
		   "a constant.\n");
	fprintf(f, "\nfaults: each entry has `at`, one action and its options.\n");
	for (size_t i = 0; i < COUNT(fault_actions); i++)
		fprintf(f, "  %-15s %s\n      %s\n", fault_actions[i].name, fault_actions[i].arg,
			fault_actions[i].doc);
	for (size_t i = 0; i < COUNT(fault_keys); i++)
		fprintf(f, "  %-15s %s\n      %s\n", fault_keys[i].name, fault_keys[i].type,
			fault_keys[i].doc);
	fprintf(f, "\nexpect: - <summary.path>: \"OP NUMBER\" with OP one of == != < <= > >=; "
		   "a bare number means ==.\n");
}

/* Text for a markdown table cell: pipes escaped; outside code spans (code false) also
 * < and >, which markdown would take for HTML. */
static void md_cell(const char *s, bool code, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const char *p = s; *p && len + 8 < n; p++) {
		const char *rep = *p == '|' ? (code ? "\\|" : " \\| ")
				  : code ? NULL
				  : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
		if (rep) {
			len += (size_t)snprintf(buf + len, n - len, "%s", rep);
			continue;
		}
		buf[len++] = *p;
		buf[len] = '\0';
	}
}

static void md_level(FILE *f, enum set_level lvl)
{
	char type[256], cell[512];

	fprintf(f, "\n#### `%s` — %s\n\n", level_path_full(lvl), level_title(lvl));
	fprintf(f, "| Key | Type | Default | Description |\n|---|---|---|---|\n");
	for (size_t i = 0; i < COUNT(table); i++) {
		const struct setting *st = &table[i];
		if (st->level != lvl)
			continue;
		type_text(st, "|", type, sizeof type);
		md_cell(type, false, cell, sizeof cell);
		fprintf(f, "| `%s` | %s | ", st->name, cell);
		if (st->def) {
			md_cell(st->def, true, cell, sizeof cell);
			fprintf(f, "`%s` |", cell);
		} else if (structural(st)) {
			fprintf(f, " |");
		} else {
			md_cell(settings_default_doc(st), false, cell, sizeof cell);
			fprintf(f, "%s |", cell);
		}
		md_cell(st->doc, false, cell, sizeof cell);
		fprintf(f, " %s |\n", cell);
	}
}

void settings_print_markdown(FILE *f)
{
	fprintf(f, "### Scenario reference\n\nGenerated by `kafkasim` from its settings table "
		   "(sim/settings.c). Durations are written `250us`, `5ms`, `30s`, `2m`, `1h`; "
		   "sizes `512B`, `16KiB`, `1MB` (a plain integer is bytes); rates `2000/s`, "
		   "`120/m`; bandwidths `125MB/s`, `10Gbit/s`. Kafka `*.ms` settings take an "
		   "integer of milliseconds, as in Kafka, or a duration (`*.seconds` ones an "
		   "integer of seconds or a duration). Inside `config:` "
		   "sections keys are Kafka's names with Kafka's defaults; settings marked "
		   "kafkasim are the simulator's own.\n");
	for (int lvl = 0; lvl < LVL__COUNT; lvl++)
		md_level(f, (enum set_level)lvl);
	fprintf(f, "\n#### `<dist>` — distributions\n\n"
		   "`{ dist: KIND, ... }` or a bare duration or size (a constant). Kinds and "
		   "parameters: `constant` value; `uniform` min, max; `exponential` mean; "
		   "`normal` mean, stddev; `lognormal` mu, sigma (of the natural log of the "
		   "value in ns or bytes) or median, p99; `gamma` shape and scale or mean; "
		   "`pareto` shape, scale (the minimum).\n");
	fprintf(f, "\n#### `faults[]` — the fault schedule\n\nEach entry has `at`, exactly "
		   "one action key and that action's options. Nodes are `broker-N`, "
		   "`controller-N`, producer names and group members `<group>-N`.\n\n"
		   "| Action | Value | Options | Description |\n|---|---|---|---|\n");
	for (size_t i = 0; i < COUNT(fault_actions); i++) {
		const struct fault_action *a = &fault_actions[i];
		char arg[128], doc[512];
		md_cell(a->arg, false, arg, sizeof arg);
		md_cell(a->doc, false, doc, sizeof doc);
		fprintf(f, "| `%s` | %s | ", a->name, arg);
		for (int k = 0; k < FAULT_KEYS_MAX && a->keys[k]; k++)
			fprintf(f, "%s`%s`", k ? ", " : "", a->keys[k]);
		fprintf(f, " | %s |\n", doc);
	}
	fprintf(f, "\n| Option | Type | Description |\n|---|---|---|\n");
	for (size_t i = 0; i < COUNT(fault_keys); i++) {
		char type[128], doc[512];
		md_cell(fault_keys[i].type, false, type, sizeof type);
		md_cell(fault_keys[i].doc, false, doc, sizeof doc);
		fprintf(f, "| `%s` | %s | %s |\n", fault_keys[i].name, type, doc);
	}
	fprintf(f, "\n#### `expect[]` — expectations\n\n`- <summary.path>: \"OP NUMBER\"` with "
		   "OP one of `==` `!=` `<` `<=` `>` `>=`; a bare number means `==`. The run "
		   "exits 1 when one fails.\n");
}
