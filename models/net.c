/*
 * net.c - the simulated network: every message between two nodes (brokers, controllers,
 * producers, consumer members) crosses it. A message leaves when the sender's NIC is free,
 * takes bytes / bandwidth (the slower NIC's of the two) to cross, travels for a latency drawn
 * from the network's distribution plus any `delay` fault, and arrives when its last byte
 * does. The bytes stream into the receiver's NIC as they leave the sender's (cut-through),
 * so an idle receiver adds nothing; a busy one (several senders at once, or a slower NIC) takes messages in arrival
 * order and delays them (a wait under a microsecond is not modelled). Partition and
 * drop faults are rules checked when a message is sent (a message already on the wire when
 * a split starts still arrives). A message to a node that is down, or that restarted since
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

/* ks_alloc's way when no block of the class is free (or the block is large). */
void *ks__alloc_new(struct cluster *c, size_t size)
{
	size_t cls = ks__class(size);
	struct ks_block *blk;
	if (cls <= KS_BLOCK_CLASSES) {
		struct pool *pl = &c->ks_pools[cls];
		if (pl->size == 0)
			pool_init(pl, cls * KS_BLOCK_GRAIN);
		blk = pool_take(pl);
	} else {
		struct ks_big *big = xcalloc(1, sizeof(*big) + sizeof(*blk) + size);
		big->next = c->big;
		if (c->big)
			c->big->prev = big;
		c->big = big;
		blk = (struct ks_block *)big->align;
		cls = 0;
	}
	blk->c = c;
	blk->cls = (uint32_t)cls;
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
		if (big->prev)
			big->prev->next = big->next;
		else
			c->big = big->next;
		if (big->next)
			big->next->prev = big->prev;
		free(big);
		return;
	}
	pool_give(&c->ks_pools[blk->cls], blk);
}

void ks_free_all(struct cluster *c)
{
	while (c->big) {
		struct ks_big *next = c->big->next;
		free(c->big);
		c->big = next;
	}
	for (int k = 0; k <= KS_BLOCK_CLASSES; k++)
		pool_release(&c->ks_pools[k]);
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
	n->links = xcalloc_huge((size_t)n->n_nodes * (size_t)n->n_nodes, sizeof(*n->links),
				_Alignof(struct link));
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

static struct link *link_of(const struct net *n, int from, int to)
{
	return &n->links[(size_t)from * (size_t)n->n_nodes + (size_t)to];
}

void net__warm_link(const struct cluster *c, int from, int to)
{
	sim_prefetch(link_of(&c->net, from, to), sizeof(struct link));
}

void net__release(struct cluster *c)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_rules; i++) {
		free(n->rules[i].a);
		free(n->rules[i].b);
	}
	free(n->rules);
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

/* Apply the active rules: returns false when the message is lost, adds delay to *extra.
 * A drop loses requests and responses, not a connection's opening or closing handshake
 * (TCP retransmits those segments; a network split still stops them). */
static bool net__apply_rules(struct cluster *c, int from, int to, enum msg_type type,
			     sim_time_ns *extra)
{
	struct net *n = &c->net;
	for (int i = 0; i < n->n_rules; i++) {
		struct net_rule *r = &n->rules[i];
		if (!r->active || !rule_matches(r, from, to))
			continue;
		switch (r->kind) {
		case RULE_PARTITION:
			return false;
		case RULE_DROP:
			if (type != MSG_CONNECT && type != MSG_CONNECT_RESP &&
			    type != MSG_CONN_CLOSED && rng_unit(n->rng) < r->fraction)
				return false;
			break;
		case RULE_DELAY:
			*extra += r->extra_ns;
			break;
		}
	}
	return true;
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
		c->net.dropped++;
		if (to->host_down || (stale && to->up)) { /* no machine, or a restart since */
			ks_free(m);
			return;
		}
		/* connection refused: the sender hears of it one network hop later */
		m->bounced = true;
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
	c->net.delivered++;
	cluster__deliver(c, m);
}

void net__send(struct cluster *c, int from, int to, struct msg *m, enum msg_type type,
	       int64_t bytes)
{
	struct net *n = &c->net;
	struct node *src = &n->nodes[from], *dst = &n->nodes[to];
	sim_time_ns now = sim_now(c->sim), extra = 0;
	m->type = type;
	m->from = from;
	m->to = to;
	m->bytes = bytes;
	m->to_incarnation = dst->incarnation;
	m->from_incarnation = src->incarnation;
	n->sent++;
	if (!src->up || (n->n_active_rules && !net__apply_rules(c, from, to, type, &extra))) {
		n->dropped++;
		ks_free(m);
		return;
	}
	/* the times to cross each NIC, computed once here (a division each; the NICs of a
	 * cluster usually share one rate): the message crosses at the slower one's */
	sim_time_ns out_x = xfer_ns(bytes, src->bytes_per_s);
	m->in_xfer_ns = dst->bytes_per_s == src->bytes_per_s ? out_x :
			xfer_ns(bytes, dst->bytes_per_s);
	m->path_ns = out_x > m->in_xfer_ns ? out_x : m->in_xfer_ns;
	sim_time_ns depart = now > src->out_free_ns ? now : src->out_free_ns;
	src->out_free_ns = depart + out_x;
	struct link *l = link_of(n, from, to);
	sim_time_ns arrive = depart + m->path_ns +
			     link_latency(c, l, from, to) + extra;
	/* one connection per pair, as TCP: a message never overtakes an earlier one */
	if (arrive < l->last_ns)
		arrive = l->last_ns;
	l->last_ns = arrive;
	sim_schedule(c->sim, arrive, net__deliver_ev, c, m);
}

void net__node_down(struct cluster *c, int node)
{
	struct node *nd = &c->net.nodes[node];
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
		link_of(n, node, k)->last_ns = link_of(n, k, node)->last_ns = 0;
}
