/*
 * kafka.h - the model's shared state, private to models/: the cluster with its nodes,
 * brokers, partitions and replicas, clients, and the messages they exchange. The program
 * sees only cluster.h. Ownership: the cluster owns everything here; the kernel never frees
 * a subject. Messages are single heap blocks owned by the network until delivered and by
 * the handler after.
 */
#ifndef MODELS_KAFKA_H
#define MODELS_KAFKA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "config.h"
#include "dist.h"
#include "partitioner.h"
#include "plog.h"
#include "pool.h"
#include "rng.h"
#include "rset.h"
#include "sim.h"
#include "stats.h"
#include "trace.h"

#define KS_RF_MAX 16

struct cluster;
struct msg;

/* ---- network ---------------------------------------------------------------------- */

struct node {
	enum ks_node_kind kind;
	int index;                /* broker id, controller id, producer index, member index */
	int group;                /* NODE_MEMBER: group index */
	bool up;
	bool host_down;           /* down with its machine (power loss): no TCP reset */
	bool closed;              /* up, but its listeners closed: a broker starting up takes
				   * nothing but its controller's answers (net__open) */
	uint32_t incarnation;     /* bumped on every crash: stale deliveries are dropped */
	int64_t bytes_per_s;      /* NIC bandwidth each way, 0 = unlimited */
	sim_time_ns out_free_ns;  /* NIC transmit queue busy until */
	sim_time_ns in_free_ns;   /* NIC receive queue busy until */
	sim_time_ns slow_extra_ns;/* `slow` fault: extra latency on requests it handles */
	struct sim *sim;          /* the kernel its events run on (cluster.psim for producers) */
	char name[KS_NAME_MAX + 16];
};

enum net_rule_kind { RULE_PARTITION, RULE_DROP, RULE_DELAY };
struct net_rule {
	enum net_rule_kind kind;
	unsigned char *a, *b;     /* membership bitmaps over node ids */
	bool one_way;             /* only a -> b */
	double fraction;          /* drop */
	sim_time_ns extra_ns;     /* delay */
	bool active;
};

/* One directed link: the latest arrival it scheduled on a client connection's either way
 * (each direction of a connection is FIFO; kafka.h's CONN_ classes), and its latency stream
 * "net/<from>-><to>" (seeded on first use), on one cache line: a send reads one line for
 * both. The rarer classes keep their latest arrivals in net.last_side. */
struct link {
	_Alignas(64) sim_time_ns last_ns[2];
	struct rng_small_state rng;
	/* a link between the kernels of a pair (cluster.paired): its next message's latency,
	 * drawn ahead (the lookahead), and its leaf in its sender's lookahead tree, from 1 */
	sim_time_ns next_lat;
	uint32_t leaf;
};

/* The connections between two nodes that the model tells apart: a client's own (produce,
 * fetch, metadata; the controller's metadata to a broker), a consumer's to its group
 * coordinator and a broker's heartbeats to the controller, a broker's AlterPartition
 * channel. Each direction of each is ordered on its own, as a TCP connection is: a class
 * is 2 * kind + 1 for the server's answers, + 0 for the client's requests (net.c). Two
 * brokers following each other have two client connections, each its own requests and
 * answers. */
enum { CONN_CLIENT, CONN_SIDE, CONN_ALTER, CONN_KINDS };
#define CONN_CLASSES (2 * CONN_KINDS)

/* A connection whose messages could not cross a split: TCP keeps them and sends them again
 * on its retransmission timer (net.c). */
struct held_conn {
	int from, to, cls;
	sim_time_ns since;        /* when the first was sent: where the backoff starts */
	sim_time_ns give_up;      /* the earliest time a client gives up one of them (0: none) */
	struct msg *head, *tail;
	sim_timer_id release;     /* the resend that carries them, once the split heals */
};

struct net {
	struct node *nodes;
	int n_nodes;
	struct net_rule *rules;
	int n_rules;
	int n_active_rules;
	struct dist latency;
	gsl_rng *rng;             /* stream "net/faults": drop decisions */
	struct link *links;       /* [from * n_nodes + to] */
	sim_time_ns *last_side;   /* [(from * n_nodes + to) * (CONN_CLASSES - 2) + cls - 2]: the
				   * other classes' latest arrivals (links[] keeps 0's and 1's) */
	uint32_t *held_ix;        /* [(from * n_nodes + to) * CONN_CLASSES + cls]: 1 + the
				   * index in held, or 0 */
	struct held_conn *held;
	int n_held, cap_held;
	/* messages counted by the kernel that sends (sent) or delivers them, each kernel of a
	 * pair on lines of its own: net__count */
	struct net_count {
		_Alignas(64) uint64_t sent, dropped, delivered;
	} count[2];
	/* a pair's lookahead (cluster.paired): per kernel, a tournament tree (1-based, root 1,
	 * leaves from la_leaves) of the drawn-ahead latencies of its links to the other kernel */
	sim_time_ns *la_tree[2];
	uint32_t la_leaves[2];
};

