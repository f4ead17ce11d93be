/*
 * net.c - the simulated network: every message between two nodes (brokers, controllers,
 * producers, consumer members) crosses it. A message leaves when the sender's NIC is free,
 * takes bytes / bandwidth (the slower NIC's of the two) to cross, travels for a latency drawn
 * from the network's distribution plus any `delay` fault, and arrives when its last byte
 * does. The bytes stream into the receiver's NIC as they leave the sender's (cut-through),
 * so an idle receiver adds nothing; a busy one (several senders at once, or a slower NIC)
 * takes messages in arrival order and delays them (a wait under a microsecond is not
 * modelled). Each connection
 * between two nodes (conn_class) is ordered on its own. Partition and drop faults are rules
 * checked when a message is sent (a message already on the wire when a split starts still
 * arrives): a drop loses it, a split holds it until TCP sends it again after the heal (see
 * "TCP across a split" below). A message to a node that is down, or that restarted since
 * the message was sent, is lost. A broker starting up (its listeners not yet open) refuses
 * requests; the answers to its own requests arrive.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "pool.h"
#include "rng.h"
#include "xmem.h"

/* Transient allocations (messages, parked requests): see ks_alloc in kafka.h. Nothing
 * links live blocks together - unlinking one touched two other blocks' cache lines on every
 * free - so a run's end releases the pools whole; the rare larger block is malloc'd and
 * listed. */
struct ks_big {
	struct ks_big *prev, *next;
	max_align_t align[];   /* the ks_block */
};

/* The counters of the kernel running: each kernel of a pair has its own. */
static inline struct net_count *net__count(struct cluster *c)
{
	return &c->net.count[ks__kernel(c)];
}

/* The large blocks' list, which both kernels of a pair change (rarely). */
static void big_lock(struct cluster *c)
{
	while (atomic_flag_test_and_set_explicit(&c->big_lock, memory_order_acquire))
		;
}

static void big_unlock(struct cluster *c)
{
	atomic_flag_clear_explicit(&c->big_lock, memory_order_release);
}

/* Take what the other kernel of a pair freed of kernel k's blocks into k's pools. */
static void ks_reclaim(struct cluster *c, int k)
{
	struct ks_block *blk = atomic_exchange_explicit(&c->ks_remote[k], NULL,
							memory_order_acquire);
	while (blk) {
		struct ks_block *next;
		memcpy(&next, blk->align, sizeof(next));
		pool_give(&c->ks_pools[k][blk->cls], blk);
		blk = next;
	}
}

/* ks_alloc's way when no block of the class is free (or the block is large). */
void *ks__alloc_new(struct cluster *c, size_t size)
{
	size_t cls = ks__class(size);
	int k = ks__kernel(c);
	struct ks_block *blk;
	if (cls <= KS_BLOCK_CLASSES) {
		struct pool *pl = &c->ks_pools[k][cls];
		if (pl->size == 0)
			pool_init(pl, cls * KS_BLOCK_GRAIN);
		if (atomic_load_explicit(&c->ks_remote[k], memory_order_relaxed)) {
			ks_reclaim(c, k);
			blk = pool_reuse(pl);
			if (blk) {
				memset(blk, 0, cls * KS_BLOCK_GRAIN);
				goto got;
			}
		}
		blk = pool_take(pl);
	} else {
		struct ks_big *big = xcalloc(1, sizeof(*big) + sizeof(*blk) + size);
		big_lock(c);
		big->next = c->big;
		if (c->big)
			c->big->prev = big;
		c->big = big;
		big_unlock(c);
		blk = (struct ks_block *)big->align;
		cls = 0;
	}
got:
	blk->c = c;
	blk->cls = (uint32_t)cls;
	blk->kernel = (uint32_t)k;
	return blk->align;
}

