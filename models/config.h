/*
 * config.h - the configuration a run is built from: the scenario after loading and
 * validation. The program's loader (sim/scenario.c) fills these structs from YAML through
 * the settings table (sim/settings.c); models only read them. Every Kafka setting keeps its
 * Kafka name in the table and its Kafka default; fields here carry units in their names.
 */
#ifndef MODELS_CONFIG_H
#define MODELS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "sim.h"

#define KS_NAME_MAX 64
#define KS_MAX_STRATEGIES 4

/* Where in the scenario file a value came from, for messages after loading. */
struct ks_loc {
	int line, column; /* 1-based; 0 when not from the file */
};

enum ks_truncation { TRUNC_LEADER_EPOCH = 0, TRUNC_HIGH_WATERMARK = 1 };

struct cluster_cfg {
	int brokers;                       /* broker-1 .. broker-N */
	int controllers;                   /* controller-1 .. controller-N (quorum) */
	struct dist net_latency_ns;        /* one-way latency of every link */
	int64_t net_bytes_per_s;           /* per broker, each direction; 0 = unlimited */
	int64_t disk_bytes_per_s;          /* per broker append throughput; 0 = unlimited */
	/* Kafka broker settings (defaults as in Kafka 3.x/4.x) */
	sim_time_ns replica_lag_time_max_ns;      /* replica.lag.time.max.ms 30000 */
	sim_time_ns replica_fetch_wait_max_ns;    /* replica.fetch.wait.max.ms 500 */
	int64_t replica_fetch_max_bytes;          /* replica.fetch.max.bytes 1048576 */
	int64_t replica_fetch_min_bytes;          /* replica.fetch.min.bytes 1 */
	sim_time_ns replica_fetch_backoff_ns;     /* replica.fetch.backoff.ms 1000 */
	int num_replica_fetchers;                 /* num.replica.fetchers 1 */
	bool unclean_leader_election_enable;      /* false */
	bool eligible_leader_replicas_enable;     /* eligible.leader.replicas.version=1; false */
	int min_insync_replicas;                  /* 1 */
	sim_time_ns broker_session_timeout_ns;    /* broker.session.timeout.ms 9000 */
	sim_time_ns broker_heartbeat_interval_ns; /* broker.heartbeat.interval.ms 2000 */
	int64_t log_flush_interval_messages;      /* INT64_MAX: never by count */
	sim_time_ns log_flush_interval_ns;        /* log.flush.interval.ms; SIM_TIME_MAX = never */
	sim_time_ns log_flush_scheduler_interval_ns; /* log.flush.scheduler.interval.ms; never */
	sim_time_ns log_retention_ns;             /* log.retention.ms 604800000 */
	int64_t log_retention_bytes;              /* log.retention.bytes -1 */
	sim_time_ns log_retention_check_interval_ns; /* log.retention.check.interval.ms 300000 */
	sim_time_ns group_initial_rebalance_delay_ns; /* group.initial.rebalance.delay.ms 3000 */
	sim_time_ns group_min_session_timeout_ns; /* group.min.session.timeout.ms 6000 */
	sim_time_ns group_max_session_timeout_ns; /* group.max.session.timeout.ms 1800000 */
	bool auto_leader_rebalance_enable;        /* auto.leader.rebalance.enable true */
	sim_time_ns leader_imbalance_check_interval_ns; /* leader.imbalance.check.interval.seconds 300 */
	/* kafkasim-only settings */
	sim_time_ns metadata_propagation_ns;      /* controller -> brokers/clients, default 10ms */
	sim_time_ns controller_failover_ns;       /* new active controller after a crash, 1000ms */
	enum ks_truncation truncation;            /* replication.truncation: leader-epoch */
};

struct topic_cfg {
	char name[KS_NAME_MAX];
	int partitions;
	int replication_factor;
	int min_insync_replicas;             /* -1 = cluster value */
	int unclean_leader_election_enable;  /* -1 = cluster value, else 0/1 */
	sim_time_ns retention_ns;            /* -1 = cluster value */
	int64_t retention_bytes;             /* -2 = cluster value; -1 unlimited */
	sim_time_ns flush_ns;                /* flush.ms; -1 = cluster value */
	int64_t flush_messages;              /* flush.messages; -1 = cluster value */
	struct ks_loc loc;
};

enum ks_acks { ACKS_0 = 0, ACKS_1 = 1, ACKS_ALL = -1 };
enum ks_arrival { ARRIVAL_POISSON, ARRIVAL_CONSTANT };
enum ks_keydist { KEYS_NULL, KEYS_UNIFORM, KEYS_ZIPF };
enum ks_partitioner { PART_DEFAULT, PART_ROUND_ROBIN, PART_STICKY_KIP480 };

