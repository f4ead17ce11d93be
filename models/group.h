/*
 * group.h - consumer groups and their members, private to models/ (included by kafka.h):
 * the poll loop (consumer.c: KafkaConsumer, Fetcher, ConsumerCoordinator), the group
 * coordinator of the classic protocol (group.c: GroupCoordinator, GroupMetadata) and what
 * they report (group_report.c: lag, a Burrow-style status, snapshots, the summary).
 *
 * One struct group holds both sides of a group: its members' client state (struct member,
 * one per member node, indexed by the member's slot) and the coordinator's state (struct
 * cmember per slot, the generation, committed offsets). The coordinator's part is what
 * __consumer_offsets would hold, so it survives a coordinator failover. A member slot is
 * one consumer process; each time it joins afresh it gets a new member id (mid).
 */
#ifndef MODELS_GROUP_H
#define MODELS_GROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct summ;
struct taken;

#define GRP_POS_RESET (-1)    /* no committed offset: ask the leader (auto.offset.reset) */
#define GRP_POS_UNKNOWN (-2)  /* waiting for the committed offset (OffsetFetch) */

/* Records fetched but not yet returned by poll(), per assigned partition. */
struct fbuf {
	struct batch *b;          /* copies of fetched batches, b[head..n) */
	int head, n, cap;
};

/* One partition assigned to a member, as the member sees it (SubscriptionState). */
struct mpart {
	int idx;                  /* partition index within the topic */
	int64_t position;         /* next offset to fetch, or GRP_POS_* */
	int64_t consumed;         /* next offset poll() has not returned: what commits carry */
	struct fbuf buf;
	bool fetching;            /* in a fetch in flight */
	bool stuck;               /* auto.offset.reset none with no offset, or a truncation
				   * found under none: not read (the exception reaches the app) */
	/* KIP-320: a position carries the leader epoch of the record before it (offsetEpoch)
	 * and the leader epoch it was last validated against (currentLeader) */
	bool validating;          /* AWAIT_VALIDATION: OffsetsForLeaderEpoch before fetching */
	int32_t pos_epoch;        /* epoch of the record before position, -1 unknown */
	int32_t consumed_epoch;   /* epoch of the record before consumed, -1 unknown */
	int32_t leader_epoch;     /* the metadata's leader epoch when validated, -1 none */
	uint64_t val_session;     /* the fetch session carrying the epoch query, 0 none */
};

enum mstate { MS_UNJOINED, MS_JOINING, MS_SYNCING, MS_STABLE };

struct member {
	int idx;                  /* member slot within the group (0-based) */
	int node;
	struct group *g;
	bool active;              /* the process runs (not crashed, not left) */
	bool paused;              /* `pause` fault: a stop-the-world GC pause */
	uint32_t incarnation;     /* bumped on crash and leave: stale events are ignored */
	char name[KS_NAME_MAX + 16];      /* client.id: <group>-<k> */
	char member_id[KS_NAME_MAX + 32]; /* member.id: <client.id>-<hex>, "" before joining */
	uint32_t mid;             /* member id as a number, 0 = none */
	int32_t generation;       /* -1 = none */
	enum mstate state;
	bool rejoin;              /* rejoin at the next poll (rejoinNeeded) */
	const char *rejoin_reason;
	int coord;                /* coordinator broker id, -1 unknown */
	/* assignment */
	struct mpart *p;          /* owned partitions, in assignment order */
	int n_p, cap_p;
	int *slot;                /* per topic partition: index into p, -1 not owned */
	int32_t owned_gen;        /* generation the owned partitions come from, -1 none */
	int *prev;                /* eager: the last assignment, StickyAssignor's user data */
	int n_prev;
	/* fetching */
	uint64_t *fetch_session;  /* per broker: the session of the fetch in flight, 0 none */
	sim_time_ns *fetch_sent_ns; /* per broker: when that fetch left */
	sim_timer_id fetch_watchdog;
	sim_timer_id meta_timer;  /* metadata refresh while a leader is down (retry.backoff.ms) */
	uint64_t session_ctr;
	struct client_meta meta;
	/* poll loop */
	bool waiting;             /* poll() found nothing: woken by data, assignment or a timer */
	bool blocked;             /* in commitSync (after processing, before a rejoin, on close) */
	bool leaving;             /* `leave` fault: close() at the next poll */
	int after;                /* what the blocked poll loop does once the commit is done */
	struct grp_entry *pend;   /* the blocking commit's offsets, kept for retries */
	int n_pend, cap_pend;
	const char *pend_how;
	uint64_t commit_seq;
	struct taken *held;       /* before-process: the batch waiting for its commit */
	sim_time_ns last_poll_ns;
	sim_time_ns next_auto_commit_ns;
	struct taken **wq;        /* poll batches being processed: wq[0] in progress */
	int wq_n, wq_cap;
	bool working;             /* wq[0] is being processed */
	sim_time_ns work_start_ns, work_end_ns, work_left_ns, pause_start_ns;
	sim_timer_id work_timer, wake_timer, kick_timer;
	/* coordinator requests in flight, by request id (0 = none) */
	uint64_t req_ctr;
	uint64_t find_req, join_req, sync_req, commit_req, offfetch_req;
	sim_timer_id find_timer, join_timer, sync_timer, commit_timer, offfetch_timer;
	sim_time_ns commit_deadline_ns;  /* commitSync gives up (default.api.timeout.ms) */
	/* heartbeats (AbstractCoordinator.HeartbeatThread) */
	sim_timer_id hb_timer, poll_timer;
	sim_time_ns last_hb_resp_ns;
	sim_time_ns hb_sent_ns;          /* of the heartbeat in flight */
	bool hb_inflight;
	/* messages that arrived during a GC pause, handled when it ends */
	struct msg **deferred;
	int n_def, cap_def;
	bool def_hb, def_poll_check;
	/* accounting */
	sim_time_ns stop_since_ns;  /* stopped by a rebalance since, -1 not stopped */
	int64_t pause_ns;
	uint64_t processed;       /* records */
	uint64_t polls, commits, commits_failed;
	double slow_factor;       /* `slow` fault: processing time multiplier */
	sim_time_ns crash_ns;     /* last crash, -1 none: the coordinator's detection delay */
};

