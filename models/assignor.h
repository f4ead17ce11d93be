/*
 * assignor.h - the Java consumer's partition assignors as pure functions: RangeAssignor,
 * RoundRobinAssignor, StickyAssignor and CooperativeStickyAssignor (both built on
 * AbstractStickyAssignor), without rack awareness. Given the members' subscriptions, what
 * they own now and the topics' partition counts, asg_assign() returns what the group
 * leader's assignor would return, partition for partition and in the same list order.
 *
 * No simulation state, no hashing of our own: wherever Kafka's result depends on the
 * iteration order of a java.util.HashMap or HashSet, that order is recomputed from Java's
 * String.hashCode()/TopicPartition.hashCode() and the table capacity, so the answer does
 * not depend on addresses. Names compare as java.lang.String.compareTo does (UTF-16 code
 * units, so "consumer10" sorts before "consumer2").
 */
#ifndef MODELS_ASSIGNOR_H
#define MODELS_ASSIGNOR_H

#include <stdbool.h>

#include "config.h"

/* A topic partition: topic is an index into asg_input.topics. */
struct asg_tp {
	int topic;
	int partition;
};

struct asg_topic {
	const char *name;
	int partitions;   /* 0 = no metadata: Kafka skips the topic */
};

struct asg_member {
	const char *member_id;          /* member.id, unique in the group */
	const char *instance_id;        /* group.instance.id; NULL for a dynamic member */
	const char *const *topics;      /* subscription by name; names without metadata allowed */
	int n_topics;
	const struct asg_tp *owned;     /* owned partitions (sticky: the previous assignment) */
	int n_owned;
	bool has_generation;            /* absent behaves as Kafka's DEFAULT_GENERATION (-1) */
	int generation;                 /* generation the owned partitions belong to */
};

/* The group as the leader sees it. Member order is the JoinGroup order; it only breaks
 * ties between members whose ids fall into the same java.util.HashMap bucket. */
struct asg_input {
	const struct asg_topic *topics;
	int n_topics;
	const struct asg_member *members;
	int n_members;
};

struct asg_list {
	struct asg_tp *tps;   /* in Kafka's order */
	int n;
};

/* One list per input member, same order. Free with asg_result_release(). */
struct asg_result {
	struct asg_list *members;
	int n_members;
};

enum {
	ASG_OK = 0,
	ASG_EINVAL = -1,      /* duplicate member id or topic name, bad topic index, NULL name */
};

/* Run strategy s over in. Returns ASG_OK and fills out, or ASG_EINVAL (out left empty).
 * For ASG_COOPERATIVE_STICKY the result is the first round: a partition whose owner
 * changes is left out until its old owner has revoked it (asg_revocations) and a follow-up
 * rebalance, with the new ownership, hands it over. */
int asg_assign(enum ks_assignor s, const struct asg_input *in, struct asg_result *out);

/* For each member, the partitions it owns that target does not give it, in owned order:
 * what the cooperative protocol revokes (ConsumerCoordinator: owned minus assigned).
 * Returns the total count, or ASG_EINVAL. */
int asg_revocations(const struct asg_input *in, const struct asg_result *target,
		    struct asg_result *out);

void asg_result_release(struct asg_result *r);

/* Kafka's short names ("range", "roundrobin", "sticky", "cooperative-sticky") or the Java
 * class names (org.apache.kafka.clients.consumer.RangeAssignor, ...). 0 or -1. */
int asg_parse_strategy(const char *name, enum ks_assignor *out);
/* The short name, as ConsumerPartitionAssignor.name() returns it. */
const char *asg_strategy_name(enum ks_assignor s);

/* java.lang.String.compareTo and hashCode over UTF-8 input. */
int asg_java_compare(const char *a, const char *b);
int asg_java_hash(const char *s);

#endif
