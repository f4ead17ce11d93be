/*
 * test_assignor.c - the consumer assignors against Kafka's own expectations.
 *
 * Each case names the Java test it comes from (RangeAssignorTest, RoundRobinAssignorTest,
 * AbstractStickyAssignorTest, StickyAssignorTest, CooperativeStickyAssignorTest, or the
 * examples in StickyAssignor's javadoc). Expected lists are Kafka's, in Kafka's order where
 * the Java test compares lists, as sorted sets where it compares sets. A seeded property
 * test checks validity and balance on random groups, and one case drives `kafkasim assign`.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "assignor.h"
#include "cmd_assign.h"

/* ---- a small group builder ----------------------------------------------------------- */

#define TMAX 64
#define MMAX 128
#define NOGEN (-1000)

struct tgroup {
	char tname[TMAX][32];
	struct asg_topic topics[TMAX];
	int nt;
	char id[MMAX][32], inst[MMAX][32];
	bool is_static[MMAX];
	const char *subs[MMAX][TMAX];
	int n_subs[MMAX];
	struct asg_tp *owned[MMAX];
	int n_owned[MMAX];
	int gen[MMAX];
	int nm;
	struct asg_member am[MMAX];
	struct asg_input in;
};

static void check_valid(const struct tgroup *g, const struct asg_result *r, bool complete);

static struct tgroup *tg_new(void)
{
	struct tgroup *g = calloc(1, sizeof *g);
	assert_non_null(g);
	return g;
}

static void tg_free(struct tgroup *g)
{
	for (int m = 0; m < g->nm; m++)
		free(g->owned[m]);
	free(g);
}

static int tg_topic_index(const struct tgroup *g, const char *name)
{
	for (int t = 0; t < g->nt; t++)
		if (!strcmp(g->tname[t], name))
			return t;
	return -1;
}

static void tg_topic(struct tgroup *g, const char *name, int partitions)
{
	assert_true(g->nt < TMAX);
	snprintf(g->tname[g->nt], sizeof g->tname[0], "%s", name);
	g->topics[g->nt] = (struct asg_topic){ g->tname[g->nt], partitions };
	g->nt++;
}

static int tg_find(const struct tgroup *g, const char *id)
{
	for (int m = 0; m < g->nm; m++)
		if (!strcmp(g->id[m], id))
			return m;
	fail_msg("no member %s", id);
	return -1;
}

/* topics: "a,b" by name (must be known), or NULL for every topic. */
static void tg_member(struct tgroup *g, const char *id, const char *topics)
{
	int m = g->nm++;
	char buf[512], *tok;

	assert_true(m < MMAX);
	snprintf(g->id[m], sizeof g->id[0], "%s", id);
	g->gen[m] = NOGEN;
	if (!topics) {
		for (int t = 0; t < g->nt; t++)
			g->subs[m][g->n_subs[m]++] = g->tname[t];
		return;
	}
	snprintf(buf, sizeof buf, "%s", topics);
	for (tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		int t = tg_topic_index(g, tok);
		assert_true(t >= 0);
		g->subs[m][g->n_subs[m]++] = g->tname[t];
	}
}

static void tg_static(struct tgroup *g, const char *id, const char *instance)
{
	int m = tg_find(g, id);
	snprintf(g->inst[m], sizeof g->inst[0], "%s", instance);
	g->is_static[m] = true;
}

/* list: "t1-0,t2-3" */
static void tg_owned(struct tgroup *g, const char *id, const char *list, int generation)
{
	int m = tg_find(g, id);
	char buf[4096], *tok;

	free(g->owned[m]);
	g->owned[m] = calloc(strlen(list) + 1, sizeof *g->owned[m]);
	g->n_owned[m] = 0;
	g->gen[m] = generation;
	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		char *dash = strrchr(tok, '-');
		*dash = '\0';
		int t = tg_topic_index(g, tok);
		assert_true(t >= 0);
		g->owned[m][g->n_owned[m]++] = (struct asg_tp){ t, atoi(dash + 1) };
	}
}

static void tg_remove(struct tgroup *g, const char *id)
{
	int m = tg_find(g, id);

	free(g->owned[m]);
	for (int k = m; k + 1 < g->nm; k++) {
		memcpy(g->id[k], g->id[k + 1], sizeof g->id[0]);
		memcpy(g->inst[k], g->inst[k + 1], sizeof g->inst[0]);
		g->is_static[k] = g->is_static[k + 1];
		memcpy(g->subs[k], g->subs[k + 1], sizeof g->subs[0]);
		g->n_subs[k] = g->n_subs[k + 1];
		g->owned[k] = g->owned[k + 1];
		g->n_owned[k] = g->n_owned[k + 1];
		g->gen[k] = g->gen[k + 1];
	}
	g->nm--;
	g->owned[g->nm] = NULL;
	g->n_owned[g->nm] = 0;
}

static const struct asg_input *tg_input(struct tgroup *g)
{
	for (int m = 0; m < g->nm; m++) {
		g->am[m] = (struct asg_member){
			.member_id = g->id[m],
			.instance_id = g->is_static[m] ? g->inst[m] : NULL,
			.topics = g->subs[m], .n_topics = g->n_subs[m],
			.owned = g->owned[m], .n_owned = g->n_owned[m],
			.has_generation = g->gen[m] != NOGEN, .generation = g->gen[m],
		};
	}
	g->in = (struct asg_input){ g->topics, g->nt, g->am, g->nm };
	return &g->in;
}

static void tg_assign(struct tgroup *g, enum ks_assignor s, struct asg_result *r)
{
	assert_int_equal(asg_assign(s, tg_input(g), r), ASG_OK);
	assert_int_equal(r->n_members, g->nm);
}