void ks_free(void *p)
{
	if (!p)
		return;
	struct ks_block *blk = (struct ks_block *)((char *)p - offsetof(struct ks_block, align));
	struct cluster *c = blk->c;
	if (blk->cls == 0) {
		struct ks_big *big = (struct ks_big *)((char *)blk - offsetof(struct ks_big, align));
		big_lock(c);
		if (big->prev)
			big->prev->next = big->next;
		else
			c->big = big->next;
		if (big->next)
			big->next->prev = big->prev;
		big_unlock(c);
		free(big);
		return;
	}
	int k = ks__kernel(c);
	if (blk->kernel == (uint32_t)k) {
		pool_give(&c->ks_pools[k][blk->cls], blk);
		return;
	}
	struct ks_block *head = atomic_load_explicit(&c->ks_remote[blk->kernel],
						     memory_order_relaxed);
	do /* the link in the dead payload: the header keeps the class and the cluster */
		memcpy(blk->align, &head, sizeof(head));
	while (!atomic_compare_exchange_weak_explicit(&c->ks_remote[blk->kernel], &head, blk,
						      memory_order_release, memory_order_relaxed));
}

void ks_free_all(struct cluster *c)
{
	while (c->big) {
		struct ks_big *next = c->big->next;
		free(c->big);
		c->big = next;
	}
	for (int k = 0; k <= KS_BLOCK_CLASSES; k++) {
		pool_release(&c->ks_pools[0][k]);
		pool_release(&c->ks_pools[1][k]);
	}
}

int net__broker_node(const struct cluster *c, int broker_id)
{
	(void)c;
	return broker_id - 1;
}

int net__controller_node(const struct cluster *c, int controller_id)
{
	return c->first_controller_node + controller_id - 1;
}

static void net__deliver_ev(struct sim *s, void *subject, void *arg);

static void net__warm(void *subject, void *arg)
{
	cluster__warm(subject, arg);
}

void net__warm_start(struct cluster *c)
{
	sim_set_warm(c->sim, net__deliver_ev, net__warm);
}

void net__init(struct cluster *c)
{
	struct net *n = &c->net;
	n->latency = c->sc->cluster.net_latency_ns;
	n->rng = rng_stream_new(c->seed, "net/faults");
	size_t pairs = (size_t)n->n_nodes * (size_t)n->n_nodes; /* pair_of's range */
	n->links = xcalloc_huge(pairs, sizeof(*n->links), _Alignof(struct link));
	n->last_side = xcalloc(pairs * (CONN_CLASSES - 2), sizeof(*n->last_side));
	n->held_ix = xcalloc(pairs * CONN_CLASSES, sizeof(*n->held_ix));
}

/* Each link draws its latencies from its own stream "net/<from>-><to>", seeded on first
 * use: traffic on one link never shifts the draws of another (adding a consumer leaves the
 * producers' and brokers' links alone). */
static sim_time_ns link_latency(struct cluster *c, struct link *l, int from, int to)
{
	struct net *n = &c->net;
	if (!rng_small_seeded(&l->rng)) {
		char name[2 * (KS_NAME_MAX + 16) + 16];
		snprintf(name, sizeof(name), "net/%s->%s", n->nodes[from].name, n->nodes[to].name);
		rng_small_seed(&l->rng, c->seed, name);
	}
	gsl_rng r = rng_small_view(&l->rng);
	return dist_sample_ns(&n->latency, &r);
}

/* ---- a pair of kernels: the lookahead ---------------------------------------------------
 * With the producers on a kernel of their own (cluster.paired), the kernel paired with
 * theirs may only run ahead of them by the least time a message of theirs can take to
 * arrive - and they of it likewise (sim.h). A link between the two kernels draws each
 * message's latency one message ahead (the same draws, in the same order), and each kernel
 * keeps the least of its links' next latencies at the root of a tournament tree: its
 * lookahead. That bound holds for every later message too, not only each link's next one,
 * since a connection is FIFO (transmit): a link's later messages arrive after its next.
 * Each such link carries one connection class (a producer's requests one way, the answers
 * the other; transmit asserts it). Latencies are at least 1 ns on these links, so each
 * promise moves. */

static sim_time_ns drawn_ahead(struct cluster *c, struct link *l, int from, int to)
{
	sim_time_ns v = link_latency(c, l, from, to);
	return v < 1 ? 1 : v;
}

static void la_set(sim_time_ns *tree, uint32_t leaves, uint32_t leaf, sim_time_ns v)
{
	uint32_t i = leaves + leaf;
	tree[i] = v;
	for (i /= 2; i >= 1; i /= 2) {
		sim_time_ns a = tree[2 * i], b = tree[2 * i + 1];
		tree[i] = a < b ? a : b;
	}
}