/* ---- the coordinator's side ------------------------------------------------------------- */

enum gstate { GS_EMPTY, GS_PREPARING, GS_COMPLETING, GS_STABLE };

/* The coordinator's view of one member slot (MemberMetadata). */
struct cmember {
	bool in;                  /* a member of the group */
	bool is_static;
	uint32_t mid;
	uint32_t join_order;      /* when it first joined: leader choice and member order */
	bool joined;              /* PreparingRebalance: its JoinGroup is held */
	bool sync_wait;           /* CompletingRebalance: its SyncGroup is held */
	uint64_t join_req, sync_req;
	sim_time_ns deadline_ns;  /* session expiry */
	sim_timer_id hb_timer;
	int *owned;               /* from its JoinGroup: n_owned ownedPartitions, then n_user */
	int n_owned, n_user, cap_owned;   /* of StickyAssignor's user data */
	int32_t owned_gen;
	int *assign;              /* this generation's assignment */
	int n_assign, cap_assign;
	uint64_t commit_seq;      /* last OffsetCommit applied: one connection keeps order */
	uint32_t commit_mid;
	/* a dynamic member's previous instance, still in the group until its session ends */
	uint32_t ghost_mid;       /* 0 none */
	sim_time_ns ghost_deadline_ns;
	sim_timer_id ghost_timer;
};

/* One completed rebalance, for the summary. */
struct rb_record {
	sim_time_ns start_ns, end_ns;
	int32_t generation;
	int members;
	int moved;                /* partitions whose owner changed */
	int revoked;              /* partitions members gave up (eager: all they owned) */
};

/* Burrow's per-partition window of committed offsets (storage/inmemory.go). */
struct bw_entry {
	int64_t offset, lag;
	sim_time_ns t;
};

enum grp_cause { CAUSE_NONE, CAUSE_CRASH, CAUSE_REBALANCE, CAUSE_EXPIRED, CAUSE_LEFT,
		 CAUSE_COMMIT_FAILED, CAUSE_RESET, CAUSE_PAUSE };

/* Burrow status constants (protocol.StatusConstant) */
enum grp_status { ST_NOTFOUND = 0, ST_OK = 1, ST_WARNING = 2, ST_ERROR = 3, ST_STOPPED = 4,
		  ST_STALLED = 5, ST_REWIND = 6, ST__COUNT };

