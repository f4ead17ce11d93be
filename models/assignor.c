/*
 * assignor.c - Kafka's consumer partition assignors, result for result (see assignor.h).
 *
 * Mirrors, without rack awareness: RangeAssignor (per topic, contiguous ranges over members
 * sorted by MemberInfo: static members by group.instance.id first, then member.id),
 * RoundRobinAssignor (all partitions of the sorted topics dealt by one circular iterator over
 * the same member order, skipping unsubscribed members), and AbstractStickyAssignor with its
 * two builders: ConstrainedAssignmentBuilder when every member subscribes to the same topics,
 * GeneralAssignmentBuilder otherwise (greedy fill, then performReassignments with
 * PartitionMovements). StickyAssignor returns the sticky result; CooperativeStickyAssignor
 * drops from it every partition whose owner changes (partitionsTransferringOwnership, or
 * computePartitionsTransferringOwnership in the general case).
 *
 * Kafka walks some java.util.HashMap/HashSet instances whose iteration order leaks into the
 * result (which member keeps maxQuota, a topic's place in a range member's list, the partition
 * a reverse movement picks). We rebuild those orders: bucket = (h ^ h >>> 16) & (capacity - 1)
 * with Java's hashCode and default capacity growth, ties in insertion order. Internally a
 * partition is a "global partition" index gp: topics that exist and have a subscriber, in
 * String.compareTo order, partitions ascending - which is exactly the TreeSet order Kafka sorts
 * partitions by. Out of memory exits with status 3, like every allocation in kafkasim.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assignor.h"
#include "xmem.h"

#define ASG_ASSERT(cond)                                                        \
	do {                                                                    \
		if (!(cond))                                                    \
			asg__fail(#cond, __FILE__, __LINE__);                  \
	} while (0)

_Noreturn static void asg__fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: assignor invariant broken: %s\n", file, line, what);
	exit(3);
}

static int *xints(size_t n, int fill)
{
	int *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = fill;
	return v;
}

/* ---- java.lang.String and java.util.HashMap ------------------------------------------ */

/* UTF-8 to UTF-16 code units; malformed bytes read as U+FFFD, as Java's decoder does. */
struct u16_iter {
	const unsigned char *p;
	unsigned pending;   /* low surrogate still to return */
};

static int u16_cont(unsigned char b) { return (b & 0xc0) == 0x80; }

static long u16_next(struct u16_iter *it)
{
	const unsigned char *p = it->p;
	uint32_t cp;
	int len = 1;

	if (it->pending) {
		cp = it->pending;
		it->pending = 0;
		return (long)cp;
	}
	if (!p[0])
		return -1;
	if (p[0] < 0x80) {
		cp = p[0];
	} else if ((p[0] & 0xe0) == 0xc0 && u16_cont(p[1])) {
		cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		len = 2;
	} else if ((p[0] & 0xf0) == 0xe0 && u16_cont(p[1]) && u16_cont(p[2])) {
		cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		len = 3;
	} else if ((p[0] & 0xf8) == 0xf0 && u16_cont(p[1]) && u16_cont(p[2]) && u16_cont(p[3])) {
		cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		     (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		len = 4;
	} else {
		cp = 0xfffd;
	}
	it->p += len;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		it->pending = 0xdc00 | (cp & 0x3ff);
		return (long)(0xd800 | (cp >> 10));
	}
	return (long)cp;
}

int asg_java_compare(const char *a, const char *b)
{
	struct u16_iter x = { (const unsigned char *)a, 0 }, y = { (const unsigned char *)b, 0 };

	for (;;) {
		long u = u16_next(&x), v = u16_next(&y);
		if (u != v)
			return u < v ? -1 : 1;   /* a shorter string (-1) sorts first */
		if (u < 0)
			return 0;
	}
}

static uint32_t java_hash_u(const char *s)
{
	struct u16_iter it = { (const unsigned char *)s, 0 };
	uint32_t h = 0;
	long u;

	while ((u = u16_next(&it)) >= 0)
		h = 31u * h + (uint32_t)u;
	return h;
}

int asg_java_hash(const char *s)
{
	uint32_t h = java_hash_u(s);
	return h <= INT32_MAX ? (int)h : (int)(h - INT32_MAX - 1) + INT32_MIN;
}

/* The bucket java.util.HashMap files a key with hashCode h under, at table capacity cap. */
static uint32_t java_bucket(uint32_t h, uint32_t cap) { return (h ^ (h >> 16)) & (cap - 1); }