/* This message's latency on a link between the kernels, and the next one's drawn. */
static sim_time_ns cross_latency(struct cluster *c, struct link *l, int from, int to)
{
	struct net *n = &c->net;
	sim_time_ns lat = l->next_lat;
	int k = n->nodes[from].sim != c->sim;
	l->next_lat = drawn_ahead(c, l, from, to);
	la_set(n->la_tree[k], n->la_leaves[k], l->leaf - 1, l->next_lat);
	return lat;
}

static sim_time_ns la_root(void *tree)
{
	return ((const sim_time_ns *)tree)[1];
}

static struct link *link_of(const struct net *n, int from, int to);

/* Does a -> b cross from kernel k to the other? Only producers and brokers talk across:
 * a link nothing uses would hold its first draw, and the lookahead with it, for good
 * (sim_send stops a run that sends on any other). */
static bool crosses(const struct cluster *c, int a, int b, int k)
{
	const struct node *na = &c->net.nodes[a], *nb = &c->net.nodes[b];
	if ((na->sim != c->sim) != k || na->sim == nb->sim)
		return false;
	return (na->kind == NODE_PRODUCER && nb->kind == NODE_BROKER) ||
	       (na->kind == NODE_BROKER && nb->kind == NODE_PRODUCER);
}

void net__pair(struct cluster *c)
{
	struct net *n = &c->net;
	for (int k = 0; k < 2; k++) {
		uint32_t count = 0, leaves = 1;
		for (int a = 0; a < n->n_nodes; a++)
			for (int b = 0; b < n->n_nodes; b++)
				count += crosses(c, a, b, k);
		while (leaves < count)
			leaves *= 2;
		n->la_leaves[k] = leaves;
		n->la_tree[k] = xcalloc(2 * (size_t)leaves, sizeof(sim_time_ns));
		for (uint32_t i = 0; i < 2 * leaves; i++)
			n->la_tree[k][i] = SIM_TIME_MAX;
		uint32_t leaf = 0;
		for (int a = 0; a < n->n_nodes; a++) {
			for (int b = 0; b < n->n_nodes; b++) {
				if (!crosses(c, a, b, k))
					continue;
				struct link *l = link_of(n, a, b);
				l->leaf = ++leaf;
				l->next_lat = drawn_ahead(c, l, a, b);
				la_set(n->la_tree[k], leaves, leaf - 1, l->next_lat);
			}
		}
	}
	sim_pair(c->sim, c->psim, la_root, n->la_tree[0], la_root, n->la_tree[1]);
}

/* The directed pair from -> to: its index in links[] and the arrays beside it. */
static size_t pair_of(const struct net *n, int from, int to)
{
	return (size_t)from * (size_t)n->n_nodes + (size_t)to;
}

static struct link *link_of(const struct net *n, int from, int to)
{
	return &n->links[pair_of(n, from, to)];
}

/* The latest arrival scheduled on connection class cls from -> to (kafka.h): the link's
 * line keeps the client classes', last_side the others'. */
static sim_time_ns *last_of(const struct net *n, int from, int to, int cls)
{
	if (cls < 2)
		return &link_of(n, from, to)->last_ns[cls];
	return &n->last_side[pair_of(n, from, to) * (CONN_CLASSES - 2) + (size_t)cls - 2];
}

void net__warm_link(const struct cluster *c, int from, int to)
{
	sim_prefetch(link_of(&c->net, from, to), sizeof(struct link));
}

static void held_drop(struct cluster *c, struct held_conn *h);

void net__release(struct cluster *c)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_rules; i++) {
		free(n->rules[i].a);
		free(n->rules[i].b);
	}
	free(n->rules);
	while (n->n_held)
		held_drop(c, &n->held[n->n_held - 1]);
	free(n->held);
	free(n->held_ix);
	free(n->la_tree[0]);
	free(n->la_tree[1]);
	free(n->last_side);
	free(n->links);
	free(n->nodes);
	if (n->rng)
		gsl_rng_free(n->rng);
	memset(n, 0, sizeof(*n));
}

static bool rule_matches(const struct net_rule *r, int from, int to)
{
	if (r->a[from] && r->b[to])
		return true;
	return !r->one_way && r->b[from] && r->a[to];
}

