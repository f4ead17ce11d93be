/*
 * msgs.h - the requests and responses that cross the simulated network, private to
 * models/. Each is one heap block: a struct msg header first, then the body, then any
 * flexible array. Batches in fetch responses are copies, so a leader may truncate its log
 * while a response is on the wire.
 */
#ifndef MODELS_MSGS_H
#define MODELS_MSGS_H

#include "kafka.h"

/* ProduceRequest: one per leader broker, carrying every drained partition's batch. */
struct produce_entry {
	int part;
	int32_t producer_epoch;
	int32_t count;
	int64_t first_seq;             /* identity (plog.h) */
	int64_t bytes;
	sim_time_ns create_ns, last_create_ns; /* first and last record's arrival */
	int64_t proto_seq;             /* the idempotence protocol's sequence */
};
struct produce_req {
	struct msg h;
	uint64_t req_id;
	int producer;
	enum ks_acks acks;
	bool idempotent;
	uint32_t conn;                 /* the connection it went on (the producer's attempt count) */
	sim_time_ns timeout_ns;
	int n;
	struct produce_entry e[];
};
struct produce_resp_entry {
	int part;
	enum ks_error err;
	int64_t base;
	/* KIP-951 CurrentLeader, only with NOT_LEADER_OR_FOLLOWER: the leader and epoch the
	 * answering broker's metadata names (-1: none) */
	int32_t leader, leader_epoch;
};
struct produce_resp {
	struct msg h;
	uint64_t req_id;
	int n;
	struct produce_resp_entry e[];
};

/* FetchRequest from a follower (replica >= 1) or a consumer member (replica == 0). Its
 * limits (min and max bytes, max wait) are the requester's configuration, which the leader
 * reads there (broker.c, fetch_limits) rather than from the request: a follower's fetch of
 * two partitions is then three cache lines. */
struct fetch_entry {
	int part;
	int32_t current_leader_epoch;  /* KIP-320 fencing */
	int64_t offset;
	int32_t last_fetched_epoch;    /* for OffsetsForLeaderEpoch / divergence */
	bool epoch_query;              /* OffsetsForLeaderEpoch instead of data: a follower's
					* truncation (KIP-101), a consumer's validation (KIP-320) */
	/* Look-up hints from a follower's fetcher (NULL from consumers): the replicas of part
	 * on the leader and on the follower (echoed in the response), which a partition's
	 * replica set fixes for the run. They spare each end a look-up through the partition,
	 * a cache miss before the replica's own in a large cluster. */
	struct replica *leader_rep, *follower_rep;
	struct follower_view *leader_fv; /* the leader's view of the follower, for warming */
};
struct fetch_req {
	struct msg h;
	int replica;                   /* follower broker id, 0 for a consumer */
	int member, group;             /* consumer */
	int fetcher;                   /* follower's fetcher index */
	uint64_t session;              /* the requester's fetch session id, echoed back */
	int n;
	struct fetch_entry e[];
};
_Static_assert(sizeof(struct fetch_entry) == 48, "a fetch entry is 48 bytes");
/* A fetch response entry's epoch_end_epoch when its request asked no epoch query. */
#define KS_EPOCH_NOT_ASKED INT32_MIN
struct fetch_resp_entry {
	int part;
	enum ks_error err;
	union {
		struct {
			int64_t hw, log_start, leo; /* the leader's, without an error */
		};
		/* KIP-951 CurrentLeader, with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH: the
		 * leader and epoch the answering broker's metadata names (-1: none) */
		struct {
			int32_t leader, leader_epoch;
		} current;
	};
	int64_t epoch_end_offset;      /* answer to epoch_query */
	int32_t epoch_end_epoch;       /* ... or KS_EPOCH_NOT_ASKED: not a query */
	int n_batches;                 /* the entry's batches follow the previous entries' */
	int64_t fetch_offset;          /* echoed */
	struct replica *follower_rep;  /* echoed hint (fetch_entry) */
};
struct fetch_resp {
	struct msg h;
	int replica, member, group, fetcher;
	uint64_t session;
	int n;
	int n_b;
	struct fetch_resp_entry e[];   /* then the n_b batches: fetch_resp_batches() */
};
_Static_assert(sizeof(struct fetch_resp_entry) == 64, "a fetch response entry is a line");
static inline struct batch *fetch_resp_batches(struct fetch_resp *r)
{
	return (struct batch *)(void *)(r->e + r->n);
}

/* Metadata for one topic as one broker has applied it. */
struct metadata_req {
	struct msg h;
	int topic;
};

/* A producer's connection attempt (TCP's handshake: answered by a live broker, refused by
 * a host whose process is down, lost across a network split) and a broker closing the
 * connection (acks=0 requests that failed: KafkaApis closes so the client refreshes). */
struct conn_msg {
	struct msg h;
	uint32_t attempt;
};
struct metadata_resp {
	struct msg h;
	int topic;
	int n;
	struct { int leader; int32_t epoch; } p[];
};

struct broker_heartbeat {
	struct msg h;
	int broker;
	int64_t applied_meta;
	bool registering;              /* a registration: the broker is starting */
	bool clean;                    /* registering: its last process shut down cleanly */
	bool want_shutdown;            /* a controlled shutdown: move my leaders away */
};
struct broker_heartbeat_resp {         /* answers registrations and controlled shutdowns */
	struct msg h;
	bool refused;                  /* DUPLICATE_BROKER_REGISTRATION */
	bool should_shutdown;          /* the controller let it stop */
};
struct metadata_push {
	struct msg h;
	int64_t upto;                  /* apply cluster.meta_log[applied .. upto) */
};
/* AlterPartition: one request a broker at a time, an entry a partition
 * (ReplicationControlManager.validateAlterPartitionData answers each). */
enum alter_err {
	ALTER_OK,
	ALTER_FENCED_LEADER_EPOCH,   /* proposed at an older leader epoch */
	ALTER_INVALID_REQUEST,       /* not from the partition's leader */
	ALTER_INVALID_UPDATE_VERSION, /* proposed at an older partition epoch */
	ALTER_INELIGIBLE_REPLICA,    /* a member fenced or in controlled shutdown */
};
struct alter_entry {
	int part;
	int32_t leader_epoch, partition_epoch;
	uint32_t new_isr;
};
struct alter_partition {
	struct msg h;
	int broker;
	uint32_t req_id;
	int n;
	struct alter_entry e[];
};
struct alter_resp_entry {
	int part;
	enum alter_err err;
	int32_t leader_epoch, partition_epoch; /* the partition's, after the change */
	uint32_t isr;
};
struct alter_partition_resp {
	struct msg h;
	uint32_t req_id;
	int n;
	struct alter_resp_entry e[];
};


#endif