struct group {
	const struct group_cfg *cfg;
	int idx;
	int topic;
	struct member *members;
	int n_members, cap_members;
	gsl_rng *rng;
	int n_parts;              /* partitions of the topic now */
	int max_parts;            /* arrays below are sized for this many */
	/* coordinator: GroupMetadata, with the offsets __consumer_offsets would hold */
	int offsets_partition;    /* partitionFor(group.id): abs(hashCode) % 50 */
	int coord;                /* broker id, -1 while failing over */
	enum gstate state;
	int32_t generation;
	int leader;               /* member slot, -1 none */
	bool cooperative;         /* rebalance protocol: every assignor supports COOPERATIVE */
	enum ks_assignor strategy;
	struct cmember *cm;
	int n_in, n_waiting;      /* members; members whose JoinGroup is held */
	uint32_t join_seq, mid_seq;
	int n_ghosts;
	sim_timer_id join_timer, failover_timer;
	bool initial_join;        /* the join phase is an InitialDelayedJoin */
	sim_time_ns join_remaining_ns; /* InitialDelayedJoin: budget left */
	bool new_member_added;
	int *owner;               /* per partition: owner slot in this generation, -1 */
	int *last_owner;          /* per partition: the last owner it had, -1 never */
	int *mark;                /* scratch per partition: == mark_stamp when marked */
	int mark_stamp;
	int64_t *committed;       /* per partition, -1 none */
	/* rebalance accounting */
	sim_time_ns rb_start_ns;  /* -1 no rebalance in progress */
	const char *rb_reason;
	int rb_revoked;
	struct rb_record *rb;
	int n_rb, cap_rb;
	uint64_t rebalances, moved, revoked;
	int64_t pause_ns;         /* members stopped by rebalances, member-ns */
	int64_t part_pause_ns;    /* partitions without a processing owner, partition-ns */
	sim_time_ns *unowned_since; /* per partition, -1 owned or never owned */
	uint64_t joins, leaves, expirations, commits_stored;
	uint64_t resets_no_offset, resets_out_of_range; /* auto.offset.reset applied */
	uint64_t validations, truncations; /* KIP-320: positions validated, truncations found */
	int64_t detect_ns_last, detect_ns_max;  /* crash -> member.expired, -1 none */
	/* record accounting */
	struct rset *processed;   /* per partition: offsets processed at least once */
	struct rset **effects;    /* per partition, per producer: sequences whose effect applied */
	int64_t *origin;          /* per partition: lowest start position, -1 none */
	enum grp_cause *cause;    /* per partition: why a redelivery would happen */
	uint64_t records_processed, duplicates, dup_effects, effects_prevented, in_batch_dropped;
	int64_t *records_per_part;
	int64_t skipped;          /* filled at the end */
	/* Burrow-style status (group_report.c) */
	struct bw_entry *bw;      /* per partition: status_window entries, ring */
	int *bw_n, *bw_head;
	int64_t *bw_hw;           /* per partition: the high watermark at the last tick */
	enum grp_status status, part_status;
	int status_part;          /* the partition behind part_status, -1 */
	sim_time_ns status_ns[ST__COUNT];
	sim_time_ns status_last_ns;
	sim_timer_id status_timer;
	int64_t lag_max;
	sim_time_ns lag_max_ns;
	uint64_t rate_last, rate_peak;
};

/* ---- MSG_GROUP: requests to the coordinator and their responses ------------------------ */

enum grp_kind {
	GRP_FIND_COORDINATOR, GRP_FIND_COORDINATOR_RESP,
	GRP_JOIN, GRP_JOIN_RESP,
	GRP_SYNC, GRP_SYNC_RESP,
	GRP_HEARTBEAT, GRP_HEARTBEAT_RESP,
	GRP_LEAVE, GRP_LEAVE_RESP,
	GRP_OFFSET_COMMIT, GRP_OFFSET_COMMIT_RESP,
	GRP_OFFSET_FETCH, GRP_OFFSET_FETCH_RESP,
};

/* Group error codes (names as in org.apache.kafka.common.protocol.Errors). */
enum grp_error {
	GERR_NONE,
	GERR_COORDINATOR_NOT_AVAILABLE,
	GERR_NOT_COORDINATOR,
	GERR_UNKNOWN_MEMBER_ID,
	GERR_ILLEGAL_GENERATION,
	GERR_REBALANCE_IN_PROGRESS,
	GERR_FENCED_INSTANCE_ID,
	GERR_REQUEST_TIMED_OUT,     /* client side: no answer in time, or the connection reset */
};
const char *grp_error_name(enum grp_error e);

/* JoinGroup response to the leader: each member's subscription metadata. */
struct grp_meta {
	int member;               /* slot */
	uint32_t mid;
	bool is_static;
	int32_t owned_gen;
	int first, n;             /* into the entries: ownedPartitions */
	int n_user;               /* the entries after those: StickyAssignor's user data */
};

/* One entry: a partition with an offset (commits, fetches) or an owner (assignments). */
struct grp_entry {
	int member;
	int part;                 /* partition index within the topic */
	int64_t offset;
};