struct producer_cfg {
	char name[KS_NAME_MAX];
	int topic;                          /* index into scenario.topics */
	double rate_per_s;                  /* records per second */
	enum ks_arrival arrival;            /* poisson (default) or constant */
	sim_time_ns start_ns, stop_ns;      /* active window; stop SIM_TIME_MAX = to the end */
	struct dist record_bytes;           /* value+key+overhead per record, default 100 */
	enum ks_keydist keys;               /* keys: null | { count, dist } */
	uint32_t key_count;
	double key_zipf_s;
	int fixed_partition;                /* partition: N, -1 = use the partitioner */
	/* Kafka producer settings */
	enum ks_acks acks;                  /* acks all */
	sim_time_ns linger_ns;              /* linger.ms 5 */
	int64_t batch_size;                 /* batch.size 16384 */
	int max_in_flight;                  /* max.in.flight.requests.per.connection 5 */
	sim_time_ns request_timeout_ns;     /* request.timeout.ms 30000 */
	int64_t retries;                    /* retries 2147483647 */
	sim_time_ns retry_backoff_ns;       /* retry.backoff.ms 100 */
	sim_time_ns retry_backoff_max_ns;   /* retry.backoff.max.ms 1000 */
	sim_time_ns delivery_timeout_ns;    /* delivery.timeout.ms 120000 */
	bool enable_idempotence;            /* true */
	bool partitioner_ignore_keys;       /* partitioner.ignore.keys false */
	bool partitioner_adaptive;          /* partitioner.adaptive.partitioning.enable true */
	enum ks_partitioner partitioner;    /* partitioner.class: default */
	sim_time_ns metadata_max_age_ns;    /* metadata.max.age.ms 300000 */
	sim_time_ns reconnect_backoff_ns;   /* reconnect.backoff.ms 50 */
	sim_time_ns reconnect_backoff_max_ns; /* reconnect.backoff.max.ms 1000 */
	sim_time_ns connection_setup_timeout_ns; /* socket.connection.setup.timeout.ms 10000 */
	struct ks_loc loc;
};

enum ks_commit_mode {
	COMMIT_AUTO,           /* enable.auto.commit (the default) */
	COMMIT_SYNC,           /* commitSync after processing each poll */
	COMMIT_ASYNC,          /* commitAsync after processing each poll */
	COMMIT_BEFORE_PROCESS, /* teaching: commit the poll's offsets before processing it */
};
enum ks_offset_reset { RESET_LATEST, RESET_EARLIEST, RESET_NONE };
enum ks_idem { IDEM_NONE, IDEM_DEDUPE_IN_BATCH, IDEM_PROCESSED_TABLE };
enum ks_assignor { ASG_RANGE, ASG_ROUNDROBIN, ASG_STICKY, ASG_COOPERATIVE_STICKY };

struct group_cfg {
	char name[KS_NAME_MAX];
	int topic;                          /* index into scenario.topics */
	int members;                        /* <name>-1 .. <name>-M at start */
	bool static_members;                /* group.instance.id = member name */
	struct dist poll_overhead_ns;       /* processing.per_poll, default constant 0 */
	struct dist record_ns;              /* processing.per_record, default constant 0 */
	bool async_workers;                 /* processing.async: hand off and poll again (C9) */
	enum ks_idem idempotence;           /* idempotence: none */
	enum ks_commit_mode commit;         /* commit: auto | sync | async | before-process */
	/* Kafka consumer settings */
	int64_t fetch_min_bytes;            /* fetch.min.bytes 1 */
	sim_time_ns fetch_max_wait_ns;      /* fetch.max.wait.ms 500 */
	int64_t max_partition_fetch_bytes;  /* max.partition.fetch.bytes 1048576 */
	int64_t fetch_max_bytes;            /* fetch.max.bytes 52428800 */
	int max_poll_records;               /* max.poll.records 500 */
	bool enable_auto_commit;            /* enable.auto.commit true */
	sim_time_ns auto_commit_interval_ns;/* auto.commit.interval.ms 5000 */
	enum ks_offset_reset auto_offset_reset; /* auto.offset.reset latest */
	sim_time_ns session_timeout_ns;     /* session.timeout.ms 45000 */
	sim_time_ns heartbeat_interval_ns;  /* heartbeat.interval.ms 3000 */
	sim_time_ns max_poll_interval_ns;   /* max.poll.interval.ms 300000 */
	enum ks_assignor strategies[KS_MAX_STRATEGIES]; /* partition.assignment.strategy */
	int n_strategies;                   /* default [range, cooperative-sticky] */
	struct ks_loc loc;
	sim_time_ns request_timeout_ns;     /* request.timeout.ms 30000 */
	sim_time_ns retry_backoff_ns;       /* retry.backoff.ms 100 */
	sim_time_ns default_api_timeout_ns; /* default.api.timeout.ms 60000: commitSync gives up */
	sim_time_ns metadata_max_age_ns;    /* metadata.max.age.ms 300000 */
	int lag_window;                     /* lag_window: Burrow's intervals, 10 */
	sim_time_ns lag_min_distance_ns;    /* lag_min_distance: Burrow's min-distance, 1s */
};