bool net__reachable(const struct cluster *c, int from, int to)
{
	const struct net *n = &c->net;
	for (int i = 0; i < n->n_rules; i++) {
		const struct net_rule *r = &n->rules[i];
		if (r->active && r->kind == RULE_PARTITION && rule_matches(r, from, to))
			return false;
	}
	return true;
}

/* Apply the active rules, adding any delay to *extra: RULES_PASS, RULES_LOST (a drop), or
 * RULES_SPLIT (a partition rule stands between the two). A drop loses requests and
 * responses, not a connection's opening or closing handshake (TCP retransmits those); a
 * split stops them all. */
enum rules_verdict { RULES_PASS, RULES_LOST, RULES_SPLIT };

/* A connection's opening or closing, not a request or a response. */
static bool is_handshake(enum msg_type type)
{
	return type == MSG_CONNECT || type == MSG_CONNECT_RESP || type == MSG_CONN_CLOSED;
}

static enum rules_verdict net__apply_rules(struct cluster *c, int from, int to,
					   enum msg_type type, sim_time_ns *extra)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_rules; i++) {
		struct net_rule *r = &n->rules[i];
		if (!r->active || !rule_matches(r, from, to))
			continue;
		switch (r->kind) {
		case RULE_PARTITION:
			return RULES_SPLIT;
		case RULE_DROP:
			if (!is_handshake(type) && rng_unit(n->rng) < r->fraction)
				return RULES_LOST;
			break;
		case RULE_DELAY:
			*extra += r->extra_ns;
			break;
		}
	}
	return RULES_PASS;
}

static sim_time_ns xfer_ns(int64_t bytes, int64_t bytes_per_s)
{
	if (bytes_per_s <= 0 || bytes <= 0)
		return 0;
	return (sim_time_ns)((double)bytes * 1e9 / (double)bytes_per_s);
}

static void net__bounce_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct msg *m = arg;
	struct node *from = &c->net.nodes[m->from];
	if (!from->up || from->incarnation != m->from_incarnation) {
		ks_free(m);
		return;
	}
	cluster__bounce(c, m);
}

/* What a broker's listeners take: requests on connections others open to it (its own
 * connections - fetches to leaders, heartbeats to the controller - bring their answers). */
static bool net__is_request(enum msg_type t)
{
	return t == MSG_PRODUCE_REQ || t == MSG_FETCH_REQ || t == MSG_METADATA_REQ ||
	       t == MSG_GROUP || t == MSG_CONNECT;
}

static void net__deliver_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct msg *m = arg;
	struct node *to = &c->net.nodes[m->to];
	bool stale = !to->up || to->incarnation != m->to_incarnation;
	if (stale || (to->closed && net__is_request(m->type))) {
		net__count(c)->dropped++;
		if (to->host_down || (stale && to->up)) { /* no machine, or a restart since */
			ks_free(m);
			return;
		}
		/* connection refused: the sender hears of it one network hop later */
		m->bounced = true;
		/* no refusal crosses between a pair's kernels: they run no faults */
		SIM_ASSERT(c->net.nodes[m->from].sim == s);
		sim_after(s, link_latency(c, link_of(&c->net, m->to, m->from), m->to, m->from),
			  net__bounce_ev, c, m);
		return;
	}
	/* the receiver's NIC takes messages in the order they arrive; this one's first byte
	 * came in when its last had left the sender's NIC less the sender's transfer time */
	if (!m->received) {
		m->received = true;
		sim_time_ns now = sim_now(s);
		sim_time_ns first = now - m->path_ns;
		sim_time_ns start = to->in_free_ns > first ? to->in_free_ns : first;
		sim_time_ns done = start + m->in_xfer_ns;
		to->in_free_ns = done;
		done += to->slow_extra_ns;
		if (done - now > SIM_US) {
			sim_schedule(s, done, net__deliver_ev, c, m);
			return;
		}
	}
	net__count(c)->delivered++;
	cluster__deliver(c, m);
}