/* Every member now owns what r gave it, in generation gen. */
static void tg_adopt(struct tgroup *g, const struct asg_result *r, int gen)
{
	for (int m = 0; m < g->nm; m++) {
		free(g->owned[m]);
		g->owned[m] = calloc((size_t)r->members[m].n + 1, sizeof *g->owned[m]);
		memcpy(g->owned[m], r->members[m].tps,
		       (size_t)r->members[m].n * sizeof *g->owned[m]);
		g->n_owned[m] = r->members[m].n;
		g->gen[m] = gen;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A member's list as "t-p,t-p": in order, or sorted like Kafka's toSortedString. */
static const char *tg_fmt(const struct tgroup *g, const struct asg_list *l, bool sorted)
{
	static char bufs[8][8192];
	static int next;
	char *out = bufs[next++ % 8], items[1024][40];
	char *ptr[1024];

	assert_true(l->n <= 1024);
	for (int i = 0; i < l->n; i++) {
		snprintf(items[i], sizeof items[i], "%s-%d", g->tname[l->tps[i].topic],
			 l->tps[i].partition);
		ptr[i] = items[i];
	}
	if (sorted)
		qsort(ptr, (size_t)l->n, sizeof ptr[0], cmp_str);
	out[0] = '\0';
	for (int i = 0; i < l->n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, ptr[i]);
	}
	return out;
}

static const char *got(const struct tgroup *g, const struct asg_result *r, const char *id)
{
	return tg_fmt(g, &r->members[tg_find(g, id)], false);
}

static const char *got_set(const struct tgroup *g, const struct asg_result *r, const char *id)
{
	return tg_fmt(g, &r->members[tg_find(g, id)], true);
}

/* ---- KAFKA-FACTS cases ---------------------------------------------------------------- */

/* RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions (topics t1, t2 as in KAFKA-FACTS) */
static void test_range_two_consumers_two_topics(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t1", 3);
	tg_topic(g, "t2", 3);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t1-1,t2-0,t2-1");
	assert_string_equal(got(g, &r, "consumer2"), "t1-2,t2-2");
	asg_result_release(&r);
	tg_free(g);
}

/* RoundRobinAssignorTest.testTwoConsumersTwoTopicsSixPartitions */
static void test_roundrobin_two_consumers_two_topics(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t1", 3);
	tg_topic(g, "t2", 3);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_assign(g, ASG_ROUNDROBIN, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t1-2,t2-1");
	assert_string_equal(got(g, &r, "consumer2"), "t1-1,t2-0,t2-2");
	asg_result_release(&r);
	tg_free(g);
}

static struct tgroup *add_remove_group(void)
{
	struct tgroup *g = tg_new();
	tg_topic(g, "t1", 3);
	tg_topic(g, "t2", 4);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	return g;
}

/* AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics (StickyAssignor) */
static void test_sticky_add_remove_two_consumers_two_topics(void **state)
{
	struct tgroup *g = add_remove_group();
	struct asg_result r;
	(void)state;

	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t1-2,t2-1,t2-3");
	assert_string_equal(got(g, &r, "consumer2"), "t1-1,t2-0,t2-2");
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_member(g, "consumer3", NULL);
	tg_member(g, "consumer4", NULL);
	tg_owned(g, "consumer3", "", 1);
	tg_owned(g, "consumer4", "", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t2-1");
	assert_string_equal(got(g, &r, "consumer2"), "t2-0,t1-1");
	assert_string_equal(got(g, &r, "consumer3"), "t1-2,t2-3");
	assert_string_equal(got(g, &r, "consumer4"), "t2-2");
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_remove(g, "consumer1");
	tg_remove(g, "consumer2");
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer3"), "t1-2,t2-3,t1-0,t2-1");
	assert_string_equal(got(g, &r, "consumer4"), "t2-2,t1-1,t2-0");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics run through
 * CooperativeStickyAssignorTest.verifyValidityAndBalance: round 1 withholds the three
 * moving partitions, the follow-up rebalance grants them. */
static void test_cooperative_add_remove_two_consumers_two_topics(void **state)
{
	struct tgroup *g = add_remove_group();
	struct asg_result r, rev;
	(void)state;

	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t1-2,t2-1,t2-3");
	assert_string_equal(got(g, &r, "consumer2"), "t1-1,t2-0,t2-2");
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_member(g, "consumer3", NULL);
	tg_member(g, "consumer4", NULL);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t2-1");
	assert_string_equal(got(g, &r, "consumer2"), "t2-0,t1-1");
	assert_string_equal(got(g, &r, "consumer3"), "");
	assert_string_equal(got(g, &r, "consumer4"), "");
	assert_int_equal(asg_revocations(tg_input(g), &r, &rev), 3);
	assert_string_equal(got(g, &rev, "consumer1"), "t1-2,t2-3");
	assert_string_equal(got(g, &rev, "consumer2"), "t2-2");
	assert_string_equal(got(g, &rev, "consumer3"), "");
	asg_result_release(&rev);
	tg_adopt(g, &r, 2);   /* the follow-up rebalance, after the revocations */
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "t1-0,t2-1");
	assert_string_equal(got(g, &r, "consumer2"), "t2-0,t1-1");
	assert_string_equal(got(g, &r, "consumer3"), "t1-2,t2-3");
	assert_string_equal(got(g, &r, "consumer4"), "t2-2");
	assert_int_equal(asg_revocations(tg_input(g), &r, &rev), 0);
	asg_result_release(&rev);
	asg_result_release(&r);
	tg_free(g);
}

/* ---- RangeAssignorTest ---------------------------------------------------------------- */

/* RangeAssignorTest.testMultipleConsumersMixedTopics */
static void test_range_mixed_topics(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "topic2", 2);
	tg_member(g, "consumer1", "topic1");
	tg_member(g, "consumer2", "topic1,topic2");
	tg_member(g, "consumer3", "topic1");
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got_set(g, &r, "consumer1"), "topic1-0");
	assert_string_equal(got_set(g, &r, "consumer2"), "topic1-1,topic2-0,topic2-1");
	assert_string_equal(got_set(g, &r, "consumer3"), "topic1-2");
	asg_result_release(&r);
	tg_free(g);
}

/* RangeAssignorTest.testOnlyAssignsPartitionsFromSubscribedTopics,
 * testTwoConsumersOneTopicOnePartition, testOneConsumerNonexistentTopic; and uneven ranges */
static void test_range_subscribed_and_uneven(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "other", 3);
	tg_topic(g, "gone", 0);
	tg_member(g, "consumer1", "topic1");
	tg_member(g, "consumer2", "gone");
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0,topic1-1,topic1-2");
	assert_string_equal(got(g, &r, "consumer2"), "");
	asg_result_release(&r);
	tg_free(g);

	g = tg_new();
	tg_topic(g, "topic1", 1);
	tg_topic(g, "t", 7);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", "t");
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got_set(g, &r, "consumer1"), "t-0,t-1,t-2,topic1-0");
	assert_string_equal(got(g, &r, "consumer2"), "t-3,t-4");
	assert_string_equal(got(g, &r, "consumer3"), "t-5,t-6");
	asg_result_release(&r);
	tg_free(g);
}

/* RangeAssignorTest.testTwoStaticConsumersTwoTopicsSixPartitions and
 * testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions */
static void test_range_static_members(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "topic2", 3);
	tg_member(g, "consumer-b", NULL);
	tg_member(g, "consumer-a", NULL);
	tg_static(g, "consumer-b", "instance1");
	tg_static(g, "consumer-a", "instance2");
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got_set(g, &r, "consumer-b"), "topic1-0,topic1-1,topic2-0,topic2-1");
	assert_string_equal(got_set(g, &r, "consumer-a"), "topic1-2,topic2-2");
	asg_result_release(&r);
	g->is_static[tg_find(g, "consumer-a")] = false;   /* now one static, one dynamic */
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got_set(g, &r, "consumer-b"), "topic1-0,topic1-1,topic2-0,topic2-1");
	assert_string_equal(got_set(g, &r, "consumer-a"), "topic1-2,topic2-2");
	asg_result_release(&r);
	tg_free(g);
}

static void expect_static_persistent(struct tgroup *g, const char *dynamic)
{
	struct asg_result r;

	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0,topic1-1,topic2-0");
	assert_string_equal(got(g, &r, "consumer2"), "topic1-2,topic2-1");
	assert_string_equal(got(g, &r, "consumer3"), "topic1-3,topic2-2");
	assert_string_equal(got(g, &r, dynamic), "topic1-4,topic2-3");
	asg_result_release(&r);
}

/* RangeAssignorTest.testStaticMemberRangeAssignmentPersistent (compares lists in order) */
static void test_range_static_persistent(void **state)
{
	struct tgroup *g = tg_new();
	(void)state;

	tg_topic(g, "topic1", 5);
	tg_topic(g, "topic2", 4);
	for (int i = 1; i <= 3; i++) {
		char id[32], inst[32];
		snprintf(id, sizeof id, "consumer%d", i);
		snprintf(inst, sizeof inst, "instance%d", i);
		tg_member(g, id, NULL);
		tg_static(g, id, inst);
	}
	tg_member(g, "consumer4", NULL);
	expect_static_persistent(g, "consumer4");
	tg_remove(g, "consumer4");   /* replaced by a new dynamic member */
	tg_member(g, "consumer5", NULL);
	expect_static_persistent(g, "consumer5");
	tg_free(g);
}

/* RangeAssignorTest.testStaticMemberRangeAssignmentPersistentAfterMemberIdChanges */
static void test_range_static_after_member_id_changes(void **state)
{
	static const char *const want[] = {
		"topic1-0,topic1-1,topic2-0,topic2-1", "topic1-2,topic1-3,topic2-2,topic2-3",
		"topic1-4,topic2-4",
	};
	static const char *const ids[2][3] = {
		{ "consumer1", "consumer2", "consumer3" },
		{ "consumer1", "consumer5", "consumer4" },
	};
	(void)state;

	for (int round = 0; round < 2; round++) {
		struct tgroup *g = tg_new();
		struct asg_result r;
		tg_topic(g, "topic1", 5);
		tg_topic(g, "topic2", 5);
		for (int i = 0; i < 3; i++) {
			char inst[32];
			snprintf(inst, sizeof inst, "instance%d", i + 1);
			tg_member(g, ids[round][i], NULL);
			tg_static(g, ids[round][i], inst);
		}
		tg_assign(g, ASG_RANGE, &r);
		for (int i = 0; i < 3; i++)
			assert_string_equal(got_set(g, &r, ids[round][i]), want[i]);
		asg_result_release(&r);
		tg_free(g);
	}
}

/* KAFKA-FACTS: member ids compare as Java strings, "consumer10" < "consumer2" */
static void test_range_java_string_order(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t", 3);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer10", NULL);
	tg_assign(g, ASG_RANGE, &r);
	assert_string_equal(got(g, &r, "consumer10"), "t-0,t-1");
	assert_string_equal(got(g, &r, "consumer2"), "t-2");
	asg_result_release(&r);
	tg_assign(g, ASG_ROUNDROBIN, &r);
	assert_string_equal(got(g, &r, "consumer10"), "t-0,t-2");
	assert_string_equal(got(g, &r, "consumer2"), "t-1");
	asg_result_release(&r);
	tg_free(g);
}

/* ---- RoundRobinAssignorTest ----------------------------------------------------------- */

/* RoundRobinAssignorTest.testMultipleConsumersMixedTopics */
static void test_roundrobin_mixed_topics(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "topic2", 2);
	tg_member(g, "consumer1", "topic1");
	tg_member(g, "consumer2", "topic1,topic2");
	tg_member(g, "consumer3", "topic1");
	tg_assign(g, ASG_ROUNDROBIN, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0");
	assert_string_equal(got(g, &r, "consumer2"), "topic1-1,topic2-0,topic2-1");
	assert_string_equal(got(g, &r, "consumer3"), "topic1-2");
	asg_result_release(&r);
	tg_free(g);
}

/* RoundRobinAssignorTest.testTwoStaticConsumersTwoTopicsSixPartitions */
static void test_roundrobin_static_members(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "topic2", 3);
	tg_member(g, "consumer-b", NULL);
	tg_member(g, "consumer-a", NULL);
	tg_static(g, "consumer-b", "instance1");
	tg_static(g, "consumer-a", "instance2");
	tg_assign(g, ASG_ROUNDROBIN, &r);
	assert_string_equal(got(g, &r, "consumer-b"), "topic1-0,topic1-2,topic2-1");
	assert_string_equal(got(g, &r, "consumer-a"), "topic1-1,topic2-0,topic2-2");
	asg_result_release(&r);
	tg_free(g);
}

/* StickyAssignor javadoc, example 2: round robin with different subscriptions, then sticky
 * on the same group, then sticky after C0 leaves (AbstractStickyAssignorTest covers the same
 * ground in testPoorRoundRobinAssignmentScenario). */
static void test_different_subscriptions_roundrobin_vs_sticky(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t0", 1);
	tg_topic(g, "t1", 2);
	tg_topic(g, "t2", 3);
	tg_member(g, "C0", "t0");
	tg_member(g, "C1", "t0,t1");
	tg_member(g, "C2", "t0,t1,t2");
	tg_assign(g, ASG_ROUNDROBIN, &r);
	assert_string_equal(got(g, &r, "C0"), "t0-0");
	assert_string_equal(got(g, &r, "C1"), "t1-0");
	assert_string_equal(got(g, &r, "C2"), "t1-1,t2-0,t2-1,t2-2");
	asg_result_release(&r);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "C0"), "t0-0");
	assert_string_equal(got(g, &r, "C1"), "t1-0,t1-1");
	assert_string_equal(got(g, &r, "C2"), "t2-0,t2-1,t2-2");
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_remove(g, "C0");
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "C1"), "t1-0,t1-1,t0-0");
	assert_string_equal(got(g, &r, "C2"), "t2-0,t2-1,t2-2");
	asg_result_release(&r);
	tg_free(g);
}