enum ks_fault_kind {
	FAULT_CRASH,          /* broker, controller or consumer member; for: restarts it */
	FAULT_RESTART,        /* broker or member */
	FAULT_SLOW,           /* broker disk stall / added latency, or member processing */
	FAULT_PARTITION,      /* network split between two node sets */
	FAULT_DROP,           /* lose a fraction of messages on links */
	FAULT_DELAY,          /* extra latency on links */
	FAULT_PAUSE,          /* member GC pause */
	FAULT_JOIN,           /* a new member joins a group */
	FAULT_LEAVE,          /* a member leaves its group cleanly */
	FAULT_RESET_OFFSETS,  /* kafka-consumer-groups --reset-offsets */
	FAULT_ADD_PARTITIONS, /* kafka-topics --alter --partitions */
	FAULT_SHUTDOWN,       /* a broker's controlled shutdown; for: restarts it */
};

#define KS_FAULT_NODES_MAX 16
/* A node is a broker (broker-N), a controller (controller-N), a producer or a group member
 * by name. Node ids are resolved by the loader into this encoding. */
enum ks_node_kind { NODE_BROKER, NODE_CONTROLLER, NODE_PRODUCER, NODE_MEMBER, NODE_ANY };
struct ks_node {
	enum ks_node_kind kind;
	int index;   /* broker id 1..N, controller 1..N, producer index, member index */
	int group;   /* group index for NODE_MEMBER */
};

enum ks_reset_kind { RESET_TO_EARLIEST, RESET_TO_LATEST, RESET_TO_OFFSET, RESET_SHIFT_BY,
		     RESET_TO_DATETIME };

struct fault_cfg {
	enum ks_fault_kind kind;
	sim_time_ns at_ns;
	sim_time_ns for_ns;                 /* 0 = until the end or an explicit undo */
	struct ks_node target;              /* crash/restart/slow/pause/join/leave */
	struct ks_node a[KS_FAULT_NODES_MAX]; /* partition side a / link sources */
	int n_a;
	struct ks_node b[KS_FAULT_NODES_MAX]; /* partition side b / link destinations */
	int n_b;
	bool one_way;                       /* partition/drop/delay only a -> b */
	bool lose_unflushed;                /* crash: power loss */
	double fraction;                    /* drop: probability a message is lost */
	sim_time_ns extra_ns;               /* delay/slow: added latency */
	bool disk_stall;                    /* slow broker: appends stall for `for` */
	double slow_factor;                 /* slow member: processing time multiplier */
	int group;                          /* reset_offsets / join: group index */
	int topic;                          /* add_partitions / reset_offsets topic */
	enum ks_reset_kind reset;           /* reset_offsets */
	int64_t reset_value;                /* to-offset / shift-by value; to-datetime ns */
	int new_partitions;                 /* add_partitions: new total */
	struct ks_loc loc;
};

enum ks_expect_op { EXP_EQ, EXP_NE, EXP_LT, EXP_LE, EXP_GT, EXP_GE };
struct expect_cfg {
	char path[128];      /* a dotted summary path: checker.acked_lost */
	enum ks_expect_op op;
	double value;
	char text[160];      /* as written, for the verdict */
	struct ks_loc loc;
};

struct scenario {
	char name[KS_NAME_MAX];
	char *description;
	char *file;               /* path as given */
	uint64_t seed;
	sim_time_ns duration_ns;
	sim_time_ns sample_interval_ns; /* metrics.csv row interval, default 1s */
	struct cluster_cfg cluster;
	struct topic_cfg *topics;
	int n_topics;
	struct producer_cfg *producers;
	int n_producers;
	struct group_cfg *groups;
	int n_groups;
	struct fault_cfg *faults;
	int n_faults;
	sim_time_ns *snapshots;
	int n_snapshots;
	struct expect_cfg *expects;
	int n_expects;
};

void scenario_release(struct scenario *sc);

#endif