/* A message's connection class (kafka.h): its kind, and whether it is an answer. */
static int conn_class(const struct net *n, enum msg_type type, int from)
{
	switch (type) {
	case MSG_GROUP: /* both ways: the coordinator's broker answers */
		return 2 * CONN_SIDE + (n->nodes[from].kind == NODE_BROKER);
	case MSG_BROKER_HEARTBEAT:
		return 2 * CONN_SIDE;
	case MSG_BROKER_HEARTBEAT_RESP:
		return 2 * CONN_SIDE + 1;
	case MSG_ALTER_PARTITION:
		return 2 * CONN_ALTER;
	case MSG_ALTER_PARTITION_RESP:
		return 2 * CONN_ALTER + 1;
	case MSG_PRODUCE_RESP:
	case MSG_FETCH_RESP:
	case MSG_METADATA_RESP:
	case MSG_METADATA_PUSH:
	case MSG_CONNECT_RESP:
	case MSG_CONN_CLOSED:
		return 2 * CONN_CLIENT + 1;
	default:
		return 2 * CONN_CLIENT;
	}
}

/* Put m on the wire now (the rules passed it, `extra` their delay): it leaves when the
 * sender's NIC is free and arrives after its connection's previous message. Its class is
 * found here rather than passed by the send: cachegrind, the 3-broker bench cut to a
 * minute, 664.09 M instructions against 665.85 M passed. */
static inline void transmit(struct cluster *c, struct msg *m, sim_time_ns extra)
{
	struct net *n = &c->net;
	int from = m->from, to = m->to;
	struct node *src = &n->nodes[from], *dst = &n->nodes[to];
	struct sim *s = src->sim;
	sim_time_ns now = sim_now(s);
	/* the times to cross each NIC, computed once here (a division each; the NICs of a
	 * cluster usually share one rate): the message crosses at the slower one's */
	sim_time_ns out_x = xfer_ns(m->bytes, src->bytes_per_s);
	m->in_xfer_ns = dst->bytes_per_s == src->bytes_per_s ? out_x :
			xfer_ns(m->bytes, dst->bytes_per_s);
	m->path_ns = out_x > m->in_xfer_ns ? out_x : m->in_xfer_ns;
	sim_time_ns depart = now > src->out_free_ns ? now : src->out_free_ns;
	src->out_free_ns = depart + out_x;
	struct link *l = link_of(n, from, to);
	sim_time_ns arrive = depart + m->path_ns + extra +
			     (l->leaf ? cross_latency(c, l, from, to) : link_latency(c, l, from, to));
	/* a connection is ordered, as TCP: a message never overtakes an earlier one */
	int cls = conn_class(n, m->type, from);
	sim_time_ns *last = cls < 2 ? &l->last_ns[cls] : last_of(n, from, to, cls);
	if (arrive < *last)
		arrive = *last;
	*last = arrive;
	if (dst->sim == s) {
		sim_schedule(s, arrive, net__deliver_ev, c, m);
	} else {
		/* a producer's requests and the answers to them: one connection class each
		 * way, which the lookahead counts on (net__pair) */
		SIM_ASSERT(cls == (dst->kind == NODE_PRODUCER));
		sim_send(s, dst->sim, arrive, net__deliver_ev, c, m);
	}
}

/* ---- TCP across a split ------------------------------------------------------------------
 * A message that cannot cross a split is not lost: TCP keeps it and sends it again when its
 * retransmission timer fires - 200 ms after it was first sent (TCP_RTO_MIN, a LAN's round
 * trip being shorter), doubling each time up to 120 s (TCP_RTO_MAX), given up after 15
 * resends (tcp_retries2, about 15 minutes). The first resend after the split heals carries
 * it and everything queued behind it on its connection, in order; what the connection sends
 * meanwhile, even after the heal, waits behind it. A client that gives up a request (its
 * timeout: give_up_ns) closes the connection, and what it held is gone in both directions.
 * Connection handshakes are not kept (a client's own connect timeout handles them), nor is
 * anything of a process that died (its kernel closes its connections). */

#define TCP_RTO_MIN_NS (200 * SIM_MS)
#define TCP_RTO_MAX_NS (120 * SIM_S)
#define TCP_RETRIES 15

/* Where held_ix keeps connection (from, to, cls); its release event is named by it too,
 * since an entry's place in held moves. */
static size_t held_key(const struct net *n, int from, int to, int cls)
{
	return pair_of(n, from, to) * CONN_CLASSES + (size_t)cls;
}