/* ---- AbstractStickyAssignorTest ------------------------------------------------------- */

/* AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions (general path) */
static void test_sticky_mixed_topic_subscriptions(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 3);
	tg_topic(g, "topic2", 2);
	tg_member(g, "consumer1", "topic1");
	tg_member(g, "consumer2", "topic1,topic2");
	tg_member(g, "consumer3", "topic1");
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0,topic1-2");
	assert_string_equal(got(g, &r, "consumer2"), "topic2-0,topic2-1");
	assert_string_equal(got(g, &r, "consumer3"), "topic1-1");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testRackAwareAssignmentWithNonEqualSubscription, the
 * non-rack-aware expectations: fresh, then CooperativeSticky from the owned lists through its
 * intermediate round to the final one (the general path with performReassignments). */
static void test_sticky_non_equal_subscription(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t1", 6);
	tg_topic(g, "t2", 7);
	tg_topic(g, "t3", 2);
	tg_member(g, "consumer0", NULL);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", "t1,t3");
	for (int s = ASG_STICKY; s <= ASG_COOPERATIVE_STICKY; s++) {
		tg_assign(g, (enum ks_assignor)s, &r);
		assert_string_equal(got_set(g, &r, "consumer0"), "t1-5,t2-0,t2-2,t2-4,t2-6");
		assert_string_equal(got_set(g, &r, "consumer1"), "t1-3,t2-1,t2-3,t2-5,t3-0");
		assert_string_equal(got_set(g, &r, "consumer2"), "t1-0,t1-1,t1-2,t1-4,t3-1");
		asg_result_release(&r);
	}
	tg_owned(g, "consumer0", "t1-0,t1-1,t1-2,t1-3,t1-4", NOGEN);
	tg_owned(g, "consumer1", "t1-5,t2-0,t2-1,t2-2,t2-3", NOGEN);
	tg_owned(g, "consumer2", "t2-4,t2-5,t2-6,t3-0,t3-1", NOGEN);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got_set(g, &r, "consumer0"), "t1-2,t1-3,t1-4");
	assert_string_equal(got_set(g, &r, "consumer1"), "t2-0,t2-1,t2-2,t2-3");
	assert_string_equal(got_set(g, &r, "consumer2"), "t3-0,t3-1");
	tg_adopt(g, &r, NOGEN);
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got_set(g, &r, "consumer0"), "t1-2,t1-3,t1-4,t2-4,t2-5");
	assert_string_equal(got_set(g, &r, "consumer1"), "t2-0,t2-1,t2-2,t2-3,t2-6");
	assert_string_equal(got_set(g, &r, "consumer2"), "t1-0,t1-1,t1-5,t3-0,t3-1");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testStickiness: the potential leader leaves, the others keep
 * what they had. */
static void test_sticky_stickiness_when_member_leaves(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	char before[4][64];
	(void)state;

	tg_topic(g, "topic1", 3);
	for (int i = 1; i <= 4; i++) {
		char id[32];
		snprintf(id, sizeof id, "consumer%d", i);
		tg_member(g, id, NULL);
	}
	tg_assign(g, ASG_STICKY, &r);
	for (int m = 0; m < 4; m++) {
		assert_true(r.members[m].n <= 1);
		snprintf(before[m], sizeof before[m], "%s", tg_fmt(g, &r.members[m], false));
	}
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_remove(g, "consumer1");
	tg_assign(g, ASG_STICKY, &r);
	for (int m = 0; m < 3; m++) {
		assert_int_equal(r.members[m].n, 1);
		if (before[m + 1][0])
			assert_string_equal(tg_fmt(g, &r.members[m], false), before[m + 1]);
	}
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testAddRemoveConsumerOneTopic; cooperative: the moving
 * partition waits one round. */
static void test_sticky_add_consumer_one_topic(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic", 3);
	tg_member(g, "consumer1", NULL);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-0,topic-1,topic-2");
	tg_adopt(g, &r, 1);
	asg_result_release(&r);
	tg_member(g, "consumer2", NULL);
	tg_owned(g, "consumer2", "", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-0,topic-1");
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-0,topic-1");
	assert_string_equal(got(g, &r, "consumer2"), "");
	tg_adopt(g, &r, 2);
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	asg_result_release(&r);
	tg_free(g);
}

/* StickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultiple-
 * ConsumersInSameGenerationWithUnequalPartitionsPerConsumer, and AbstractStickyAssignorTest.
 * testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSame-
 * Generation (cooperative: the doubly claimed partition waits for a second round). */
static void test_sticky_same_partition_claimed_twice(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic", 4);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic-0,topic-1", 1);
	tg_owned(g, "consumer2", "topic-0,topic-2", 1);
	tg_owned(g, "consumer3", "", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-1,topic-3");
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	assert_string_equal(got(g, &r, "consumer3"), "topic-0");
	asg_result_release(&r);

	g->topics[0].partitions = 3;
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-1");
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	assert_string_equal(got(g, &r, "consumer3"), "topic-0");
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-1");
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	assert_string_equal(got(g, &r, "consumer3"), "");
	tg_adopt(g, &r, 2);
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer3"), "topic-0");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration,
 * testEnsurePartitionsAssignedToHighestGeneration, testNoReassignmentOnCurrentMembers */
static void test_sticky_generations(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic", 3);
	tg_topic(g, "topic2", 3);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_owned(g, "consumer1", "topic-0,topic-2,topic2-1", 10);
	tg_owned(g, "consumer2", "topic-0,topic-2,topic2-1", 9);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got_set(g, &r, "consumer1"), "topic-0,topic-2,topic2-1");
	assert_string_equal(got_set(g, &r, "consumer2"), "topic-1,topic2-0,topic2-2");
	asg_result_release(&r);
	tg_free(g);

	g = tg_new();
	tg_topic(g, "topic", 3);
	tg_topic(g, "topic2", 3);
	tg_topic(g, "topic3", 3);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic-0,topic2-0,topic3-0", 10);
	tg_owned(g, "consumer2", "topic-1,topic2-1,topic3-1", 9);
	tg_owned(g, "consumer3", "topic2-1,topic3-0,topic3-2", 8);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got_set(g, &r, "consumer1"), "topic-0,topic2-0,topic3-0");
	assert_string_equal(got_set(g, &r, "consumer2"), "topic-1,topic2-1,topic3-1");
	assert_string_equal(got_set(g, &r, "consumer3"), "topic-2,topic2-2,topic3-2");
	asg_result_release(&r);

	tg_topic(g, "topic1", 3);
	for (int m = 0; m < 3; m++)
		g->subs[m][g->n_subs[m]++] = g->tname[3];
	tg_member(g, "consumer4", NULL);
	tg_owned(g, "consumer1", "", -1);
	tg_owned(g, "consumer2", "topic-0,topic2-0,topic1-0", 9);
	tg_owned(g, "consumer3", "topic3-2,topic2-2,topic1-1", 8);
	tg_owned(g, "consumer4", "topic3-1,topic-1,topic-2", 7);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got_set(g, &r, "consumer1"), "topic1-2,topic2-1,topic3-0");
	asg_result_release(&r);
	tg_free(g);
}