struct grp_msg {
	struct msg h;
	enum grp_kind kind;
	enum grp_error err;
	int group, member;        /* group index, member slot */
	uint32_t mid;             /* the sender's member id, 0 = none yet */
	int32_t generation;
	uint64_t req;             /* request id, echoed in the response */
	uint64_t seq;             /* OFFSET_COMMIT: the member's commit sequence number */
	int coordinator;          /* FIND_COORDINATOR_RESP: broker id */
	bool is_static;           /* JOIN: group.instance.id set */
	bool leader;              /* JOIN_RESP: the receiver leads and must assign */
	bool cooperative;         /* JOIN_RESP: the protocol */
	enum ks_assignor strategy;
	int32_t owned_gen;        /* JOIN: generation of the owned partitions */
	int n_user;               /* JOIN: the last n_user entries are StickyAssignor's user data */
	const char *how;          /* OFFSET_COMMIT: auto, sync, async, ... (static strings) */
	int n_meta;
	struct grp_meta *meta;    /* JOIN_RESP to the leader: points into this block */
	int n;
	struct grp_entry *e;      /* points into this block */
};

/* ---- entry points ----------------------------------------------------------------------- */

/* consumer.c */
void cons__init(struct cluster *c);
void cons__release(struct cluster *c);
void cons__on_msg(struct cluster *c, struct member *mb, struct msg *m);
void cons__start(struct cluster *c);
void cons__member_crash(struct cluster *c, int group, int member);
void cons__member_restart(struct cluster *c, int group, int member);
void cons__member_slow(struct cluster *c, int group, int member, double factor);
/* Group faults: pause, join, leave, reset_offsets. */
void cons__fault(struct cluster *c, const struct fault_cfg *f, bool start);
void cons__topic_grew(struct cluster *c, int topic);

/* group.c: a MSG_GROUP message delivered to broker b; takes ownership of m (free it with
 * ks_free). A broker crash calls cons__coordinator_crash. */
void cons__coordinator_msg(struct cluster *c, struct broker *b, struct msg *m);
/* reset: its connections reset (a process crash or stop, not a machine's power loss). */
void cons__coordinator_crash(struct cluster *c, struct broker *b, bool clean, bool reset);
/* Broker b begins a controlled shutdown: the coordinators it hosts move now. */
void cons__coordinator_resign(struct cluster *c, struct broker *b);

/* group.c, for consumer.c */
void grp__init(struct cluster *c, struct group *g);
void grp__release(struct group *g);
struct grp_msg *grp__msg_new(struct cluster *c, int n_meta, int n);
/* kafka-consumer-groups --reset-offsets: the new committed offsets, applied at once. */
void grp__reset_offsets(struct cluster *c, struct group *g, const struct fault_cfg *f);
/* The leader of a topic partition now, and its replica; NULL when offline. */
const struct replica *grp__leader_replica(const struct cluster *c, const struct group *g,
					  int idx);
void grp__trace_part(struct cluster *c, const struct group *g, const char *key, int idx);
/* member.id of slot's instance mid: <client.id>-<8 hex digits>, as Java strings compare */
void grp__member_id(const struct cluster *c, const struct group *g, int slot, uint32_t mid,
		    char *buf, size_t n);

/* consumer.c, for group.c: the connection to the coordinator broke (its broker crashed);
 * every owned partition restarts from the committed offset (reset_offsets). */
void cons__coordinator_lost(struct cluster *c, struct member *mb, const char *why);
/* Broker b went down: connections to it reset, so fetches in flight to it fail now. */
void cons__broker_down(struct cluster *c, struct member *mb, int broker);
void cons__reposition(struct cluster *c, struct member *mb);
/* Records of the poll being processed that are done by now (they complete evenly). */
int64_t cons__work_progress(const struct cluster *c, const struct member *mb);
const char *grp_cause_name(enum grp_cause k);

/* group_report.c: Burrow's window and status (each stored commit feeds the window) */
void grp__status_init(struct cluster *c, struct group *g);
void grp__status_release(struct group *g);
void grp__status_commit(struct cluster *c, struct group *g, int idx, int64_t offset);
const char *grp_status_name(enum grp_status s);

/* group_report.c: the groups' part of metrics.csv, snapshots.txt and summary.json */
void cons__metrics_header(const struct cluster *c, FILE *out, bool per_partition);
void cons__metrics_row(const struct cluster *c, FILE *out, bool per_partition);
void cons__snapshot(const struct cluster *c, FILE *out);
/* "groups": {...} in the summary, and the consumer figures under "checker" */
void cons__summary(const struct cluster *c, struct summ *s);
void cons__checker_summary(const struct cluster *c, struct summ *s);

/* Read-only accessors (tests): the partitions member `member` of group `group` owns now,
 * in assignment order, up to max; returns how many it owns. */
int cons_member_partitions(const struct cluster *c, int group, int member, int *out, int max);
/* Completed rebalances of a group and the i-th one's record (NULL past the end). */
int cons_rebalances(const struct cluster *c, int group);
const struct rb_record *cons_rebalance(const struct cluster *c, int group, int i);

#endif
