/*
 * group.h - consumer groups and their members, private to models/ (included by kafka.h):
 * the poll loop (consumer.c), the group coordinator (group.c) and what they report
 * (group_report.c).
 */
#ifndef MODELS_GROUP_H
#define MODELS_GROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct summ;

/* Records fetched but not yet returned by poll(), per assigned partition. */
struct fbuf {
	struct batch *b;          /* copies of fetched batches, b[head..n) */
	int head, n, cap;
};

struct member {
	int idx;                  /* member index within the group (0-based) */
	int node;
	struct group *g;
	bool active;              /* joined and not crashed / left */
	int *assigned;            /* partition indexes within the topic */
	int n_assigned;
	int64_t *position;        /* per assigned partition: next offset to fetch */
	int64_t *consumed;        /* per assigned partition: next offset poll() has not returned */
	struct fbuf *buf;         /* per assigned partition */
	bool *fetching;           /* per assigned partition: in a fetch in flight */
	uint64_t *fetch_session;  /* per broker: the session of the fetch in flight, 0 none */
	bool waiting;             /* poll() blocked for data */
	bool processing;
	sim_time_ns last_commit_ns;
	sim_timer_id poll_timer;
	struct client_meta meta;
	uint64_t processed;       /* records */
	uint32_t incarnation;     /* bumped on crash: work in progress is lost */
	double slow_factor;       /* `slow` fault: processing time multiplier */
	uint64_t polls;
	uint64_t session_ctr;
	char name[KS_NAME_MAX + 16];
};

struct group {
	const struct group_cfg *cfg;
	int idx;
	int topic;
	struct member *members;
	int n_members, cap_members, n_joined;
	gsl_rng *rng;
	int64_t *committed;       /* per partition of the topic, -1 none */
	struct rset *processed;   /* per partition: offsets processed at least once */
	uint64_t records_processed, duplicates;
	int64_t *records_per_part;
	int n_parts;
};

/* consumer.c */
void cons__init(struct cluster *c);
void cons__release(struct cluster *c);
void cons__on_msg(struct cluster *c, struct member *mb, struct msg *m);
void cons__start(struct cluster *c);
void cons__member_crash(struct cluster *c, int group, int member);
void cons__member_restart(struct cluster *c, int group, int member);
void cons__member_slow(struct cluster *c, int group, int member, double factor);
/* Group faults: pause, join, leave, reset_offsets, add_partitions. */
void cons__fault(struct cluster *c, const struct fault_cfg *f, bool start);
void cons__topic_grew(struct cluster *c, int topic);

/* A MSG_GROUP message delivered to broker b (its group coordinator); takes ownership of m
 * (free it with ks_free). A broker crash calls cons__coordinator_crash. */
void cons__coordinator_msg(struct cluster *c, struct broker *b, struct msg *m);
void cons__coordinator_crash(struct cluster *c, struct broker *b);

/* group_report.c: the groups' part of metrics.csv, snapshots.txt and summary.json */
void cons__metrics_header(const struct cluster *c, FILE *out, bool per_partition);
void cons__metrics_row(const struct cluster *c, FILE *out, bool per_partition);
void cons__snapshot(const struct cluster *c, FILE *out);
/* "groups": {...} in the summary, and the consumer figures under "checker" */
void cons__summary(const struct cluster *c, struct summ *s);
void cons__checker_summary(const struct cluster *c, struct summ *s);

#endif