/* A member's list, copied. */
struct saved {
	struct asg_tp tps[256];
	int n;
};

static void save(struct saved *sv, const struct asg_result *r, int m)
{
	assert_true(r->members[m].n <= 256);
	sv->n = r->members[m].n;
	memcpy(sv->tps, r->members[m].tps, (size_t)sv->n * sizeof sv->tps[0]);
}

static bool has_tp(const struct asg_tp *v, int n, struct asg_tp tp)
{
	for (int i = 0; i < n; i++)
		if (v[i].topic == tp.topic && v[i].partition == tp.partition)
			return true;
	return false;
}

/* How many of b's partitions a has. */
static int common(const struct asg_list *a, const struct saved *b)
{
	int k = 0;
	for (int i = 0; i < b->n; i++)
		k += has_tp(a->tps, a->n, b->tps[i]);
	return k;
}

static void owned_from(struct tgroup *g, const char *id, const struct saved *sv, int gen)
{
	int m = tg_find(g, id);
	free(g->owned[m]);
	g->owned[m] = calloc((size_t)sv->n + 1, sizeof *g->owned[m]);
	memcpy(g->owned[m], sv->tps, (size_t)sv->n * sizeof sv->tps[0]);
	g->n_owned[m] = sv->n;
	g->gen[m] = gen;
}

/* StickyAssignorTest.testAssignmentWithMultipleGenerations1 (isAllSubscriptionsEqual both) */
static void multiple_generations1(bool equal)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	struct saved r1[3], r2p2;

	tg_topic(g, "topic", 6);
	tg_topic(g, "topic2", 6);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", equal ? NULL : "topic");
	tg_member(g, "consumer3", NULL);
	tg_assign(g, ASG_STICKY, &r);
	for (int m = 0; m < 3; m++) {
		assert_int_equal(r.members[m].n, 4);
		save(&r1[m], &r, m);
	}
	asg_result_release(&r);
	owned_from(g, "consumer1", &r1[0], 1);
	owned_from(g, "consumer2", &r1[1], 1);
	tg_remove(g, "consumer3");
	tg_assign(g, ASG_STICKY, &r);
	check_valid(g, &r, true);
	assert_int_equal(r.members[0].n, 6);
	assert_int_equal(r.members[1].n, 6);
	if (equal)
		assert_int_equal(common(&r.members[0], &r1[0]), r1[0].n);
	assert_int_equal(common(&r.members[1], &r1[1]), r1[1].n);
	assert_true(common(&r.members[1], &r1[2]) > 0);
	save(&r2p2, &r, 1);
	asg_result_release(&r);
	tg_remove(g, "consumer1");
	owned_from(g, "consumer2", &r2p2, 2);
	tg_member(g, "consumer3", NULL);
	owned_from(g, "consumer3", &r1[2], 1);
	tg_assign(g, ASG_STICKY, &r);
	check_valid(g, &r, true);
	assert_int_equal(r.members[0].n, 6);
	assert_int_equal(r.members[1].n, 6);
	asg_result_release(&r);
	tg_free(g);
}

/* StickyAssignorTest.testAssignmentWithMultipleGenerations2 (isAllSubscriptionsEqual both) */
static void multiple_generations2(bool equal)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	struct saved r1[3], r2p2;

	tg_topic(g, "topic", 4);
	tg_topic(g, "topic2", 4);
	tg_topic(g, "topic3", 4);
	tg_member(g, "consumer1", equal ? NULL : "topic");
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", equal ? NULL : "topic,topic2");
	tg_assign(g, ASG_STICKY, &r);
	for (int m = 0; m < 3; m++) {
		assert_int_equal(r.members[m].n, 4);
		save(&r1[m], &r, m);
	}
	asg_result_release(&r);
	struct tgroup *solo = tg_new();
	for (int t = 0; t < 3; t++)
		tg_topic(solo, g->tname[t], 4);
	tg_member(solo, "consumer2", NULL);
	owned_from(solo, "consumer2", &r1[1], 1);
	tg_assign(solo, ASG_STICKY, &r);
	assert_int_equal(r.members[0].n, 12);
	assert_int_equal(common(&r.members[0], &r1[1]), 4);
	save(&r2p2, &r, 0);
	asg_result_release(&r);
	tg_free(solo);
	owned_from(g, "consumer1", &r1[0], 1);
	owned_from(g, "consumer2", &r2p2, 2);
	owned_from(g, "consumer3", &r1[2], 1);
	tg_assign(g, ASG_STICKY, &r);
	check_valid(g, &r, true);
	for (int m = 0; m < 3; m++)
		assert_int_equal(r.members[m].n, 4);
	asg_result_release(&r);
	tg_free(g);
}

/* StickyAssignorTest.testAssignmentWithConflictingPreviousGenerations (both) */
static void conflicting_generations(bool equal)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	struct saved c2, c3;

	tg_topic(g, "topic", 4);
	tg_topic(g, "topic2", 4);
	tg_topic(g, "topic3", 4);
	tg_member(g, "consumer1", equal ? NULL : "topic");
	tg_member(g, "consumer2", equal ? NULL : "topic,topic2");
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", equal ? "topic-0,topic-1,topic-2,topic2-2,topic2-3,topic3-0"
				       : "topic-0,topic-1,topic-2,topic-3", 1);
	tg_owned(g, "consumer2", "topic-0,topic-1,topic2-0,topic2-1,topic2-2,topic2-3", 2);
	tg_owned(g, "consumer3", "topic-2,topic-3,topic3-0,topic3-1,topic3-2,topic3-3", 2);
	tg_input(g);
	c2.n = g->n_owned[1];
	memcpy(c2.tps, g->owned[1], (size_t)c2.n * sizeof c2.tps[0]);
	c3.n = g->n_owned[2];
	memcpy(c3.tps, g->owned[2], (size_t)c3.n * sizeof c3.tps[0]);
	tg_assign(g, ASG_STICKY, &r);
	check_valid(g, &r, true);
	for (int m = 0; m < 3; m++)
		assert_int_equal(r.members[m].n, 4);
	for (int i = 0; i < r.members[1].n; i++)
		assert_true(has_tp(c2.tps, c2.n, r.members[1].tps[i]));
	for (int i = 0; i < r.members[2].n; i++)
		assert_true(has_tp(c3.tps, c3.n, r.members[2].tps[i]));
	asg_result_release(&r);
	tg_free(g);
}