/* Capacity of a default-constructed HashMap/HashSet after n puts (16, doubled past 3/4). */
static uint32_t java_table_cap(int n)
{
	uint32_t cap = 16;
	while ((uint32_t)n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

/* ---- stable index sort with a context ------------------------------------------------ */

typedef int idx_cmp_fn(const void *ctx, int a, int b);

static void idx_sort(int *v, int n, idx_cmp_fn *cmp, const void *ctx)
{
	int *tmp = xcalloc((size_t)n, sizeof *tmp);

	for (int w = 1; w < n; w *= 2) {
		for (int lo = 0; lo < n; lo += 2 * w) {
			int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			int i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp(ctx, v[j], v[i]) < 0 ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, (size_t)n * sizeof *v);
	}
	free(tmp);
}

/* ---- growable lists of global partitions (java.util.ArrayList semantics) ------------- */

struct gplist {
	int *v;
	int n, cap;
};

static void gpl_push(struct gplist *l, int gp)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 8;
		int *v = realloc(l->v, (size_t)cap * sizeof *v);
		if (!v) {
			fputs("kafkasim: out of memory\n", stderr);
			exit(3);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = gp;
}

/* List.remove(Object): the first occurrence, order kept. */
static void gpl_remove(struct gplist *l, int gp)
{
	for (int i = 0; i < l->n; i++) {
		if (l->v[i] == gp) {
			memmove(l->v + i, l->v + i + 1, (size_t)(l->n - i - 1) * sizeof *l->v);
			l->n--;
			return;
		}
	}
}

static void gpl_copy(struct gplist *dst, const struct gplist *src)
{
	dst->n = 0;
	for (int i = 0; i < src->n; i++)
		gpl_push(dst, src->v[i]);
}

/* ---- the normalized group ------------------------------------------------------------- */

struct ctx {
	const struct asg_input *in;
	int nt, nm, np;
	int *by_strcmp;       /* topics by strcmp, for name lookup */
	int *t_rank;          /* topic -> position in String.compareTo order */
	uint32_t *t_hash;     /* topic -> String.hashCode */
	int *t_off;           /* topic -> first gp; -1 unless it has partitions and a subscriber */
	int *gp_topic;        /* gp -> topic */
	unsigned char *sub;   /* nm x nt: member subscribes to topic */
	const char ***names;  /* member -> subscribed names, strcmp order, no duplicates */
	int *n_names;
	int **owned;          /* member -> owned gps (existing, subscribed topics), no duplicates */
	int *n_owned;
	int *gen;             /* generation; -1 (DEFAULT_GENERATION) when absent */
	int *by_hash;         /* members in HashMap<memberId, _> iteration order */
	int *hash_pos;        /* member -> position in by_hash */
	int *by_id;           /* members by member.id */
	int *id_rank;         /* member -> position in by_id */
	int *by_info;         /* members by MemberInfo.compareTo */
	struct gplist *out;   /* the assignment being built, per member */
};

static const struct asg_member *member(const struct ctx *c, int m) { return &c->in->members[m]; }
static const char *tname(const struct ctx *c, int t) { return c->in->topics[t].name; }
static int tcount(const struct ctx *c, int t) { return c->in->topics[t].partitions; }
static bool subs(const struct ctx *c, int m, int t) { return c->sub[(size_t)m * c->nt + t]; }
static bool used(const struct ctx *c, int t) { return c->t_off[t] >= 0; }

static int cmp_topic_strcmp(const void *ctx, int a, int b)
{
	return strcmp(tname(ctx, a), tname(ctx, b));
}

static int cmp_topic_java(const void *ctx, int a, int b)
{
	return asg_java_compare(tname(ctx, a), tname(ctx, b));
}

static int topic_lookup(const struct ctx *c, const char *name)
{
	int lo = 0, hi = c->nt - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, r = strcmp(name, tname(c, c->by_strcmp[mid]));
		if (!r)
			return c->by_strcmp[mid];
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static int ctx_topics(struct ctx *c)
{
	int *by_java = xints((size_t)c->nt, 0);

	c->by_strcmp = xints((size_t)c->nt, 0);
	c->t_rank = xints((size_t)c->nt, 0);
	c->t_hash = xcalloc((size_t)c->nt, sizeof *c->t_hash);
	for (int t = 0; t < c->nt; t++) {
		if (!c->in->topics[t].name || c->in->topics[t].partitions < 0) {
			free(by_java);
			return ASG_EINVAL;
		}
		c->by_strcmp[t] = by_java[t] = t;
		c->t_hash[t] = java_hash_u(tname(c, t));
	}
	idx_sort(c->by_strcmp, c->nt, cmp_topic_strcmp, c);
	idx_sort(by_java, c->nt, cmp_topic_java, c);
	for (int i = 0; i < c->nt; i++)
		c->t_rank[by_java[i]] = i;
	free(by_java);
	for (int i = 1; i < c->nt; i++)
		if (!cmp_topic_strcmp(c, c->by_strcmp[i - 1], c->by_strcmp[i]))
			return ASG_EINVAL;
	return ASG_OK;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One member's subscription: the sorted name set and the known-topic flags. */
static int ctx_subscription(struct ctx *c, int m)
{
	const struct asg_member *mb = member(c, m);
	const char **names;
	int n = 0;

	if (mb->n_topics < 0 || (mb->n_topics && !mb->topics))
		return ASG_EINVAL;
	names = xcalloc((size_t)mb->n_topics, sizeof *names);
	c->names[m] = names;
	for (int i = 0; i < mb->n_topics; i++) {
		if (!mb->topics[i])
			return ASG_EINVAL;
		names[i] = mb->topics[i];
		int t = topic_lookup(c, names[i]);
		if (t >= 0)
			c->sub[(size_t)m * c->nt + t] = 1;
	}
	qsort(names, (size_t)mb->n_topics, sizeof *names, cmp_cstr);
	for (int i = 0; i < mb->n_topics; i++)
		if (!n || strcmp(names[n - 1], names[i]))
			names[n++] = names[i];
	c->n_names[m] = n;
	return ASG_OK;
}

static int cmp_member_strcmp(const void *ctx, int a, int b)
{
	return strcmp(member(ctx, a)->member_id, member(ctx, b)->member_id);
}

static int ctx_members(struct ctx *c)
{
	int *v = xints((size_t)c->nm, 0);
	int rc = ASG_OK;

	c->sub = xcalloc((size_t)c->nm * (size_t)(c->nt ? c->nt : 1), 1);
	c->names = xcalloc((size_t)c->nm, sizeof *c->names);
	c->n_names = xints((size_t)c->nm, 0);
	for (int m = 0; m < c->nm && !rc; m++) {
		const struct asg_member *mb = member(c, m);
		v[m] = m;
		if (!mb->member_id || mb->n_owned < 0 || (mb->n_owned && !mb->owned))
			rc = ASG_EINVAL;
		else
			rc = ctx_subscription(c, m);
	}
	if (!rc) {
		idx_sort(v, c->nm, cmp_member_strcmp, c);
		for (int i = 1; i < c->nm; i++)
			if (!cmp_member_strcmp(c, v[i - 1], v[i]))
				rc = ASG_EINVAL;
	}
	free(v);
	return rc;
}

/* Number the partitions of Kafka's partitionsPerTopic: existing topics with a subscriber. */
static void ctx_partitions(struct ctx *c)
{
	int *by_java = xints((size_t)c->nt, 0);

	c->t_off = xints((size_t)c->nt, -1);
	for (int t = 0; t < c->nt; t++)
		by_java[c->t_rank[t]] = t;
	for (int i = 0; i < c->nt; i++) {
		int t = by_java[i];
		bool wanted = false;
		for (int m = 0; m < c->nm && !wanted; m++)
			wanted = subs(c, m, t);
		if (wanted && tcount(c, t) > 0) {
			c->t_off[t] = c->np;
			c->np += tcount(c, t);
		}
	}
	c->gp_topic = xints((size_t)c->np, 0);
	for (int t = 0; t < c->nt; t++)
		for (int p = 0; used(c, t) && p < tcount(c, t); p++)
			c->gp_topic[c->t_off[t] + p] = t;
	free(by_java);
}

/* Owned partitions Kafka keeps looking at: topics in partitionsPerTopic, first claim only. */
static int ctx_owned(struct ctx *c)
{
	int *stamp = xints((size_t)c->np, -1);

	c->owned = xcalloc((size_t)c->nm, sizeof *c->owned);
	c->n_owned = xints((size_t)c->nm, 0);
	c->gen = xints((size_t)c->nm, -1);
	for (int m = 0; m < c->nm; m++) {
		const struct asg_member *mb = member(c, m);
		c->owned[m] = xints((size_t)mb->n_owned, 0);
		if (mb->has_generation)
			c->gen[m] = mb->generation;
		for (int i = 0; i < mb->n_owned; i++) {
			struct asg_tp tp = mb->owned[i];
			if (tp.topic < 0 || tp.topic >= c->nt || tp.partition < 0) {
				free(stamp);
				return ASG_EINVAL;
			}
			if (!used(c, tp.topic) || tp.partition >= tcount(c, tp.topic))
				continue;
			int gp = c->t_off[tp.topic] + tp.partition;
			if (stamp[gp] != m) {
				stamp[gp] = m;
				c->owned[m][c->n_owned[m]++] = gp;
			}
		}
	}
	free(stamp);
	return ASG_OK;
}

static int cmp_member_hash(const void *ctx, int a, int b)
{
	const struct ctx *c = ctx;
	uint32_t cap = java_table_cap(c->nm);
	uint32_t x = java_bucket(java_hash_u(member(c, a)->member_id), cap);
	uint32_t y = java_bucket(java_hash_u(member(c, b)->member_id), cap);

	return x != y ? (x < y ? -1 : 1) : (a > b) - (a < b);
}

static int cmp_member_id(const void *ctx, int a, int b)
{
	return asg_java_compare(member(ctx, a)->member_id, member(ctx, b)->member_id);
}

/* AbstractPartitionAssignor.MemberInfo: static members by instance id first, then member id;
 * Collections.sort is stable over the HashMap order. */
static int cmp_member_info(const void *ctx, int a, int b)
{
	const struct ctx *c = ctx;
	const char *ia = member(c, a)->instance_id, *ib = member(c, b)->instance_id;
	int r;

	if (ia && ib)
		r = asg_java_compare(ia, ib);
	else if (ia || ib)
		r = ia ? -1 : 1;
	else
		r = asg_java_compare(member(c, a)->member_id, member(c, b)->member_id);
	return r ? r : (c->hash_pos[a] > c->hash_pos[b]) - (c->hash_pos[a] < c->hash_pos[b]);
}

static void ctx_orders(struct ctx *c)
{
	c->by_hash = xints((size_t)c->nm, 0);
	c->hash_pos = xints((size_t)c->nm, 0);
	c->by_id = xints((size_t)c->nm, 0);
	c->id_rank = xints((size_t)c->nm, 0);
	c->by_info = xints((size_t)c->nm, 0);
	for (int m = 0; m < c->nm; m++)
		c->by_hash[m] = c->by_id[m] = c->by_info[m] = m;
	idx_sort(c->by_hash, c->nm, cmp_member_hash, c);
	for (int i = 0; i < c->nm; i++)
		c->hash_pos[c->by_hash[i]] = i;
	idx_sort(c->by_id, c->nm, cmp_member_id, c);
	for (int i = 0; i < c->nm; i++)
		c->id_rank[c->by_id[i]] = i;
	idx_sort(c->by_info, c->nm, cmp_member_info, c);
}

static void ctx_release(struct ctx *c)
{
	for (int m = 0; m < c->nm; m++) {
		if (c->names)
			free(c->names[m]);
		if (c->owned)
			free(c->owned[m]);
		if (c->out)
			free(c->out[m].v);
	}
	free(c->by_strcmp);
	free(c->t_rank);
	free(c->t_hash);
	free(c->t_off);
	free(c->gp_topic);
	free(c->sub);
	free(c->names);
	free(c->n_names);
	free(c->owned);
	free(c->n_owned);
	free(c->gen);
	free(c->by_hash);
	free(c->hash_pos);
	free(c->by_id);
	free(c->id_rank);
	free(c->by_info);
	free(c->out);
	memset(c, 0, sizeof *c);
}

static int ctx_init(struct ctx *c, const struct asg_input *in)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->in = in;
	c->nt = in->n_topics;
	c->nm = in->n_members;
	if (c->nt < 0 || c->nm < 0 || (c->nt && !in->topics) || (c->nm && !in->members)) {
		c->nt = c->nm = 0;
		return ASG_EINVAL;
	}
	rc = ctx_topics(c);
	if (!rc)
		rc = ctx_members(c);
	if (rc)
		return rc;
	ctx_partitions(c);
	rc = ctx_owned(c);
	if (rc)
		return rc;
	ctx_orders(c);
	c->out = xcalloc((size_t)c->nm, sizeof *c->out);
	return ASG_OK;
}

/* ---- RangeAssignor -------------------------------------------------------------------- */

struct range_key {
	uint32_t map_bucket, set_bucket;
	int first;   /* first appearance while filling the HashSet of subscribed topics */
};

static int cmp_range_topic(const void *ctx, int a, int b)
{
	const struct range_key *k = ctx;

	if (k[a].map_bucket != k[b].map_bucket)
		return k[a].map_bucket < k[b].map_bucket ? -1 : 1;
	if (k[a].set_bucket != k[b].set_bucket)
		return k[a].set_bucket < k[b].set_bucket ? -1 : 1;
	return (k[a].first > k[b].first) - (k[a].first < k[b].first);
}

/* Iteration order of partitionsPerTopic, a HashMap filled from the HashSet of every
 * subscribed name (AbstractPartitionAssignor.assign). Returns the topic count in *n. */
static int *range_topic_order(const struct ctx *c, int *n)
{
	struct range_key *key = xcalloc((size_t)c->nt, sizeof *key);
	int *order = xints((size_t)c->nt, 0), names = 0, first = 0;
	const char **all;
	size_t n_all = 0;

	for (int m = 0; m < c->nm; m++)
		n_all += (size_t)c->n_names[m];
	all = xcalloc(n_all, sizeof *all);
	n_all = 0;
	for (int m = 0; m < c->nm; m++)
		for (int i = 0; i < c->n_names[m]; i++)
			all[n_all++] = c->names[m][i];
	qsort(all, n_all, sizeof *all, cmp_cstr);
	for (size_t i = 0; i < n_all; i++)
		names += !i || strcmp(all[i - 1], all[i]);
	free(all);
	for (int t = 0; t < c->nt; t++)
		key[t].first = -1;
	for (int i = 0; i < c->nm; i++) {
		const struct asg_member *mb = member(c, c->by_hash[i]);
		for (int j = 0; j < mb->n_topics; j++) {
			int t = topic_lookup(c, mb->topics[j]);
			if (t >= 0 && used(c, t) && key[t].first < 0)
				key[t].first = first++;
		}
	}
	*n = 0;
	for (int t = 0; t < c->nt; t++) {
		if (!used(c, t))
			continue;
		key[t].map_bucket = java_bucket(c->t_hash[t], java_table_cap(first));
		key[t].set_bucket = java_bucket(c->t_hash[t], java_table_cap(names));
		order[(*n)++] = t;
	}
	idx_sort(order, *n, cmp_range_topic, key);
	free(key);
	return order;
}

static void assign_range(struct ctx *c)
{
	int n_topics, *order = range_topic_order(c, &n_topics);
	int *members = xints((size_t)c->nm, 0);

	for (int k = 0; k < n_topics; k++) {
		int t = order[k], n = 0, per, extra;
		for (int i = 0; i < c->nm; i++)
			if (subs(c, c->by_info[i], t))
				members[n++] = c->by_info[i];
		ASG_ASSERT(n > 0);
		per = tcount(c, t) / n;
		extra = tcount(c, t) % n;
		for (int i = 0; i < n; i++) {
			int start = per * i + (i < extra ? i : extra), len = per + (i < extra);
			for (int p = start; p < start + len; p++)
				gpl_push(&c->out[members[i]], c->t_off[t] + p);
		}
	}
	free(members);
	free(order);
}

/* ---- RoundRobinAssignor --------------------------------------------------------------- */

static void assign_roundrobin(struct ctx *c)
{
	int pos = 0;

	for (int gp = 0; gp < c->np; gp++) {
		int t = c->gp_topic[gp];
		while (!subs(c, c->by_info[pos], t))
			pos = (pos + 1) % c->nm;
		gpl_push(&c->out[c->by_info[pos]], gp);
		pos = (pos + 1) % c->nm;
	}
}

/* ---- AbstractStickyAssignor: who owns what (allSubscriptionsEqual) -------------------- */

static bool same_subscription(const struct ctx *c, int a, int b)
{
	if (c->n_names[a] != c->n_names[b])
		return false;
	for (int i = 0; i < c->n_names[a]; i++)
		if (strcmp(c->names[a][i], c->names[b][i]))
			return false;
	return true;
}

/* Fill cur with each member's still-valid owned partitions. A partition claimed twice goes to
 * the higher generation; in the same generation neither keeps it and it lands in multi.
 * Returns whether every member subscribes to the same topics. */
static bool sticky_claims(const struct ctx *c, struct gplist *cur, unsigned char *multi)
{
	int *claim = xints((size_t)c->np, -1);
	bool equal = true;

	for (int k = 0; k < c->nm; k++) {
		int m = c->by_hash[k];
		equal = equal && same_subscription(c, c->by_hash[0], m);
		for (int i = 0; i < c->n_owned[m]; i++) {
			int gp = c->owned[m][i], o = claim[gp];
			if (o < 0) {
				gpl_push(&cur[m], gp);
			} else if (c->gen[m] == c->gen[o]) {
				multi[gp] = 1;
				gpl_remove(&cur[o], gp);
			} else if (c->gen[m] > c->gen[o]) {
				gpl_push(&cur[m], gp);
				gpl_remove(&cur[o], gp);
			} else {
				continue;   /* the other member's newer claim stands */
			}
			claim[gp] = m;
		}
	}
	free(claim);
	return equal;
}

/* ---- ConstrainedAssignmentBuilder ----------------------------------------------------- */

struct quota {
	struct ctx *c;
	int min, max;
	int over_expected;   /* members that end with max partitions (0 when min == max) */
	int over;            /* members given max so far */
	int *under, n_under; /* unfilledMembersWithUnderMinQuotaPartitions */
	int *exact, head, tail; /* unfilledMembersWithExactlyMinQuotaPartitions, a queue */
	unsigned char *assigned, *revoked;
	const unsigned char *multi;
	int *transfer;       /* gp -> member it moves to (partitionsTransferringOwnership) */
};

static int cmp_gp_partition_topic(const void *ctx, int a, int b)
{
	const struct ctx *c = ctx;
	int ta = c->gp_topic[a], tb = c->gp_topic[b];
	int pa = a - c->t_off[ta], pb = b - c->t_off[tb];

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return (c->t_rank[ta] > c->t_rank[tb]) - (c->t_rank[ta] < c->t_rank[tb]);
}

static int cmp_member_rank(const void *ctx, int a, int b)
{
	const struct ctx *c = ctx;
	return (c->id_rank[a] > c->id_rank[b]) - (c->id_rank[a] < c->id_rank[b]);
}

static void quota_keep(struct quota *q, int m, const int *v, int keep, int n)
{
	for (int i = 0; i < n; i++) {
		if (i < keep) {
			gpl_push(&q->c->out[m], v[i]);
			q->assigned[v[i]] = 1;
		} else {
			q->revoked[v[i]] = 1;
		}
	}
}

/* assignOwnedPartitions: keep up to the quota of each member's owned partitions, lowest
 * partition numbers first, members in HashMap order. */
static void quota_owned(struct quota *q, const struct gplist *cur)
{
	struct ctx *c = q->c;

	for (int k = 0; k < c->nm; k++) {
		int m = c->by_hash[k], n = 0;
		int *v = xints((size_t)cur[m].n, 0);
		for (int i = 0; i < cur[m].n; i++)
			if (!q->multi[cur[m].v[i]])
				v[n++] = cur[m].v[i];
		idx_sort(v, n, cmp_gp_partition_topic, c);
		if (n < q->min) {
			quota_keep(q, m, v, n, n);
			q->under[q->n_under++] = m;
		} else if (n >= q->max && q->over < q->over_expected) {
			if (++q->over == q->over_expected)
				q->head = q->tail;
			quota_keep(q, m, v, q->max, n);
		} else {
			quota_keep(q, m, v, q->min, n);
			if (q->over < q->over_expected)
				q->exact[q->tail++] = m;
		}
		free(v);
	}
}

static int quota_grant(struct quota *q, int gp, int m)
{
	gpl_push(&q->c->out[m], gp);
	if (q->revoked[gp] || q->multi[gp])
		q->transfer[gp] = m;
	return q->c->out[m].n;
}

/* assignRoundRobin: deal the rest to the members under minQuota (sorted, circling), then
 * one more each to members at minQuota in queue order. */
static void quota_round_robin(struct quota *q)
{
	int it = 0;

	for (int gp = 0; gp < q->c->np; gp++) {
		int m, from_under = 1;
		if (q->assigned[gp])
			continue;
		if (it < q->n_under) {
			m = q->under[it++];
		} else if (q->n_under == 0) {
			ASG_ASSERT(q->head < q->tail);   /* Kafka: "No more unfilled consumers" */
			m = q->exact[q->head++];
			from_under = 0;
		} else {
			it = 0;
			m = q->under[it++];
		}
		int n = quota_grant(q, gp, m);
		if (n == q->min) {
			ASG_ASSERT(from_under);
			memmove(q->under + it - 1, q->under + it,
				(size_t)(q->n_under - it) * sizeof *q->under);
			it--;
			q->n_under--;
			q->exact[q->tail++] = m;
		} else if (n == q->max) {
			q->over++;
		}
	}
}

static void sticky_constrained(struct ctx *c, const struct gplist *cur,
			       const unsigned char *multi, int *transfer)
{
	struct quota q = {
		.c = c, .min = c->np / c->nm, .max = (c->np + c->nm - 1) / c->nm,
		.over_expected = c->np % c->nm, .multi = multi, .transfer = transfer,
	};

	q.under = xints((size_t)c->nm, 0);
	q.exact = xints((size_t)c->nm * 2 + 1, 0);
	q.assigned = xcalloc((size_t)c->np, 1);
	q.revoked = xcalloc((size_t)c->np, 1);
	quota_owned(&q, cur);
	idx_sort(q.under, q.n_under, cmp_member_rank, c);
	idx_sort(q.exact + q.head, q.tail - q.head, cmp_member_rank, c);
	quota_round_robin(&q);
	/* verifyUnfilledMembers */
	for (int i = 0; i < q.n_under; i++)
		ASG_ASSERT(q.over == q.over_expected && c->out[q.under[i]].n == q.min);
	free(q.under);
	free(q.exact);
	free(q.assigned);
	free(q.revoked);
}

/* ---- GeneralAssignmentBuilder --------------------------------------------------------- */

/* One HashSet<TopicPartition> of PartitionMovements.partitionMovementsByTopic: partitions of
 * topic that moved from src to dst. n_max fixes the table capacity (tables never shrink). */
struct mv_set {
	int topic, src, dst, n, n_max;
};

struct general {
	struct ctx *c;
	struct gplist *cur;        /* currentAssignment */
	int *owner;                /* currentPartitionConsumer: gp -> member, -1 */
	int *n_potential;          /* topic2AllPotentialConsumers sizes */
	int *max_size;             /* member -> partitions of all its topics */
	unsigned char *active;     /* member is in sortedCurrentSubscriptions */
	int *sorted_all, n_sorted_all;
	int *unassigned, n_unassigned;
	int *prev_m, *prev_g;      /* prevAssignment: gp -> (member, generation) */
	bool revocation_required;
	int *mv_src, *mv_dst, *mv_set, *mv_seq, seq;
	struct mv_set *sets;
	int n_sets, cap_sets;
	int *t_sets;               /* topic -> live sets */
	int *topic_max;            /* scratch: largest owner per topic */
};

static int size_of(const struct general *g, int m) { return g->cur[m].n; }

static int cmp_topic_potential(const void *ctx, int a, int b)
{
	const struct general *g = ctx;

	if (g->n_potential[a] != g->n_potential[b])
		return g->n_potential[a] < g->n_potential[b] ? -1 : 1;
	return (g->c->t_rank[a] > g->c->t_rank[b]) - (g->c->t_rank[a] < g->c->t_rank[b]);
}

/* prepopulateCurrentAssignments: the newest older-generation owner of each partition. */
static void general_prev(struct general *g)
{
	const struct ctx *c = g->c;
	int max_gen = -1;

	g->prev_m = xints((size_t)c->np, -1);
	g->prev_g = xints((size_t)c->np, 0);
	for (int m = 0; m < c->nm; m++)
		max_gen = c->gen[m] > max_gen ? c->gen[m] : max_gen;
	for (int k = 0; k < c->nm; k++) {
		int m = c->by_hash[k];
		if (c->gen[m] >= max_gen)
			continue;
		for (int i = 0; i < c->n_owned[m]; i++) {
			int gp = c->owned[m][i];
			if (g->prev_m[gp] < 0 || c->gen[m] > g->prev_g[gp]) {
				g->prev_m[gp] = m;
				g->prev_g[gp] = c->gen[m];
			}
		}
	}
}

/* Topics by (potential consumers, name); drop owned partitions of topics a member left. */
static void general_layout(struct general *g)
{
	struct ctx *c = g->c;
	int *topics = xints((size_t)c->nt, 0), n = 0;
	unsigned char *assigned = xcalloc((size_t)c->np, 1);

	for (int t = 0; t < c->nt; t++)
		if (used(c, t))
			topics[n++] = t;
	idx_sort(topics, n, cmp_topic_potential, g);
	g->sorted_all = xints((size_t)c->np, 0);
	for (int i = 0; i < n; i++)
		for (int p = 0; p < tcount(c, topics[i]); p++)
			g->sorted_all[g->n_sorted_all++] = c->t_off[topics[i]] + p;
	for (int m = 0; m < c->nm; m++) {
		struct gplist *l = &g->cur[m];
		int w = 0;
		for (int i = 0; i < l->n; i++) {
			if (subs(c, m, c->gp_topic[l->v[i]])) {
				assigned[l->v[i]] = 1;
				l->v[w++] = l->v[i];
			} else {
				g->revocation_required = true;
			}
		}
		l->n = w;
	}
	g->unassigned = xints((size_t)c->np, 0);
	for (int i = 0; i < g->n_sorted_all; i++)
		if (!assigned[g->sorted_all[i]])
			g->unassigned[g->n_unassigned++] = g->sorted_all[i];
	free(assigned);
	free(topics);
}

static void general_init(struct general *g, struct ctx *c, struct gplist *cur)
{
	memset(g, 0, sizeof *g);
	g->c = c;
	g->cur = cur;
	g->n_potential = xints((size_t)c->nt, 0);
	g->max_size = xints((size_t)c->nm, 0);
	g->active = xcalloc((size_t)c->nm, 1);
	for (int m = 0; m < c->nm; m++) {
		g->active[m] = 1;
		for (int t = 0; t < c->nt; t++) {
			if (used(c, t) && subs(c, m, t)) {
				g->n_potential[t]++;
				g->max_size[m] += tcount(c, t);
			}
		}
	}
	g->owner = xints((size_t)c->np, -1);
	for (int m = 0; m < c->nm; m++)
		for (int i = 0; i < cur[m].n; i++)
			g->owner[cur[m].v[i]] = m;
	general_prev(g);
	general_layout(g);
	g->mv_src = xints((size_t)c->np, -1);
	g->mv_dst = xints((size_t)c->np, -1);
	g->mv_set = xints((size_t)c->np, -1);
	g->mv_seq = xints((size_t)c->np, 0);
	g->t_sets = xints((size_t)c->nt, 0);
	g->topic_max = xints((size_t)c->nt, 0);
}

static void general_release(struct general *g)
{
	free(g->owner);
	free(g->n_potential);
	free(g->max_size);
	free(g->active);
	free(g->sorted_all);
	free(g->unassigned);
	free(g->prev_m);
	free(g->prev_g);
	free(g->mv_src);
	free(g->mv_dst);
	free(g->mv_set);
	free(g->mv_seq);
	free(g->sets);
	free(g->t_sets);
	free(g->topic_max);
}

/* The first member of sortedCurrentSubscriptions (by size, then member.id) taking topic t. */
static int general_best(const struct general *g, int t)
{
	const struct ctx *c = g->c;
	int best = -1;

	for (int m = 0; m < c->nm; m++) {
		if (!g->active[m] || !subs(c, m, t))
			continue;
		if (best < 0 || size_of(g, m) < size_of(g, best) ||
		    (size_of(g, m) == size_of(g, best) && c->id_rank[m] < c->id_rank[best]))
			best = m;
	}
	return best;
}

/* isBalanced: sizes within one, or no member could take a partition from one holding two
 * more than it has. */
static bool general_balanced(struct general *g)
{
	const struct ctx *c = g->c;
	int min = -1, max = -1;

	for (int m = 0; m < c->nm; m++) {
		if (!g->active[m])
			continue;
		if (min < 0 || size_of(g, m) < min)
			min = size_of(g, m);
		if (size_of(g, m) > max)
			max = size_of(g, m);
	}
	if (min >= max - 1)
		return true;
	for (int t = 0; t < c->nt; t++)
		g->topic_max[t] = -1;
	for (int gp = 0; gp < c->np; gp++) {
		int o = g->owner[gp], t = c->gp_topic[gp];
		if (o >= 0 && g->active[o] && size_of(g, o) > g->topic_max[t])
			g->topic_max[t] = size_of(g, o);
	}
	for (int m = 0; m < c->nm; m++) {
		if (!g->active[m] || size_of(g, m) == g->max_size[m])
			continue;
		for (int t = 0; t < c->nt; t++)
			if (used(c, t) && subs(c, m, t) && g->topic_max[t] > size_of(g, m) + 1)
				return false;
	}
	return true;
}

/* ---- PartitionMovements --------------------------------------------------------------- */

static int mv_find(const struct general *g, int t, int src, int dst)
{
	for (int s = 0; s < g->n_sets; s++)
		if (g->sets[s].topic == t && g->sets[s].src == src && g->sets[s].dst == dst)
			return s;
	return -1;
}

static void mv_link(struct general *g, int gp, int src, int dst)
{
	int t = g->c->gp_topic[gp], s = mv_find(g, t, src, dst);

	if (s < 0) {
		if (g->n_sets == g->cap_sets) {
			g->cap_sets = g->cap_sets ? 2 * g->cap_sets : 16;
			g->sets = realloc(g->sets, (size_t)g->cap_sets * sizeof *g->sets);
			ASG_ASSERT(g->sets != NULL);
		}
		s = g->n_sets++;
		g->sets[s] = (struct mv_set){ .topic = t, .src = src, .dst = dst };
		g->t_sets[t]++;
	}
	g->mv_src[gp] = src;
	g->mv_dst[gp] = dst;
	g->mv_set[gp] = s;
	g->mv_seq[gp] = g->seq++;
	if (++g->sets[s].n > g->sets[s].n_max)
		g->sets[s].n_max = g->sets[s].n;
}

static void mv_unlink(struct general *g, int gp)
{
	struct mv_set *set = &g->sets[g->mv_set[gp]];

	if (--set->n == 0) {
		g->t_sets[set->topic]--;
		set->topic = -1;   /* the pair leaves the map; a later one starts a new table */
	}
	g->mv_src[gp] = g->mv_dst[gp] = g->mv_set[gp] = -1;
}

/* movePartition: a partition moving back to where it started leaves no record. */
static void mv_record(struct general *g, int gp, int from, int to)
{
	if (g->mv_src[gp] >= 0) {
		int src = g->mv_src[gp];
		ASG_ASSERT(g->mv_dst[gp] == from);
		mv_unlink(g, gp);
		if (src != to)
			mv_link(g, gp, src, to);
	} else {
		mv_link(g, gp, from, to);
	}
}

/* HashSet.iterator().next(): lowest bucket, then the earliest added. */
static int mv_first(const struct general *g, int s)
{
	const struct ctx *c = g->c;
	int t = g->sets[s].topic, best = -1;
	uint32_t cap = java_table_cap(g->sets[s].n_max), best_bucket = 0;

	for (int p = 0; p < tcount(c, t); p++) {
		int gp = c->t_off[t] + p;
		if (g->mv_set[gp] != s)
			continue;
		uint32_t h = 31u * (31u + (uint32_t)p) + c->t_hash[t];   /* TopicPartition */
		uint32_t b = java_bucket(h, cap);
		if (best < 0 || b < best_bucket ||
		    (b == best_bucket && g->mv_seq[gp] < g->mv_seq[best])) {
			best = gp;
			best_bucket = b;
		}
	}
	ASG_ASSERT(best >= 0);
	return best;
}

/* getTheActualPartitionToBeMoved: prefer undoing an earlier move of the same topic. */
static int mv_actual(const struct general *g, int gp, int from, int to)
{
	int t = g->c->gp_topic[gp], s;

	if (!g->t_sets[t])
		return gp;
	if (g->mv_src[gp] >= 0) {
		ASG_ASSERT(g->mv_dst[gp] == from);
		from = g->mv_src[gp];
	}
	s = mv_find(g, t, to, from);
	return s < 0 ? gp : mv_first(g, s);
}

/* reassignPartition(partition, newConsumer) and processPartitionMovement. */
static void general_reassign(struct general *g, int gp, int to)
{
	int moved = mv_actual(g, gp, g->owner[gp], to), from = g->owner[moved];

	mv_record(g, moved, from, to);
	gpl_remove(&g->cur[from], moved);
	gpl_push(&g->cur[to], moved);
	g->owner[moved] = to;
}

static int general_min_size(const struct general *g, int t)
{
	int min = -1;

	for (int m = 0; m < g->c->nm; m++)
		if (g->active[m] && subs(g->c, m, t) && (min < 0 || size_of(g, m) < min))
			min = size_of(g, m);
	return min;
}

/* performReassignments: sweep the list until balanced or nothing moves. */
static bool general_perform(struct general *g, const int *list, int n)
{
	const struct ctx *c = g->c;
	bool performed = false, modified;

	do {
		modified = false;
		for (int i = 0; i < n && !general_balanced(g); i++) {
			int gp = list[i], t = c->gp_topic[gp], m = g->owner[gp], pm = g->prev_m[gp];
			ASG_ASSERT(m >= 0 && g->n_potential[t] >= 2);
			if (pm >= 0 && g->active[pm] && subs(c, pm, t) &&
			    size_of(g, m) > size_of(g, pm) + 1) {
				general_reassign(g, gp, pm);
				performed = modified = true;
			} else if (general_min_size(g, t) + 1 < size_of(g, m)) {
				general_reassign(g, gp, general_best(g, t));
				performed = modified = true;
			}
		}
	} while (modified);
	return performed;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* getBalanceScore: sum of |size difference| over all pairs of participating members. */
static long long general_score(const struct general *g, const struct gplist *lists)
{
	int *v = xints((size_t)g->c->nm, 0), k = 0;
	long long score = 0;

	for (int m = 0; m < g->c->nm; m++)
		if (g->active[m])
			v[k++] = lists[m].n;
	qsort(v, (size_t)k, sizeof *v, cmp_int);
	for (int j = 0; j < k; j++)
		score += (long long)v[j] * (2 * j - k + 1);
	free(v);
	return score;
}

static bool general_can_participate(const struct general *g, int m)
{
	if (size_of(g, m) < g->max_size[m])
		return true;
	for (int i = 0; i < g->cur[m].n; i++)
		if (g->n_potential[g->c->gp_topic[g->cur[m].v[i]]] >= 2)
			return true;
	return false;
}

/* Drop partitions of single-consumer topics from a list (fixedPartitions). */
static void general_drop_fixed(const struct general *g, int *list, int *n)
{
	int w = 0;

	for (int i = 0; i < *n; i++)
		if (g->n_potential[g->c->gp_topic[list[i]]] >= 2)
			list[w++] = list[i];
	*n = w;
}

static void general_balance(struct general *g)
{
	struct ctx *c = g->c;
	bool initializing = true, performed;
	struct gplist *pre = xcalloc((size_t)c->nm, sizeof *pre);
	int *pre_owner = xints((size_t)c->np, -1);

	for (int m = 0; m < c->nm; m++)
		initializing = initializing && size_of(g, m) == 0;
	for (int i = 0; i < g->n_unassigned; i++) {   /* maybeAssign */
		int gp = g->unassigned[i], m = general_best(g, c->gp_topic[gp]);
		gpl_push(&g->cur[m], gp);
		g->owner[gp] = m;
	}
	general_drop_fixed(g, g->sorted_all, &g->n_sorted_all);
	general_drop_fixed(g, g->unassigned, &g->n_unassigned);
	for (int m = 0; m < c->nm; m++)
		g->active[m] = general_can_participate(g, m);
	for (int m = 0; m < c->nm; m++)
		if (g->active[m])
			gpl_copy(&pre[m], &g->cur[m]);
	memcpy(pre_owner, g->owner, (size_t)c->np * sizeof *pre_owner);
	if (!g->revocation_required)
		general_perform(g, g->unassigned, g->n_unassigned);
	performed = general_perform(g, g->sorted_all, g->n_sorted_all);
	if (!initializing && performed && general_score(g, g->cur) >= general_score(g, pre)) {
		for (int m = 0; m < c->nm; m++)
			if (g->active[m])
				gpl_copy(&g->cur[m], &pre[m]);
		memcpy(g->owner, pre_owner, (size_t)c->np * sizeof *pre_owner);
	}
	for (int m = 0; m < c->nm; m++) {
		g->active[m] = 1;
		free(pre[m].v);
	}
	free(pre);
	free(pre_owner);
}

/* CooperativeStickyAssignor.computePartitionsTransferringOwnership: partitions added to one
 * member that another member owned and loses. */
static void general_transfers(const struct ctx *c, int *transfer)
{
	int *to = xints((size_t)c->np, -1);
	unsigned char *revoked = xcalloc((size_t)c->np, 1), *kept = xcalloc((size_t)c->np, 1);

	for (int m = 0; m < c->nm; m++)
		for (int i = 0; i < c->out[m].n; i++)
			to[c->out[m].v[i]] = m;
	for (int m = 0; m < c->nm; m++) {
		for (int i = 0; i < c->n_owned[m]; i++) {
			int gp = c->owned[m][i];
			if (to[gp] == m)
				kept[gp] = 1;
			else
				revoked[gp] = 1;
		}
	}
	for (int gp = 0; gp < c->np; gp++)
		if (to[gp] >= 0 && !kept[gp] && revoked[gp])
			transfer[gp] = to[gp];
	free(to);
	free(revoked);
	free(kept);
}

static void assign_sticky(struct ctx *c, bool cooperative)
{
	struct gplist *cur = xcalloc((size_t)c->nm, sizeof *cur);
	unsigned char *multi = xcalloc((size_t)c->np, 1);
	int *transfer = xints((size_t)c->np, -1);

	if (c->nm > 0 && sticky_claims(c, cur, multi)) {
		sticky_constrained(c, cur, multi, transfer);
	} else if (c->nm > 0) {
		struct general g;
		general_init(&g, c, cur);
		general_balance(&g);
		general_release(&g);
		for (int m = 0; m < c->nm; m++) {
			c->out[m] = cur[m];
			cur[m] = (struct gplist){ 0 };
		}
		if (cooperative)
			general_transfers(c, transfer);
	}
	for (int gp = 0; cooperative && gp < c->np; gp++)   /* adjustAssignment */
		if (transfer[gp] >= 0)
			gpl_remove(&c->out[transfer[gp]], gp);
	for (int m = 0; m < c->nm; m++)
		free(cur[m].v);
	free(cur);
	free(multi);
	free(transfer);
}

/* ---- public --------------------------------------------------------------------------- */

static void ctx_result(const struct ctx *c, struct asg_result *out)
{
	out->n_members = c->nm;
	out->members = xcalloc((size_t)c->nm, sizeof *out->members);
	for (int m = 0; m < c->nm; m++) {
		const struct gplist *l = &c->out[m];
		out->members[m].n = l->n;
		out->members[m].tps = xcalloc((size_t)l->n, sizeof *out->members[m].tps);
		for (int i = 0; i < l->n; i++) {
			int t = c->gp_topic[l->v[i]];
			out->members[m].tps[i] = (struct asg_tp){ t, l->v[i] - c->t_off[t] };
		}
	}
}

int asg_assign(enum ks_assignor s, const struct asg_input *in, struct asg_result *out)
{
	struct ctx c;
	int rc;

	if (!out)
		return ASG_EINVAL;
	*out = (struct asg_result){ 0 };
	if (!in)
		return ASG_EINVAL;
	rc = ctx_init(&c, in);
	if (!rc) {
		switch (s) {
		case ASG_RANGE: assign_range(&c); break;
		case ASG_ROUNDROBIN: assign_roundrobin(&c); break;
		case ASG_STICKY: assign_sticky(&c, false); break;
		case ASG_COOPERATIVE_STICKY: assign_sticky(&c, true); break;
		default: rc = ASG_EINVAL; break;
		}
	}
	if (!rc)
		ctx_result(&c, out);
	ctx_release(&c);
	return rc;
}

/* Index of (topic, partition) among all partitions of all topics; -1 if there is none. */
static int flat_index(const struct asg_input *in, const int *base, struct asg_tp tp)
{
	if (tp.partition >= in->topics[tp.topic].partitions)
		return -1;
	return base[tp.topic] + tp.partition;
}

static bool tp_valid(const struct asg_input *in, struct asg_tp tp)
{
	return tp.topic >= 0 && tp.topic < in->n_topics && tp.partition >= 0;
}

int asg_revocations(const struct asg_input *in, const struct asg_result *target,
		    struct asg_result *out)
{
	int *base, *mark, total = 0, n = 0;

	if (!out)
		return ASG_EINVAL;
	*out = (struct asg_result){ 0 };
	if (!in || !target || target->n_members != in->n_members || in->n_topics < 0)
		return ASG_EINVAL;
	base = xints((size_t)in->n_topics + 1, 0);
	for (int t = 0; t < in->n_topics; t++) {
		base[t] = n;
		n += in->topics[t].partitions > 0 ? in->topics[t].partitions : 0;
	}
	mark = xints((size_t)n, -1);
	out->n_members = in->n_members;
	out->members = xcalloc((size_t)in->n_members, sizeof *out->members);
	for (int m = 0; m < in->n_members && total >= 0; m++) {
		const struct asg_member *mb = &in->members[m];
		struct asg_list *r = &out->members[m];
		r->tps = xcalloc((size_t)(mb->n_owned > 0 ? mb->n_owned : 0), sizeof *r->tps);
		for (int i = 0; i < target->members[m].n && total >= 0; i++) {
			struct asg_tp tp = target->members[m].tps[i];
			int k = tp_valid(in, tp) ? flat_index(in, base, tp) : -1;
			if (k < 0)
				total = ASG_EINVAL;
			else
				mark[k] = m;
		}
		for (int i = 0; i < mb->n_owned && total >= 0; i++) {
			struct asg_tp tp = mb->owned[i];
			bool dup = false;
			if (!tp_valid(in, tp)) {
				total = ASG_EINVAL;
				break;
			}
			int k = flat_index(in, base, tp);
			for (int j = 0; j < r->n && !dup; j++)
				dup = r->tps[j].topic == tp.topic &&
				      r->tps[j].partition == tp.partition;
			if (!dup && (k < 0 || mark[k] != m)) {
				r->tps[r->n++] = tp;
				total++;
			}
		}
	}
	free(base);
	free(mark);
	if (total < 0)
		asg_result_release(out);
	return total;
}

void asg_result_release(struct asg_result *r)
{
	if (!r)
		return;
	for (int m = 0; r->members && m < r->n_members; m++)
		free(r->members[m].tps);
	free(r->members);
	*r = (struct asg_result){ 0 };
}

static const struct {
	const char *name, *java;
	enum ks_assignor s;
} strategies[] = {
	{ "range", "org.apache.kafka.clients.consumer.RangeAssignor", ASG_RANGE },
	{ "roundrobin", "org.apache.kafka.clients.consumer.RoundRobinAssignor", ASG_ROUNDROBIN },
	{ "sticky", "org.apache.kafka.clients.consumer.StickyAssignor", ASG_STICKY },
	{ "cooperative-sticky", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
	  ASG_COOPERATIVE_STICKY },
};

int asg_parse_strategy(const char *name, enum ks_assignor *out)
{
	for (size_t i = 0; name && i < sizeof strategies / sizeof strategies[0]; i++) {
		if (!strcmp(name, strategies[i].name) || !strcmp(name, strategies[i].java)) {
			if (out)
				*out = strategies[i].s;
			return 0;
		}
	}
	return -1;
}

const char *asg_strategy_name(enum ks_assignor s)
{
	for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++)
		if (strategies[i].s == s)
			return strategies[i].name;
	return "unknown";
}
