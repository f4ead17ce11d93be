/*
 * clients.h - producer and consumer state, private to models/ (included by kafka.h).
 * Producer: RecordAccumulator (per-partition batch queues, linger and batch.size) and Sender
 * (one produce request per leader broker carrying every drained partition's batch,
 * max.in.flight per connection, retries with backoff, delivery timeout), KafkaProducer's
 * idempotent sequence numbers. Consumer: members of a group polling partition leaders.
 */
#ifndef MODELS_CLIENTS_H
#define MODELS_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

/* A client's view of one topic's leaders, refreshed from any reachable broker. */
struct client_meta {
	int *leader;              /* per partition, broker id or -1 */
	int32_t *epoch;
	int n;
	bool pending;
	int rr;
	sim_timer_id timer;
	sim_time_ns backoff_ns;
	sim_time_ns max_age_ns;   /* metadata.max.age.ms */
	sim_time_ns request_timeout_ns; /* when a request unanswered closes the connection */
	sim_timer_id refresh_timer; /* max_age_ns after the last answer */
	int node, topic;          /* who asks, for what */
	bool frozen;              /* the client is paused (a consumer's GC pause): its timers
				   * wait for meta__thaw */
	bool deferred;            /* ... and one of them came due meanwhile */
	bool timeout_held;        /* ... or the request's timeout: judged at the resume, after
				   * the answers that came meanwhile */
	int asked;                /* the broker the request in flight went to (0: none) */
	/* The request to `broker` timed out: NetworkClient closes the connection it went on
	 * (NULL: the client models no such connection) */
	void (*timed_out)(struct cluster *c, struct client_meta *m, int broker);
};

/* A producer-side batch (ProducerBatch). */
struct pbatch {
	struct pbatch *next;      /* partition queue / request list */
	uint64_t serial;          /* the producer's count of batches when this one was created */
	int part;                 /* global partition id */
	int32_t count;
	int64_t bytes;
	int64_t first_seq;        /* -1 until first drained */
	int32_t epoch;            /* producer epoch of its proto_seq */
	int32_t sent_leader_epoch; /* the partition's leader epoch when last sent */
	int64_t proto_seq;        /* idempotence sequence in that epoch, -1 none yet */
	sim_time_ns create_ns;
	int64_t arrival_sum_ns;   /* sum over records of (arrival - create) */
	sim_time_ns last_arrival_ns;
	sim_time_ns retry_at_ns;  /* not before (backoff) */
	int attempts;
	bool in_flight;
	bool closed;              /* no more appends (drained once or full) */
	bool expired;             /* failed in flight at its delivery deadline: its request's
				   * answer changes nothing the user sees */
};

struct pqueue {               /* per partition of the producer's topic: two lines, the
			      * first all a record, a new batch and a drain touch, the second
			      * what an acknowledgement adds */
	_Alignas(64) int64_t records; /* records the partitioner sent here */
	struct pbatch *head, *tail;
	int n;                    /* batches queued (not in flight) */
	int32_t epoch;            /* producer epoch, bumped after an unresolvable sequence gap */
	int64_t next_seq;         /* next sequence number for this partition */
	int64_t next_proto;       /* next idempotence sequence in this epoch (from 0) */
	int leader;               /* leader broker id in the producer's metadata, -1 unknown */
	int32_t leader_epoch;
	bool listed;              /* in its connection's partition list */
	bool seq_unresolved;      /* a sequenced batch failed: nothing drains until resolved */
	int64_t acked_proto_end;  /* one past the last acknowledged sequence in this epoch */
	struct rset acked;        /* acknowledged sequence numbers */
	struct rset failed;       /* sequence numbers given up on (delivery timeout) */
	int64_t unsent_failed;    /* records given up on before they had a sequence */
};
_Static_assert(sizeof(struct pqueue) == 128 && offsetof(struct pqueue, listed) < 64,
	       "a producer's partition queue is two lines");

struct pconn {                /* producer -> one broker */
	int in_flight;
	bool ready;               /* in the producer's ready list */
	int *parts;               /* partition ids queued for this broker (unordered) */
	int n_parts, cap_parts;
	int drain_index;
	/* NetworkClient's connection state: a closed connection takes nothing until a new
	 * one is made (batches wait in the accumulator) */
	bool down;
	bool used;                /* a request went on it: a broker crash resets it */
	bool connecting;          /* an attempt is on the wire */
	uint32_t attempt;         /* the attempt's number, to match its answer */
	sim_time_ns backoff_ns;   /* before the next attempt (reconnect.backoff.ms, doubling) */
	sim_timer_id timer;       /* the next attempt, or the attempt's next SYN or timeout */
	sim_time_ns connect_start_ns, rto_ns; /* the attempt's start, its SYN backoff */
	struct producer *p;       /* the owner, and the broker id: for the timer */
	int broker;
};

struct linger_entry { sim_time_ns at; int part; uint64_t serial; };