/* ---- messages ----------------------------------------------------------------------- */

enum msg_type {
	MSG_PRODUCE_REQ, MSG_PRODUCE_RESP,
	MSG_FETCH_REQ, MSG_FETCH_RESP,          /* replica and consumer fetch */
	MSG_METADATA_REQ, MSG_METADATA_RESP,    /* client <-> broker */
	MSG_BROKER_HEARTBEAT, MSG_BROKER_HEARTBEAT_RESP,
	MSG_METADATA_PUSH,                      /* controller -> broker */
	MSG_ALTER_PARTITION, MSG_ALTER_PARTITION_RESP,
	MSG_GROUP,                              /* consumer <-> group coordinator */
	MSG_CONNECT, MSG_CONNECT_RESP,          /* a producer opens a connection to a broker */
	MSG_CONN_CLOSED,                        /* a broker closed a producer's connection */
	MSG_TYPES
};

struct msg {
	enum msg_type type;
	int from, to;             /* node ids */
	uint32_t to_incarnation;
	uint32_t from_incarnation;
	bool bounced;             /* refused: the receiver's process is down (TCP reset) */
	bool received;            /* through the receiver's NIC */
	int64_t bytes;
	sim_time_ns path_ns;      /* time to cross at the slower NIC's rate (net.c, at send) */
	sim_time_ns in_xfer_ns;   /* time to cross the receiver's NIC */
	sim_time_ns give_up_ns;   /* a request: when its client gives up waiting and closes the
				   * connection; a response: its request's (0: never) */
	struct msg *held_next;    /* held by TCP across a split (net.c) */
};