static uint32_t *held_slot(const struct net *n, int from, int to, int cls)
{
	return &n->held_ix[held_key(n, from, to, cls)];
}

static struct held_conn *held_of(const struct net *n, int from, int to, int cls)
{
	uint32_t ix = *held_slot(n, from, to, cls);
	return ix ? &n->held[ix - 1] : NULL;
}

/* Forget connection h (the last entry takes its place). */
static void held_forget(struct cluster *c, struct held_conn *h)
{
	struct net *n = &c->net;
	if (h->release)
		sim_cancel(c->sim, h->release);
	*held_slot(n, h->from, h->to, h->cls) = 0;
	struct held_conn *last = &n->held[--n->n_held];
	if (h != last) {
		*h = *last;
		*held_slot(n, h->from, h->to, h->cls) = (uint32_t)(h - n->held) + 1;
	}
}

/* Forget connection h and what it held: none of it ever arrives. */
static void held_drop(struct cluster *c, struct held_conn *h)
{
	for (struct msg *m = h->head, *next; m; m = next) {
		next = m->held_next;
		net__count(c)->dropped++;
		ks_free(m);
	}
	held_forget(c, h);
}

/* The connection of class cls from -> to is closed: what it held either way is gone (the
 * other way is the other end's class: an answer's for a request). */
static void conn_closed(struct cluster *c, int from, int to, int cls)
{
	struct held_conn *h = held_of(&c->net, from, to, cls);
	if (h)
		held_drop(c, h);
	h = held_of(&c->net, to, from, cls ^ 1);
	if (h)
		held_drop(c, h);
}

static void held_add(struct cluster *c, struct msg *m, int cls)
{
	struct net *n = &c->net;
	struct held_conn *h = held_of(n, m->from, m->to, cls);
	if (!h) {
		if (n->n_held == n->cap_held) {
			n->cap_held = n->cap_held ? 2 * n->cap_held : 16;
			n->held = xrealloc(n->held, (size_t)n->cap_held * sizeof(*n->held));
		}
		h = &n->held[n->n_held++];
		*h = (struct held_conn){ .from = m->from, .to = m->to, .cls = cls,
					 .since = sim_now(c->sim) };
		*held_slot(n, m->from, m->to, cls) = (uint32_t)n->n_held;
	}
	m->held_next = NULL;
	if (h->tail)
		h->tail->held_next = m;
	else
		h->head = m;
	h->tail = m;
	if (m->give_up_ns && (!h->give_up || m->give_up_ns < h->give_up))
		h->give_up = m->give_up_ns;
}

/* The first resend of connection h at or after `at`, or -1 past TCP's last. */
static sim_time_ns next_resend(const struct held_conn *h, sim_time_ns at)
{
	sim_time_ns t = h->since, rto = TCP_RTO_MIN_NS;
	for (int k = 0; k < TCP_RETRIES; k++) {
		t += rto;
		if (t >= at)
			return t;
		rto = 2 * rto < TCP_RTO_MAX_NS ? 2 * rto : TCP_RTO_MAX_NS;
	}
	return -1;
}

static void release_ev(struct sim *s, void *subject, void *arg);

/* Has the client of h's connection (if any) given up on it by now? */
static bool given_up(const struct held_conn *h, sim_time_ns now)
{
	return h && h->give_up && h->give_up <= now;
}

/* Arm h's release at its next resend once nothing splits its two ends, if not armed - or
 * at its client's giving up, if that comes first: the connection is then closed. */
static void held_arm(struct cluster *c, struct held_conn *h)
{
	if (h->release || !net__reachable(c, h->from, h->to))
		return;
	sim_time_ns at = next_resend(h, sim_now(c->sim));
	if (at < 0) { /* past TCP's last resend: the connection is dead */
		conn_closed(c, h->from, h->to, h->cls);
		return;
	}
	if (h->give_up && h->give_up < at)
		at = h->give_up;
	h->release = sim_schedule(c->sim, at, release_ev, c,
				  (void *)(uintptr_t)held_key(&c->net, h->from, h->to, h->cls));
}