struct producer {
	const struct producer_cfg *cfg;
	int idx, node;
	int topic;
	gsl_rng *rng_arrival, *rng_key, *rng_size, *rng_part;
	gsl_ran_discrete_t *key_parts; /* keyed: the partition law the keys induce */
	struct part_sticky sticky;
	struct pqueue *pq;        /* indexed by partition index within the topic */
	int n_pq;
	struct pconn *conn;       /* by broker id - 1 */
	struct linger_entry *linger;  /* FIFO ring of batches by linger expiry */
	size_t linger_head, linger_n, linger_cap;
	sim_timer_id arrival_timer, sender_timer;
	sim_time_ns sender_at;
	sim_time_ns *arr;         /* the next arrival times, drawn ahead (a ring) */
	double *arr_u;            /* keyed_law: their key draws (uniforms), and */
	int32_t *arr_part;        /* the partitions these pick */
	unsigned arr_head, arr_n; /* arr_n 0: not started */
	int64_t const_bytes;      /* record.size when constant (no draw), else -1 */
	bool keyed_law;           /* partitions drawn from the keys' law (murmur2, default) */
	bool sticky_records;      /* the built-in sticky partitioner sees each record */
	int64_t open_max;         /* no open batch holds more bytes than this */
	uint64_t open_scan_at;    /* produced count at which open_max is next recomputed */
	uint64_t next_req_id;
	uint64_t produced, acked, failed, batches, requests, retries;
	bool *avail;              /* per partition: a leader is known (partitioner input) */
	int *qsizes;              /* per partition: batches queued (adaptive partitioning) */
	struct linger_entry *retry; /* partitions with a batch in retry backoff, until when */
	int n_retry, cap_retry;
	struct preq *reqs;        /* requests in flight */
	int n_reqs, cap_reqs;
	int *ready;               /* broker ids whose connection has something to send */
	int n_ready;
	struct client_meta meta;
	sim_timer_id expiry_timer;
	sim_timer_id req_timer;   /* one timer for every request's timeout (the earliest) */
	sim_ticket req_timer_ticket;
	struct pbatch *spare;     /* freed batches, reused (a list through next) */
	int *unresolved;          /* partition indexes whose sequence is unresolved */
	int n_unresolved, cap_unresolved;
};

/* A produce request in flight, remembered by the producer for timeouts. */
struct preq {
	uint64_t id;
	int broker;
	struct pbatch **batches;
	int n;
	int cap;                  /* of batches: the array outlives the request, reused */
	sim_time_ns deadline;     /* request.timeout.ms after the send */
	sim_ticket ticket;        /* the deadline's place in the event order */
};

/* ---- consumers -------------------------------------------------------------------- */

/* meta.c: client metadata */
void meta__init(struct client_meta *m, int n, sim_time_ns backoff_ns, sim_time_ns max_age_ns,
		sim_time_ns request_timeout_ns);
void meta__release(struct client_meta *m);
void meta__grow(struct client_meta *m, int n);
/* Ask a reachable broker for the topic's leaders; the answer comes as MSG_METADATA_RESP. */
void meta__request(struct cluster *c, struct client_meta *m, int node, int topic);
/* The client's process is gone (a crash): no request is in flight, no retry is due. */
void meta__reset(struct client_meta *m);
/* The connection to `broker` closed (reset, refused, timed out): a request in flight on
 * it fails, and the update is asked again after the backoff (NetworkClient's
 * handleServerDisconnect). */
void meta__disconnected(struct cluster *c, struct client_meta *m, int broker);
/* Apply an answer to the request in flight (a late one, to a request that timed out or
 * whose connection closed, changes nothing); returns true if any partition still has no
 * leader. Each answer arms the next refresh max_age_ns later (Metadata.maxAge). */
bool meta__apply(struct cluster *c, struct client_meta *m, const struct msg *resp);
/* KIP-951 (Metadata.updatePartitionLeadership): partition i's leader as an error answer
 * named it (leader -1: none), taken if its epoch is newer; returns whether it was. */
bool meta__take_leader(struct client_meta *m, int i, int leader, int32_t epoch);
/* Arm that refresh now, for a client that starts with metadata it did not ask for. */
void meta__refresh_arm(struct cluster *c, struct client_meta *m, int node, int topic);
/* The client resumes after a pause (frozen): a refresh or retry that came due meanwhile is
 * sent now. */
void meta__thaw(struct cluster *c, struct client_meta *m);

/* producer.c */
void prod__init(struct cluster *c);
void prod__release(struct cluster *c);
/* The run ends: waits for an acknowledgement still open count in max_ack_gap_ms. */
void prod__finish(struct cluster *c);
void prod__on_msg(struct cluster *c, struct producer *p, struct msg *m);
void prod__on_bounce(struct cluster *c, struct producer *p, struct msg *m);
void prod__start(struct cluster *c);
/* Apply every producer's arrivals up to now (before anything reads their counts). */
void prod__catch_up(struct cluster *c);
/* A broker process died: its connections reset, so requests in flight to it fail now. */
void prod__broker_disconnect(struct cluster *c, int broker_id);
void prod__topic_grew(struct cluster *c, int topic);
void prod__complete(struct cluster *c, struct producer *p, struct pbatch *b, enum ks_error err);

#endif