/* Kafka error codes used by the model (names as in org.apache.kafka.common.protocol.Errors) */
#define KS_ERRORS(X)                                                  \
	X(NONE, "NONE")                                               \
	X(NOT_LEADER_OR_FOLLOWER, "NOT_LEADER_OR_FOLLOWER")           \
	X(NOT_ENOUGH_REPLICAS, "NOT_ENOUGH_REPLICAS")                 \
	X(NOT_ENOUGH_REPLICAS_AFTER_APPEND, "NOT_ENOUGH_REPLICAS_AFTER_APPEND") \
	X(REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT")                     \
	X(OUT_OF_ORDER_SEQUENCE_NUMBER, "OUT_OF_ORDER_SEQUENCE_NUMBER") \
	X(DUPLICATE_SEQUENCE_NUMBER, "DUPLICATE_SEQUENCE_NUMBER")     \
	X(FENCED_LEADER_EPOCH, "FENCED_LEADER_EPOCH")                 \
	X(UNKNOWN_LEADER_EPOCH, "UNKNOWN_LEADER_EPOCH")               \
	X(OFFSET_OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE")                 \
	X(DELIVERY_TIMEOUT, "DELIVERY_TIMEOUT")                       \
	X(LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE")               \
	X(NETWORK_EXCEPTION, "NETWORK_EXCEPTION")                     \
	X(INVALID_PRODUCER_EPOCH, "INVALID_PRODUCER_EPOCH")
enum ks_error {
#define KS_ERR_ENUM(e, s) KERR_##e,
	KS_ERRORS(KS_ERR_ENUM)
#undef KS_ERR_ENUM
	KERR_COUNT
};
const char *ks_error_name(enum ks_error e);

/* ---- partitions and replicas ---------------------------------------------------------- */

/* Idempotent-producer state per replica and producer (ProducerStateManager): the last
 * appended batches' sequence ranges and offsets, up to 5, in a ring (newest at `newest`,
 * older ones before it). While each kept batch continues the one before it (next
 * sequence, next offset: one producer writing the partition, the usual case), the first
 * line says it all: the oldest's first sequence and offset and every count. A batch that
 * does not continue spreads the state into first_seq and base (`full`), lines 1-2, until
 * a new producer epoch empties it. */
#define KS_PSTATE_BATCHES 5
struct pstate {
	int32_t producer;
	int32_t epoch;
	uint8_t n;                /* batches kept, up to KS_PSTATE_BATCHES */
	uint8_t newest;
	bool full;                /* first_seq and base hold the batches' own */
	int64_t seq0, base0;      /* else: the oldest's first sequence and offset */
	int64_t kept;             /* ... and the records kept (seq0 + kept is the next) */
	int32_t count[KS_PSTATE_BATCHES];
	_Alignas(64) int64_t first_seq[KS_PSTATE_BATCHES];
	int64_t base[KS_PSTATE_BATCHES];
	int64_t epoch_seq0;       /* the first sequence this epoch appended (or the log still
				   * holds): the epoch's are appended in order from it */
};

struct pending_fetch;
#define KS_FW_INLINE 3

/* What the leader knows of a follower (kafka.cluster.Replica). */
/* A time before any other, for "never": a follower out of the ISR when its leader was
 * elected was never caught up (Kafka's lastCaughtUpTimeMs = 0, in wall-clock time). */
#define KS_NEVER_NS (INT64_MIN / 4)

struct follower_view {
	int64_t leo;
	sim_time_ns last_caught_up_ns;
	sim_time_ns last_fetch_ns;
	int64_t last_fetch_leader_leo;
};

/* One replica of a partition on one broker: its log and its broker's view of the
 * partition's leadership (from the metadata the broker has applied). */
struct replica {
	/* Replicas are line-aligned. Line 0 holds what every fetch, produce and follower
	 * update reads (leadership, epoch, ISR, HW, the follower views) and the log's first
	 * fields; lines 1-2 the rest of what an append or a caught-up fetch touches of the
	 * log (its last batch inline, plog.h); line 3 the log's epoch cache pointer, the
	 * leader's waiting produces and parked fetches; line 4 what only elections and new
	 * producers touch; lines 5-7 the first producer's idempotence state. A follower's
	 * append touches lines 0-2 and 5 only (pstate). */
	_Alignas(64) int broker;  /* broker id */
	int32_t leader_epoch;     /* the epoch this broker applied */
	int leader;               /* broker id it follows / itself; -1 none */
	uint16_t isr;             /* leader only: bitmask over replica slots (KS_RF_MAX) */
	uint16_t isr_pending;     /* leader only: AlterPartition in flight: maximal ISR, 0 = none */
	bool is_leader;           /* this broker believes it leads (at leader_epoch) */
	bool needs_truncation;    /* follower: ask the leader for the end of our last epoch first */
	/* the partition's, copied for the HW and follower updates (a replica set is fixed
	 * for the run): they spare a leader the partition's line on every fetch */
	uint8_t slot, rf;         /* this replica's slot; the replication factor */
	uint8_t min_isr;          /* the topic's effective min.insync.replicas */
	int64_t hw;
	struct follower_view *fv; /* leader only: one per other replica slot (fv_of), in
				   * cluster.fv_pool */
	struct plog log;
	struct waiter *pw;        /* acks=all produces waiting for the HW, by required offset */
	uint32_t pw_head, pw_n, pw_cap;
	int n_fw;
	struct pending_fetch **fw; /* parked fetches watching this partition: fw_inline, or
				    * malloc'd (cap_fw of them) once more than KS_FW_INLINE watch */
	struct pending_fetch *fw_inline[KS_FW_INLINE];
	_Alignas(64) int cap_fw;
	struct pstate *ps;        /* idempotence state of the producers after the first */
	int n_ps;                 /* producers with state: ps0, then ps[0 .. n_ps - 1) */
	int32_t partition_epoch;  /* leader only */
	int fetcher;              /* follower only: fetcher slot (leader broker, fetcher id) it
				   * is in, -1 none */
	/* the leader's AlterPartitionManager item (broker.c): kept from a proposal until an
	 * answer, whatever the partition does meanwhile; the proposed ISR and its epochs */
	bool alter_queued;        /* an item is kept */
	bool alter_in_req;        /* ... and is in the broker's request out */
	uint16_t alter_isr;
	int32_t alter_leader_epoch, alter_partition_epoch;
	sim_time_ns last_flush_ns; /* when the log was last flushed by Kafka (not the OS) */
	int64_t flush_messages;   /* the topic's flush.messages, read only at a flush */
	/* line 5: the first producer's idempotence state, inline, so that an append finds it
	 * without a dependent miss through a pointer (most replicas see one); lines 6-7 only
	 * when its batches do not continue each other */
	_Alignas(64) struct pstate ps0;
};
_Static_assert(KS_RF_MAX <= 16, "ISRs are 16-bit masks in the replica");
_Static_assert(sizeof(struct replica) == 512, "a replica is eight cache lines");
_Static_assert(offsetof(struct replica, log.n_ec) + 4 <= 64,
	       "a follower's fetch reads line 0 of a replica it got nothing for");
_Static_assert(offsetof(struct replica, log.flush_left) + 8 <= 192,
	       "an append touches no line of the replica but 0-2 and the idempotence state");
_Static_assert(offsetof(struct replica, pw) >= 192 &&
		       offsetof(struct replica, fw_inline) + sizeof(((struct replica *)0)->fw_inline) <= 256,
	       "the leader's waiters and parked fetches share line 3");

/* The leader's view of the follower in `slot` (not its own): the views of the other slots
 * only, in slot order, so that RF 3's two share one line (cluster.c aligns them) and the
 * high watermark, computed on every follower fetch, reads one line for both. */
static inline struct follower_view *fv_of(const struct replica *r, int slot)
{
	return &r->fv[slot - (slot > r->slot)];
}
/* ... and back: the slot whose view fv is. */
static inline int fv_slot(const struct replica *r, const struct follower_view *fv)
{
	int i = (int)(fv - r->fv);
	return i + (i >= r->slot);
}

struct partition {
	/* first, in one cache line (partitions are line-aligned) for the usual RF: what finds
	 * a broker's replica, and what every produce and acknowledgement updates */
	_Alignas(64) int id;      /* global index */
	int rf;
	struct replica *rep;      /* rf of them, in cluster.rep_pool: sized by the real RF, so
				   * the hot state of many partitions shares the caches */
	int topic, index;
	int64_t records_appended; /* records the leader appended (all leaders) */
	int replicas[KS_RF_MAX];  /* broker ids, preferred first */
	/* the controller's committed state */
	int leader;               /* broker id, -1 offline */
	int32_t leader_epoch;
	int32_t partition_epoch;
	uint32_t isr;             /* slots */
	uint32_t elr;             /* KIP-966 eligible leader replicas, slots (0 with the feature
				   * off) */
	int last_leader;          /* KIP-966 last known leader while the ISR and ELR are empty,
				   * broker id; -1 none */
	/* accounting */
	sim_time_ns offline_since, offline_ns;
	sim_time_ns write_unavail_since, write_unavail_ns;
	struct rset *deleted;     /* per producer: sequences retention removed (NULL until used) */
	uint32_t *meta_hist;      /* indexes into cluster.meta_log touching this partition */
	int n_meta_hist, cap_meta_hist;
	/* the producers' view, on a line of its own: only they write it (cluster.paired) */
	_Alignas(64) sim_time_ns last_ack_ns; /* the last acknowledgement */
	sim_time_ns max_ack_gap_ns; /* the longest wait for an acknowledgement: from the later
				     * of the last one and the waiting batch's creation */
};
_Static_assert(offsetof(struct partition, replicas) + 4 * sizeof(int) <= 64,
	       "RF up to 4 finds its replicas on the partition's first line");

struct topic {
	const struct topic_cfg *cfg;
	int first_partition;      /* global index of partition 0 */
	int n_partitions;         /* now; grows with add_partitions up to max_partitions */
	int max_partitions;
	int min_isr;              /* effective: min(min.insync.replicas, rf) */
	bool unclean;
	sim_time_ns retention_ns;
	int64_t retention_bytes;
	sim_time_ns flush_ns;     /* flush.ms, effective */
	int64_t flush_messages;   /* flush.messages, effective */
	int *key_partition;       /* producer key index -> partition, per key count */
	uint32_t key_table_n;
};

/* One change the controller committed (the KRaft metadata log, one record a change). */
struct meta_change {
	int64_t version;
	int partition;            /* -1: a broker registration change */
	int leader;
	int32_t leader_epoch;
	int32_t partition_epoch;
	uint32_t isr;
};

/* ---- brokers -------------------------------------------------------------------------- */

struct pending_produce;
/* A leader's acks=all produces waiting for the HW: a ring, the first KS_PW_FIRST of every
 * replica in cluster.pw_pool (huge pages, as the replicas: an append stores one, an
 * acknowledgement reads one, and a small malloc'd ring each was a TLB miss as well as a
 * cache miss), malloc'd when it must grow. */
#define KS_PW_FIRST 8
struct waiter {
	int64_t required;         /* HW that satisfies it */
	struct pending_produce *pp;
	int entry;
};
struct deadlines;

/* A replica fetcher thread (ReplicaFetcherThread): one per (leader broker, fetcher id). */
struct fetch_part {           /* a partition a fetcher fetches */
	int pid;
	struct replica *own;      /* this broker's replica of it */
	struct replica *leader;   /* the leader's, for the request's look-up hint */
	struct follower_view *fv; /* the leader's view of this broker's replica (a hint too) */
};
#define KS_FETCH_PARTS_INLINE 4
struct fetcher {              /* line-aligned: a response reads line 0 and its parts */
	_Alignas(64) int leader;  /* broker id */
	int n_parts;
	int cap_parts;            /* up to KS_FETCH_PARTS_INLINE in parts_inline, else in
				   * parts_heap: fetcher_parts() */
	bool in_flight;
	bool reset_retry;         /* timer is a crashed leader's reset backoff (broker__peer_reset),
				   * which an answer still arriving cancels: kept on line 0, so that
				   * an answer reads timer (its last line) only then */
	uint64_t session;         /* bumped per request; stale responses are ignored */
	sim_time_ns sent_ns;
	/* inline: a response's fetcher_send then reads no separate array (a cache miss on
	 * every fetch in the 100-broker bench); the first on line 0 */
	struct fetch_part parts_inline[KS_FETCH_PARTS_INLINE];
	struct fetch_part *parts_heap;
	sim_timer_id timer;       /* request timeout or backoff */
};
_Static_assert(offsetof(struct fetcher, parts_inline) == 32,
	       "a fetcher's state and first part share its first line");

struct broker {
	int id;
	int node;
	bool up;
	bool fenced;              /* the controller's view */
	bool registered;          /* has heartbeated since its last start */
	bool starting;            /* its own view: restarted, its registration not yet accepted
				   * (BrokerLifecycleManager STARTING): serves nothing */
	int reg_failures;         /* registrations sent since the restart, for their backoff */
	bool shutting_down;       /* its own view: asked the controller to let it stop
				   * (PENDING_CONTROLLED_SHUTDOWN) */
	bool shutdown_answered;   /* the controller has answered one of those heartbeats */
	bool clean_stop;          /* its last process stopped by a controlled shutdown */
	bool restart_pending;     /* restart as soon as the controlled shutdown has stopped it */
	sim_timer_id shutdown_timer; /* stops anyway when the controller has not let it */
	bool in_shutdown;         /* the controller's view: in controlled shutdown */
	int64_t shutdown_meta;    /* metadata every active broker must have applied first */
	int64_t reported_meta;    /* the controller's view: metadata applied, per heartbeat */
	sim_time_ns last_heartbeat_ns; /* controller's view */
	uint32_t incarnation_seen; /* controller's view: the process it last heard from (a new
				    * one after a crash: an unclean shutdown, KIP-966) */
	sim_time_ns disk_free_ns; /* disk append queue busy until */
	sim_time_ns stall_until_ns; /* `slow` disk stall */
	int64_t applied_meta;     /* index into cluster.meta_log applied so far */
	uint64_t fetch_gen;       /* moves whenever a hosted replica's leadership, epoch, log
				   * start or (downwards) log end changes: see pf_ready */
	int *hosted;              /* partition ids with a replica here */
	int n_hosted, cap_hosted;
	int *hosted_slot;         /* replica slot of each hosted partition */
	struct fetcher *fetchers; /* one per (leader broker, fetcher id) */
	int n_fetchers;
	sim_timer_id isr_timer, hb_timer, flush_timer, flusher_timer;
	sim_timer_id fetch_due_timer; /* the oldest replica fetch in flight times out */
	sim_timer_id alter_due_timer; /* the AlterPartition request out times out */
	bool alter_inflight;      /* an AlterPartition request is out (or waits for a
				   * controller): the next waits for its answer */
	uint32_t alter_req_id;    /* the request out: answers to older ones are stale */
	struct deadlines *pp_due; /* acks=all produces waiting, with their request timeouts */
	struct deadlines *pf_due; /* parked fetches, with their max wait */
	int64_t unflushed_msgs;
	uint64_t produce_reqs, fetch_reqs;
};

#include "clients.h"
#include "group.h"

/* checker.c: end-of-run accounting, filled by chk__run */
struct chk_figures {
	int64_t acked_lost, log_duplicates, order_violations;
	int64_t failed_in_log;    /* records reported failed to the producer yet in the log */
	int64_t acked_records;
};
struct chk_result {
	struct chk_figures all;
	struct chk_figures *per_producer;
	int64_t divergent_offsets;
};

/* ks_alloc keeps freed blocks of up to KS_BLOCK_CLASSES * KS_BLOCK_GRAIN bytes (its header
 * included) for reuse. */
#define KS_BLOCK_GRAIN 64
#define KS_BLOCK_CLASSES 64

/* Counts and first/last times of state changes, for the summary's "events" section. */
enum ks_event { EV_LEADER_ELECTED, EV_UNCLEAN_ELECTION, EV_ISR_SHRINK, EV_ISR_EXPAND,
		EV_BROKER_FENCED, EV_LOG_TRUNCATED, EV_CONTROLLER_FAILOVER,
		EV_PRODUCER_DISCONNECTED, EV_BROKER_UNFENCED, EV_REGISTRATION_REFUSED,
		EV_CONTROLLED_SHUTDOWN, EV_COUNT };
struct ev_stat {
	int64_t count;
	sim_time_ns first_ns, last_ns;
	int64_t amount;           /* e.g. records truncated */
};
void cluster__event(struct cluster *c, enum ks_event e, int64_t amount);
struct controller {
	int active;               /* controller id 1..N, 0 none */
	bool *up;                 /* per controller id (1-based) */
	int n;
	sim_timer_id failover_timer, session_timer, push_timer;
	/* leader balancing (auto.leader.rebalance.enable) */
	int n_imbalanced;         /* partitions not led by their preferred replica */
	sim_timer_id balance_timer; /* the next pass */
};

/* Cache warming (sim.h) pays only when the brokers' per-partition state outgrows the
 * caches; below this many bytes of replicas it would only add instructions. */
#define KS_WARM_BYTES (4u << 20)

struct cluster {
	struct sim *sim;
	bool warm;                /* prefetch ahead (replicas > KS_WARM_BYTES); never changes
				   * an outcome */
	bool checks;              /* trace level debug: check the shortcuts' results against
				   * the full look-ups (one load where the hot paths ask) */
	const struct scenario *sc;
	struct trace *tr;
	/* Producers on a kernel of their own (cluster_new says when): psim, paired with sim
	 * and run on a second thread (sim.h); their trace lines go to ptr, merged with the
	 * others' in time order after each run. Otherwise psim == sim and ptr == tr. */
	struct sim *psim;
	struct trace *ptr;
	bool paired;
	int threads;              /* threads a paired run uses: 1 or 2 (never changes an
				   * outcome) */
	uint64_t seed;
	struct net net;
	struct broker *brokers;   /* brokers[id-1] */
	int n_brokers;
	struct topic *topics;
	int n_topics;
	struct partition *parts;
	struct replica *rep_pool;       /* every partition's replicas, partition by partition */
	struct follower_view *fv_pool;  /* every replica's follower views */
	struct waiter *pw_pool;         /* every replica's first KS_PW_FIRST waiters (kafka.h) */
	int n_parts;
	struct producer *producers;
	int n_producers;
	struct group *groups;
	int n_groups;
	struct controller ctl;
	struct meta_change *meta_log;
	int64_t n_meta, cap_meta;
	int64_t *meta_last;       /* broker__apply_metadata's scratch, per partition */
	int cap_meta_last;
	int first_controller_node, first_producer_node, first_member_node;
	/* statistics */
	/* Latencies are recorded once, in the current metrics interval's histograms; a
	 * metrics row folds them into the earlier intervals' (hist_merge: counts and integer
	 * sums, so the whole run's figures are exact) and the summary reads both. */
	struct hist produce_lat, e2e_lat;         /* the intervals before the current one */
	struct hist e2e_lat_iv;                   /* current metrics interval */
	uint64_t errors[KERR_COUNT];
	uint64_t records_consumed, fetch_requests, records_consumed_iv;
	/* written by the producers' kernel only: lines of their own (cluster.paired) */
	_Alignas(64) uint64_t records_produced, records_acked, records_failed;
	uint64_t produce_requests, batches_sent;
	uint64_t records_acked_iv, records_produced_iv;
	uint64_t errors_p[KERR_COUNT]; /* errors counted on it (the summary adds both) */
	struct hist produce_lat_iv;    /* current metrics interval */
	/* transient allocations: see ks_alloc() */
	/* by kernel (ks__kernel) and size class (index 0 unused): a block goes back to the
	 * pool of the kernel that frees it */
	_Alignas(64) struct pool ks_pools[2][KS_BLOCK_CLASSES + 1];
	struct ks_big *big;       /* live blocks too large for a size class */
	atomic_flag big_lock;     /* ... which either kernel of a pair may free */
	/* blocks the other kernel of a pair freed, for the pools of the one they came from
	 * (its messages are mostly freed by the other: without this one kernel's pools would
	 * only grow, the other's only fill): a stack each, pushed by the other kernel, taken
	 * whole by the owner when a pool runs dry */
	_Alignas(64) _Atomic(struct ks_block *) ks_remote[2];
	char ks_remote_pad[64 - 2 * sizeof(void *)];
	struct pool pf_pool;      /* parked fetches (broker.c) */
	struct chk_result chk;
	struct ev_stat events[EV_COUNT];
	bool finished;
	struct fault_state *faults;
	sim_timer_id retention_timer;
};

/* ---- cross-module calls inside models/ ------------------------------------------------ */

/* net.c: transient blocks (messages, parked requests), zeroed; freed with ks_free() or,
 * whatever is left when the run ends, by ks_free_all(). A block of up to KS_BLOCK_CLASSES *
 * KS_BLOCK_GRAIN bytes comes from its size class's pool (pool.h); a reused one is taken
 * here, inline, so that the clearing of a block of constant size compiles to a few
 * stores (a run allocates per message). */
struct ks_block {
	struct cluster *c;
	uint32_t cls;          /* size class, 0 = a large block (a ks_big precedes it) */
	uint32_t kernel;       /* whose pool it came from (ks__kernel); freed by the other, it
				* goes back through cluster.ks_remote */
	max_align_t align[];
};
void *ks__alloc_new(struct cluster *c, size_t size);
/* Blocks of class k are k cache lines, header included, and start on a line (pool.h): a
 * message of n lines' worth of bytes is read in n misses, not n + 1. */
static inline size_t ks__class(size_t size) /* > KS_BLOCK_CLASSES: a large block */
{
	return (size + offsetof(struct ks_block, align) + KS_BLOCK_GRAIN - 1) / KS_BLOCK_GRAIN;
}
/* 0 on the cluster's kernel, 1 on the producers' of a pair. */
static inline int ks__kernel(const struct cluster *c)
{
	return sim_current() != c->sim;
}
static inline void *ks_alloc(struct cluster *c, size_t size)
{
	size_t cls = ks__class(size);
	if (cls <= KS_BLOCK_CLASSES) {
		struct ks_block *blk = pool_reuse(&c->ks_pools[ks__kernel(c)][cls]);
		if (blk) { /* its first bytes held the free list's link */
			blk->c = c;
			blk->cls = (uint32_t)cls;
			blk->kernel = (uint32_t)ks__kernel(c);
			return memset(blk->align, 0, size);
		}
	}
	return ks__alloc_new(c, size);
}
void ks_free(void *p);
void ks_free_all(struct cluster *c);
/* net.c */
void net__init(struct cluster *c);
void net__release(struct cluster *c);
/* Send m (a malloc'd block whose header is filled by this call) from node to node; the
 * network frees it if it is lost. Delivery dispatches to cluster__deliver(). */
void net__send(struct cluster *c, int from, int to, struct msg *m, enum msg_type type,
	       int64_t bytes);
/* Send m back to where req came from, on req's connection: it is given up with req (TCP
 * drops it with the connection its client closes). */
void net__answer(struct cluster *c, const struct msg *req, struct msg *m, enum msg_type type,
		 int64_t bytes);
/* A node's process stops. A message to it comes back to its sender bounced (connection
 * refused), unless net__host_down says its whole machine is gone (messages vanish). */
void net__node_down(struct cluster *c, int node);
void net__host_down(struct cluster *c, int node);
void net__node_up(struct cluster *c, int node);
/* A starting broker's listeners: closed, a request to it is refused (bounced), while the
 * answers to its own requests arrive; net__open says whether a client may use the node. */
void net__set_closed(struct cluster *c, int node, bool closed);
bool net__open(const struct cluster *c, int node);
int net__broker_node(const struct cluster *c, int broker_id);
int net__controller_node(const struct cluster *c, int controller_id);
bool net__reachable(const struct cluster *c, int from, int to); /* no partition rule */
/* A partition rule ended: connections TCP held across it resend at their next timer. */
void net__healed(struct cluster *c);
/* Prefetch the link a send from -> to will read (cache warming). */
void net__warm_link(const struct cluster *c, int from, int to);
/* Pair the producers' kernel with the cluster's: their links' lookahead (cluster.paired). */
void net__pair(struct cluster *c);
/* Register the deliveries' warm function with the kernel (when c->warm). */
void net__warm_start(struct cluster *c);

/* cluster.c */
void cluster__deliver(struct cluster *c, struct msg *m);
/* Prefetch what delivering m will read first (sim.h, cache warming); changes nothing. */
void cluster__warm(const struct cluster *c, const struct msg *m);
/* A message the network refused (m->bounced): back to its sender's module. */
void cluster__bounce(struct cluster *c, struct msg *m);
struct partition *cluster__part(struct cluster *c, int topic, int index);
void cluster__count_error(struct cluster *c, enum ks_error e);
/* A trace event whose only field is one id: {"t_ns":..,"type":type,key:id}. */
void cluster__trace_id(struct cluster *c, const char *type, const char *key, int id);
/* key: [broker ids] for a set of p's replicas given as slots (an ISR, an ELR), in replica
 * order: for the trace and the summary alike. */
void cluster__json_slots(struct jsonw *w, const struct partition *p, const char *key,
			 uint32_t slots);

/* broker.c: requests and replication */
void broker__init(struct cluster *c);
void broker__release(struct cluster *c);
void broker__on_msg(struct cluster *c, struct broker *b, struct msg *m);
void broker__warm(const struct cluster *c, const struct broker *b, const struct msg *m);
void broker__on_bounce(struct cluster *c, struct broker *b, struct msg *m);
/* The process stops: crashes (clean false; lose_unflushed: a power loss) or ends a
 * controlled shutdown (clean). */
void broker__stop(struct cluster *c, struct broker *b, bool lose_unflushed, bool clean);
/* A `shutdown` fault: a controlled shutdown, then the process stops; false when the broker
 * is down or already shutting down (nothing begun). */
bool broker__shutdown(struct cluster *c, struct broker *b);
/* The controller quorum has a new active controller. */
void broker__controller_changed(struct cluster *c);
/* The connections to a crashed broker reset: followers fetching from it retry after the backoff. */
void broker__peer_reset(struct cluster *c, const struct broker *dead);
void broker__restart(struct cluster *c, struct broker *b);
/* The process runs and has been registered since it (re)started: it serves requests. */
static inline bool broker__serving(const struct broker *b) { return b->up && !b->starting; }
/* The controller's view (BrokerHeartbeatManager's active brokers): unfenced and not in
 * controlled shutdown - one that may lead, join an ISR, or be waited for by a high
 * watermark (Partition.isReplicaIsrEligible). */
static inline bool broker__active(const struct broker *b) { return !b->fenced && !b->in_shutdown; }
void broker__apply_metadata(struct cluster *c, struct broker *b, int64_t upto);
int broker__slot_of(const struct partition *p, int broker_id);
/* Metadata as broker b last applied it: the leader and epoch of partition p. */
int broker__view_leader(const struct cluster *c, const struct broker *b, int pid,
			int32_t *epoch);
void broker__retention(struct cluster *c);

/* controller.c */
void ctl__init(struct cluster *c);
void ctl__release(struct cluster *c);
void ctl__on_msg(struct cluster *c, int controller_id, struct msg *m);
void ctl__crash(struct cluster *c, int controller_id);
void ctl__restart(struct cluster *c, int controller_id);
void ctl__finish(struct cluster *c);
void ctl__elect_new(struct cluster *c, struct partition *p);
/* How a committed change chose its leader (the trace's "election" with ELR on). */
enum ctl_how { HOW_KEEP, HOW_ISR, HOW_ELR, HOW_LAST_LEADER, HOW_UNCLEAN, HOW_NONE };
void ctl__commit(struct cluster *c, struct partition *p, int leader, uint32_t isr,
		 uint32_t elr, bool new_epoch, enum ctl_how how, const char *reason);

/* producer.c, consumer.c: see clients.h */

/* faults.c */
void faults__schedule(struct cluster *c);
void faults__release(struct cluster *c);
int cluster__node_of(const struct cluster *c, const struct ks_node *n);
void cluster__add_partitions(struct cluster *c, int topic, int n);

void chk__run(struct cluster *c, struct chk_result *out);

/* A partition exists once its topic has grown to include it (add_partitions). */
static inline bool part_exists(const struct cluster *c, const struct partition *p)
{
	return p->index < c->topics[p->topic].n_partitions;
}

/* "<topic>-<index>", as Kafka's tools name a partition. */
static inline void part_name(const struct cluster *c, const struct partition *p, char *buf,
			     size_t n)
{
	snprintf(buf, n, "%s-%d", c->topics[p->topic].cfg->name, p->index);
}

/* The replica on the broker the controller made leader, NULL while offline. */
static inline const struct replica *part_leader_replica(const struct partition *p)
{
	for (int k = 0; k < p->rf; k++)
		if (p->replicas[k] == p->leader)
			return &p->rep[k];
	return NULL;
}

static inline int popcount32(uint32_t x) { return __builtin_popcount(x); }

/* Members of a replica's ISR bitmask (16 slots, KS_RF_MAX): two lookups in a table of the
 * bits set in each byte (broker.c), rather than popcount32's libgcc call (the build does
 * not assume the POPCNT instruction) or 12 instructions of bit-slicing; hw_target asks on
 * every follower fetch. test_cluster checks every mask against popcount32. */
extern const uint8_t ks_bits_in_byte[256];
static inline int isr_count(uint16_t x)
{
	return ks_bits_in_byte[x & 0xffu] + ks_bits_in_byte[x >> 8];
}

#endif