static void release_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct net *n = &c->net;
	uint32_t ix = n->held_ix[(uintptr_t)arg];
	if (!ix)
		return;
	struct held_conn *h = &n->held[ix - 1];
	h->release = 0;
	if (given_up(h, sim_now(s))) { /* its client gave up first */
		conn_closed(c, h->from, h->to, h->cls);
		return;
	}
	if (!net__reachable(c, h->from, h->to)) /* split again: wait for the next heal */
		return;
	struct msg *m = h->head;
	held_forget(c, h);
	while (m) {
		struct msg *next = m->held_next;
		sim_time_ns extra = 0;
		enum rules_verdict v = n->n_active_rules ?
			net__apply_rules(c, m->from, m->to, m->type, &extra) : RULES_PASS;
		if (v == RULES_LOST) {
			net__count(c)->dropped++;
			ks_free(m);
		} else {
			transmit(c, m, extra);
		}
		m = next;
	}
}

void net__healed(struct cluster *c)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_held; i++) {
		int before = n->n_held;
		held_arm(c, &n->held[i]);
		if (n->n_held != before) /* closed (entries moved): look again from the start */
			i = -1;
	}
}

void net__send(struct cluster *c, int from, int to, struct msg *m, enum msg_type type,
	       int64_t bytes)
{
	struct net *n = &c->net;
	struct node *src = &n->nodes[from], *dst = &n->nodes[to];
	sim_time_ns extra = 0;
	m->type = type;
	m->from = from;
	m->to = to;
	m->bytes = bytes;
	m->to_incarnation = dst->incarnation;
	m->from_incarnation = src->incarnation;
	struct net_count *count = net__count(c);
	count->sent++;
	if (!src->up) {
		count->dropped++;
		ks_free(m);
		return;
	}
	if (n->n_active_rules || n->n_held) {
		int cls = conn_class(n, type, from);
		struct held_conn *h = NULL;
		if (n->n_held) {
			sim_time_ns now = sim_now(c->sim);
			h = held_of(n, from, to, cls);
			if (given_up(h, now) || given_up(held_of(n, to, from, cls ^ 1), now)) {
				conn_closed(c, from, to, cls); /* its client closed it: a new one */
				h = NULL;
			}
		}
		enum rules_verdict v = n->n_active_rules ?
			net__apply_rules(c, from, to, type, &extra) : RULES_PASS;
		if (v == RULES_LOST || (v == RULES_SPLIT && is_handshake(type))) {
			count->dropped++;
			ks_free(m);
			return;
		}
		if (v == RULES_SPLIT || (h && !is_handshake(type))) {
			held_add(c, m, cls);
			return;
		}
	}
	transmit(c, m, extra);
}

void net__answer(struct cluster *c, const struct msg *req, struct msg *m, enum msg_type type,
		 int64_t bytes)
{
	m->give_up_ns = req->give_up_ns;
	net__send(c, req->to, req->from, m, type, bytes);
}

/* A process's connections die with it: what TCP held for or from it is gone. */
static void held_drop_node(struct cluster *c, int node)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_held;) {
		if (n->held[i].from == node || n->held[i].to == node)
			held_drop(c, &n->held[i]); /* the last moves to i */
		else
			i++;
	}
}

void net__node_down(struct cluster *c, int node)
{
	struct node *nd = &c->net.nodes[node];
	held_drop_node(c, node);
	nd->up = false;
	nd->host_down = false;
	nd->incarnation++;
}

void net__host_down(struct cluster *c, int node)
{
	net__node_down(c, node);
	c->net.nodes[node].host_down = true;
}

void net__set_closed(struct cluster *c, int node, bool closed)
{
	c->net.nodes[node].closed = closed;
}

bool net__open(const struct cluster *c, int node)
{
	const struct node *nd = &c->net.nodes[node];
	return nd->up && !nd->closed;
}

void net__node_up(struct cluster *c, int node)
{
	struct net *n = &c->net;
	struct node *nd = &n->nodes[node];
	nd->up = true;
	nd->host_down = false;
	nd->incarnation++;
	nd->out_free_ns = nd->in_free_ns = sim_now(c->sim);
	/* a new process opens new connections: nothing it sends queues behind its old
	 * process's messages still on the wire, or theirs to it */
	for (int k = 0; k < n->n_nodes; k++)
		for (int cls = 0; cls < CONN_CLASSES; cls++)
			*last_of(n, node, k, cls) = *last_of(n, k, node, cls) = 0;
}