static void test_sticky_multiple_generations(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	for (int equal = 0; equal < 2; equal++) {
		multiple_generations1(equal);
		multiple_generations2(equal);
		conflicting_generations(equal);
	}
	/* a newer claim seen first stands against an older one seen later (HashMap order:
	 * consumer3 before consumer1) */
	tg_topic(g, "topic", 2);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic-0", 8);
	tg_owned(g, "consumer3", "topic-0", 10);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer3"), "topic-0");
	assert_string_equal(got(g, &r, "consumer1"), "topic-1");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: which
 * of two members keeps maxQuota follows java.util.HashMap order ("consumer2" first). */
static void test_sticky_max_quota_follows_hashmap_order(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 2);
	tg_topic(g, "topic2", 2);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic1-0,topic2-0", 1);
	tg_owned(g, "consumer2", "topic1-1,topic2-1", 1);
	tg_owned(g, "consumer3", "", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0");
	assert_string_equal(got(g, &r, "consumer2"), "topic1-1,topic2-1");
	assert_string_equal(got(g, &r, "consumer3"), "topic2-0");
	asg_result_release(&r);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);   /* topic2-0 is transferring */
	assert_string_equal(got(g, &r, "consumer3"), "");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testConsumerOwningMinQuotaExpectedMaxQuota,
 * testAllConsumersAreUnderMinQuota, testAllConsumersReachExpectedQuotaAndAreConsideredFilled */
static void test_sticky_quotas(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic1", 2);
	tg_topic(g, "topic2", 3);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_owned(g, "consumer1", "topic1-0,topic2-1", 1);
	tg_owned(g, "consumer2", "topic1-1,topic2-2", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0,topic2-1,topic2-0");
	assert_string_equal(got(g, &r, "consumer2"), "topic1-1,topic2-2");
	asg_result_release(&r);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic1-0", 1);
	tg_owned(g, "consumer2", "topic1-1", 1);
	tg_owned(g, "consumer3", "", 1);
	tg_assign(g, ASG_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic1-0,topic2-1");
	assert_string_equal(got(g, &r, "consumer2"), "topic1-1,topic2-2");
	assert_string_equal(got(g, &r, "consumer3"), "topic2-0");
	asg_result_release(&r);
	tg_free(g);

	g = tg_new();
	tg_topic(g, "topic", 4);
	tg_member(g, "consumer1", NULL);
	tg_member(g, "consumer2", NULL);
	tg_member(g, "consumer3", NULL);
	tg_owned(g, "consumer1", "topic-0,topic-1", 1);
	tg_owned(g, "consumer2", "topic-2", 1);
	tg_owned(g, "consumer3", "", 1);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer1"), "topic-0,topic-1");
	assert_string_equal(got(g, &r, "consumer2"), "topic-2");
	assert_string_equal(got(g, &r, "consumer3"), "topic-3");
	asg_result_release(&r);
	tg_free(g);
}

/* AbstractStickyAssignorTest.testOnlyAssignsPartitionsFromSubscribedTopics and
 * testAssignmentUpdatedForDeletedTopic */
static void test_sticky_ignores_unsubscribed_and_missing(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "topic", 2);
	tg_topic(g, "other", 2);
	tg_member(g, "consumer", "topic");
	tg_owned(g, "consumer", "topic-0,topic-1,other-0,other-1", 1);
	tg_assign(g, ASG_COOPERATIVE_STICKY, &r);
	assert_string_equal(got(g, &r, "consumer"), "topic-0,topic-1");
	asg_result_release(&r);
	tg_free(g);

	g = tg_new();
	tg_topic(g, "topic1", 1);
	tg_topic(g, "topic2", 0);
	tg_topic(g, "topic3", 100);
	tg_member(g, "consumer", NULL);
	tg_assign(g, ASG_STICKY, &r);
	assert_int_equal(r.members[0].n, 101);
	asg_result_release(&r);
	tg_free(g);
}

/* ---- java.lang.String, names, revocations, bad input ----------------------------------- */

static void test_java_strings(void **state)
{
	(void)state;
	assert_int_equal(asg_java_hash(""), 0);
	assert_int_equal(asg_java_hash("hello"), 99162322);
	assert_int_equal(asg_java_hash("t1"), 3645);
	assert_int_equal(asg_java_hash("\xf0\x9f\x98\x80"), 0xd83d * 31 + 0xde00);
	assert_int_equal(asg_java_hash("consumer-1-0123456789abcdef"),
			 asg_java_hash("consumer-1-0123456789abcdef"));
	assert_true(asg_java_compare("consumer10", "consumer2") < 0);
	assert_true(asg_java_compare("consumer", "consumer1") < 0);
	assert_true(asg_java_compare("B", "a") < 0);
	assert_int_equal(asg_java_compare("x", "x"), 0);
	/* UTF-16 order: a surrogate pair (U+1F600) sorts before U+FF61 */
	assert_true(asg_java_compare("\xf0\x9f\x98\x80", "\xef\xbd\xa1") < 0);
}

static void test_parse_strategy(void **state)
{
	enum ks_assignor s;
	(void)state;

	assert_int_equal(asg_parse_strategy("range", &s), 0);
	assert_int_equal(s, ASG_RANGE);
	assert_int_equal(asg_parse_strategy("roundrobin", &s), 0);
	assert_int_equal(s, ASG_ROUNDROBIN);
	assert_int_equal(asg_parse_strategy(
		"org.apache.kafka.clients.consumer.StickyAssignor", &s), 0);
	assert_int_equal(s, ASG_STICKY);
	assert_int_equal(asg_parse_strategy("cooperative-sticky", &s), 0);
	assert_int_equal(s, ASG_COOPERATIVE_STICKY);
	assert_int_equal(asg_parse_strategy(
		"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", &s), 0);
	assert_int_equal(asg_parse_strategy("Range", &s), -1);
	assert_int_equal(asg_parse_strategy("round-robin", &s), -1);
	assert_int_equal(asg_parse_strategy(NULL, &s), -1);
	assert_string_equal(asg_strategy_name(ASG_COOPERATIVE_STICKY), "cooperative-sticky");
}

static void test_bad_input(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r;
	(void)state;

	tg_topic(g, "t", 2);
	tg_member(g, "a", NULL);
	tg_member(g, "a", NULL);
	assert_int_equal(asg_assign(ASG_RANGE, tg_input(g), &r), ASG_EINVAL);
	assert_null(r.members);
	tg_remove(g, "a");
	tg_topic(g, "t", 3);
	assert_int_equal(asg_assign(ASG_STICKY, tg_input(g), &r), ASG_EINVAL);
	g->nt = 1;
	g->owned[0] = calloc(1, sizeof *g->owned[0]);
	g->owned[0][0] = (struct asg_tp){ 5, 0 };
	g->n_owned[0] = 1;
	assert_int_equal(asg_assign(ASG_STICKY, tg_input(g), &r), ASG_EINVAL);
	g->owned[0][0] = (struct asg_tp){ 0, 9 };   /* a partition that no longer exists */
	assert_int_equal(asg_assign(ASG_STICKY, tg_input(g), &r), ASG_OK);
	assert_string_equal(got(g, &r, "a"), "t-0,t-1");
	asg_result_release(&r);
	tg_free(g);
}

/* ---- properties on random groups ------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int rnd(uint64_t *s, int n) { return (int)(rng_next(s) % (uint64_t)n); }

static bool subscribes(const struct tgroup *g, int m, int t)
{
	for (int i = 0; i < g->n_subs[m]; i++)
		if (g->subs[m][i] == g->tname[t])
			return true;
	return false;
}

/* Every partition of a subscribed topic exactly once, only to subscribers (complete=false:
 * at most once - a cooperative first round may hold partitions back). */
static void check_valid(const struct tgroup *g, const struct asg_result *r, bool complete)
{
	int base[TMAX + 1] = { 0 }, *seen;

	for (int t = 0; t < g->nt; t++)
		base[t + 1] = base[t] + g->topics[t].partitions;
	seen = calloc((size_t)base[g->nt] + 1, sizeof *seen);
	for (int m = 0; m < g->nm; m++) {
		for (int i = 0; i < r->members[m].n; i++) {
			struct asg_tp tp = r->members[m].tps[i];
			assert_true(subscribes(g, m, tp.topic));
			assert_true(tp.partition >= 0 &&
				    tp.partition < g->topics[tp.topic].partitions);
			assert_int_equal(seen[base[tp.topic] + tp.partition]++, 0);
		}
	}
	for (int t = 0; complete && t < g->nt; t++) {
		bool wanted = false;
		for (int m = 0; m < g->nm; m++)
			wanted = wanted || subscribes(g, m, t);
		for (int p = 0; wanted && p < g->topics[t].partitions; p++)
			assert_int_equal(seen[base[t] + p], 1);
	}
	free(seen);
}

/* AbstractStickyAssignorTest.verifyValidityAndBalance: a member with 2+ more partitions than
 * another holds none of a topic the other subscribes to; with equal subscriptions (or
 * roundrobin on them) that means sizes differ by at most one. */
static void check_balanced(const struct tgroup *g, const struct asg_result *r, bool equal)
{
	for (int a = 0; a < g->nm; a++) {
		for (int b = 0; b < g->nm; b++) {
			if (r->members[a].n <= r->members[b].n + 1)
				continue;
			assert_false(equal);
			for (int i = 0; i < r->members[a].n; i++)
				assert_false(subscribes(g, b, r->members[a].tps[i].topic));
		}
	}
}

/* Cooperative rounds until nothing is revoked; no partition may be granted in the round its
 * old owner revokes it (CooperativeStickyAssignorTest.verifyCooperativeValidity). */
static void run_cooperative(struct tgroup *g, struct asg_result *r, int gen)
{
	for (int round = 0;; round++) {
		struct asg_result rev;
		assert_true(round <= 4);
		tg_assign(g, ASG_COOPERATIVE_STICKY, r);
		check_valid(g, r, false);
		int n = asg_revocations(tg_input(g), r, &rev);
		for (int m = 0; m < g->nm; m++) {
			for (int i = 0; i < rev.members[m].n; i++) {
				struct asg_tp tp = rev.members[m].tps[i];
				for (int k = 0; k < g->nm; k++) {
					const struct asg_list *l = &r->members[k];
					for (int j = 0; j < l->n && k != m; j++)
						assert_false(l->tps[j].topic == tp.topic &&
							     l->tps[j].partition == tp.partition);
				}
			}
		}
		asg_result_release(&rev);
		if (n == 0)
			return;
		tg_adopt(g, r, gen + round + 1);
		asg_result_release(r);
	}
}

static void random_group(struct tgroup *g, uint64_t *seed, bool equal)
{
	int nt = 1 + rnd(seed, 5), nm = 1 + rnd(seed, 12);

	for (int t = 0; t < nt; t++) {
		char name[32];
		snprintf(name, sizeof name, "topic%d", t);
		tg_topic(g, name, rnd(seed, 21));
	}
	for (int m = 0; m < nm; m++) {
		char id[24];
		snprintf(id, sizeof id, "consumer%d", rnd(seed, 1000) * 100 + m);
		tg_member(g, id, equal ? NULL : "");
		for (int t = 0; !equal && t < nt; t++)
			if (rnd(seed, 2))
				g->subs[m][g->n_subs[m]++] = g->tname[t];
	}
}

/* One rebalance after churn: a few members leave, a few join, the rest keep what they own. */
static void churn(struct tgroup *g, uint64_t *seed, bool equal)
{
	int leave = rnd(seed, g->nm < 3 ? 1 : g->nm / 3), join = rnd(seed, 4);

	for (int i = 0; i < leave && g->nm > 1; i++)
		tg_remove(g, g->id[rnd(seed, g->nm)]);
	for (int i = 0; i < join; i++) {
		char id[24];
		static int joined;
		snprintf(id, sizeof id, "new%d-%d", joined++, rnd(seed, 1000));
		tg_member(g, id, equal ? NULL : "");
		for (int t = 0; !equal && t < g->nt; t++)
			if (rnd(seed, 2))
				g->subs[g->nm - 1][g->n_subs[g->nm - 1]++] = g->tname[t];
	}
}

static void property_round(uint64_t *seed, bool equal)
{
	struct tgroup *g = tg_new();
	struct asg_result r;

	random_group(g, seed, equal);
	for (int s = ASG_RANGE; s <= ASG_STICKY; s++) {
		tg_assign(g, (enum ks_assignor)s, &r);
		check_valid(g, &r, true);
		if (s == ASG_STICKY || (s == ASG_ROUNDROBIN && equal))
			check_balanced(g, &r, equal);
		if (s == ASG_STICKY) {
			tg_adopt(g, &r, 1);
			churn(g, seed, equal);
			asg_result_release(&r);
			tg_assign(g, ASG_STICKY, &r);
			check_valid(g, &r, true);
			check_balanced(g, &r, equal);
		}
		asg_result_release(&r);
	}
	run_cooperative(g, &r, 1);   /* from the churned sticky ownership */
	check_valid(g, &r, true);
	check_balanced(g, &r, equal);
	tg_adopt(g, &r, 10);
	asg_result_release(&r);
	churn(g, seed, equal);
	run_cooperative(g, &r, 10);
	check_valid(g, &r, true);
	check_balanced(g, &r, equal);
	asg_result_release(&r);
	tg_free(g);
}

static void test_property_random_groups(void **state)
{
	uint64_t seed = 0x5eed2024u;
	(void)state;

	for (int i = 0; i < 300; i++)
		property_round(&seed, i % 2 == 0);
}

/* Determinism and scale: 100 members x 1000 partitions, every strategy, well under 10 ms
 * (asserted loosely: sanitizers and loaded machines). */
static void test_hundred_members_thousand_partitions(void **state)
{
	struct tgroup *g = tg_new();
	struct asg_result r, again;
	(void)state;

	for (int t = 0; t < 10; t++) {
		char name[32];
		snprintf(name, sizeof name, "orders-%d", t);
		tg_topic(g, name, 100);
	}
	for (int m = 0; m < 100; m++) {
		char id[32];
		snprintf(id, sizeof id, "consumer-%d-%08x", m, (unsigned)(m * 2654435761u));
		tg_member(g, id, NULL);
	}
	for (int s = ASG_RANGE; s <= ASG_COOPERATIVE_STICKY; s++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tg_assign(g, (enum ks_assignor)s, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		assert_true(ms < 250.0);
		check_valid(g, &r, true);
		check_balanced(g, &r, true);
		tg_assign(g, (enum ks_assignor)s, &again);
		for (int m = 0; m < g->nm; m++)
			assert_string_equal(tg_fmt(g, &r.members[m], false),
					    tg_fmt(g, &again.members[m], false));
		asg_result_release(&again);
		asg_result_release(&r);
	}
	tg_free(g);
}

/* ---- kafkasim assign ------------------------------------------------------------------ */

/* Run cmd_assign with fd 1 or 2 sent to a temporary file; returns what was written. */
static char *capture(int fd, int argc, const char **argv, int *rc)
{
	FILE *tmp = tmpfile();
	static char buf[8192];
	int saved;
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	fflush(stderr);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), fd) >= 0);
	*rc = cmd_assign(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof buf - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void test_cmd_assign(void **state)
{
	const char *range[] = { "assign", "--topic", "t1=3", "--topic=t2=3", "--member",
				"consumer1", "--member", "consumer2" };
	const char *coop[] = { "assign", "--strategy", "cooperative-sticky", "--topic", "t1=3",
			       "--topic", "t2=4", "--member", "consumer1", "--member", "consumer2",
			       "--member", "consumer3:t1,t2", "--member", "consumer4",
			       "--owned", "consumer1=t1-0,t1-2,t2-1,t2-3",
			       "--owned", "consumer2=t1-1,t2-0,t2-2", "--show-revoked" };
	const char *bad[] = { "assign", "--topic", "t1=3", "--member", "c1", "--owned", "c1=t1-3" };
	const char *help[] = { "assign", "--help" };
	int rc;
	(void)state;

	assert_string_equal(capture(1, sizeof range / sizeof range[0], range, &rc),
			    "consumer1\tt1-0,t1-1,t2-0,t2-1\nconsumer2\tt1-2,t2-2\n");
	assert_int_equal(rc, 0);
	assert_string_equal(capture(1, sizeof coop / sizeof coop[0], coop, &rc),
			    "consumer1\tt1-0,t2-1\nconsumer2\tt2-0,t1-1\nconsumer3\t\nconsumer4\t\n"
			    "consumer1\trevoke\tt1-2,t2-3\nconsumer2\trevoke\tt2-2\n");
	assert_int_equal(rc, 0);
	assert_string_equal(capture(2, sizeof bad / sizeof bad[0], bad, &rc),
			    "kafkasim assign: --owned: t1-3 does not exist "
			    "(t1 has 3 partitions)\n");
	assert_int_equal(rc, 2);
	assert_int_equal(strncmp(capture(1, 2, help, &rc), "usage: kafkasim assign", 22), 0);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_two_consumers_two_topics),
		cmocka_unit_test(test_roundrobin_two_consumers_two_topics),
		cmocka_unit_test(test_sticky_add_remove_two_consumers_two_topics),
		cmocka_unit_test(test_cooperative_add_remove_two_consumers_two_topics),
		cmocka_unit_test(test_range_mixed_topics),
		cmocka_unit_test(test_range_subscribed_and_uneven),
		cmocka_unit_test(test_range_static_members),
		cmocka_unit_test(test_range_static_persistent),
		cmocka_unit_test(test_range_static_after_member_id_changes),
		cmocka_unit_test(test_range_java_string_order),
		cmocka_unit_test(test_roundrobin_mixed_topics),
		cmocka_unit_test(test_roundrobin_static_members),
		cmocka_unit_test(test_different_subscriptions_roundrobin_vs_sticky),
		cmocka_unit_test(test_sticky_mixed_topic_subscriptions),
		cmocka_unit_test(test_sticky_non_equal_subscription),
		cmocka_unit_test(test_sticky_stickiness_when_member_leaves),
		cmocka_unit_test(test_sticky_add_consumer_one_topic),
		cmocka_unit_test(test_sticky_same_partition_claimed_twice),
		cmocka_unit_test(test_sticky_generations),
		cmocka_unit_test(test_sticky_multiple_generations),
		cmocka_unit_test(test_sticky_max_quota_follows_hashmap_order),
		cmocka_unit_test(test_sticky_quotas),
		cmocka_unit_test(test_sticky_ignores_unsubscribed_and_missing),
		cmocka_unit_test(test_java_strings),
		cmocka_unit_test(test_parse_strategy),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_property_random_groups),
		cmocka_unit_test(test_hundred_members_thousand_partitions),
		cmocka_unit_test(test_cmd_assign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
