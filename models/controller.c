/*
 * controller.c - the KRaft controller quorum as one replicated state machine: broker
 * registration and liveness by heartbeat (a broker silent for broker.session.timeout.ms is
 * fenced), leader election (QuorumController / PartitionChangeBuilder: the first live ISR
 * member in replica order; with none, offline, or with unclean.leader.election.enable the
 * first live replica), AlterPartition from leaders (ISR shrink and expand, validated by
 * leader and partition epoch), and metadata propagation to brokers as the metadata log.
 *
 * Eligible Leader Replicas (KIP-966, eligible.leader.replicas.enable): every change
 * recomputes the ELR as PartitionChangeBuilder.maybePopulateTargetElr does - empty while
 * the ISR has min.insync.replicas members or more; below that, the members the ISR loses
 * join it (the high watermark stops below min ISR, so they hold everything committed) and
 * members it regains leave it. A fenced broker then leaves even the last place in the ISR,
 * which may become empty. The election order is a live ISR member, then, with an empty ISR,
 * an unfenced ELR member (clean: the ISR becomes that member), then the last known leader
 * when it is unfenced (recorded when the ISR emptied; an unclean election, as in Kafka),
 * then unclean election if allowed. A broker heard from a new process after a crash shut
 * down uncleanly (handleBrokerUncleanShutdown): it leaves every ISR and ELR, since it may
 * have lost unflushed records.
 *
 * Leader balancing (auto.leader.rebalance.enable: Kafka 4's periodic task "electPreferred",
 * PeriodicTaskControlManager, running ReplicationControlManager.maybeBalancePartitionLeaders):
 * every leader.imbalance.check.interval.seconds from when a controller becomes active, a
 * pass elects the preferred replica (the first) of each partition led by another where
 * that replica is in the ISR and may lead, at most 1,000 a pass (the next pass then 10 ms
 * later). So leadership returns between 0 and one interval after its replica is back in
 * the ISR. KRaft has no leader.imbalance.per.broker.percentage: one partition is enough.
 * A partition the pass leaves alone (its preferred replica out of the ISR, fenced or
 * shutting down) is one the other elections already cover: a leaderless partition is
 * elected as soon as a replica may lead.
 *
 * Controllers are nodes controller-1..N. The active one is the lowest-numbered live
 * controller; when it crashes, no election or ISR change happens until the next one takes
 * over after controller.failover.ms. The metadata log itself is shared (a quorum keeps it),
 * so a failover loses no committed change. Simplification: brokers learn of the new active
 * controller at once.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "xmem.h"

/* May lead and join an ISR (broker__active); id may be -1, no broker. */
static bool broker_live(const struct cluster *c, int id)
{
	return id >= 1 && broker__active(&c->brokers[id - 1]);
}

/* Unavailability windows follow the committed state. */
static void account(struct cluster *c, struct partition *p)
{
	sim_time_ns now = sim_now(c->sim);
	bool offline = p->leader < 0;
	bool wunavail = offline || popcount32(p->isr) < c->topics[p->topic].min_isr;
	if (offline && p->offline_since < 0)
		p->offline_since = now;
	if (!offline && p->offline_since >= 0) {
		p->offline_ns += now - p->offline_since;
		p->offline_since = -1;
	}
	if (wunavail && p->write_unavail_since < 0)
		p->write_unavail_since = now;
	if (!wunavail && p->write_unavail_since >= 0) {
		p->write_unavail_ns += now - p->write_unavail_since;
		p->write_unavail_since = -1;
	}
}

#define QUORUM_REQUEST_TIMEOUT_NS (2 * SIM_S) /* controller.quorum.request.timeout.ms */

static void push_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	(void)arg;
	struct cluster *c = subject;
	c->ctl.push_timer = 0;
	if (!c->ctl.active)
		return;
	int from = net__controller_node(c, c->ctl.active);
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		/* a starting broker reads the metadata log before it registers */
		if (b->fenced && !b->registered && !b->starting)
			continue;
		struct metadata_push *m = ks_alloc(c, sizeof(*m));
		m->upto = c->n_meta;
		/* KRaft brokers fetch the metadata log: a fetch unanswered for
		 * controller.quorum.request.timeout.ms closes its connection, and a broker
		 * behind is pushed to again at its next heartbeat */
		m->h.give_up_ns = sim_now(c->sim) + QUORUM_REQUEST_TIMEOUT_NS;
		net__send(c, from, b->node, &m->h, MSG_METADATA_PUSH, 64);
	}
}

/* Brokers hear of committed changes after metadata.propagation.ms (coalesced). */
static void schedule_push(struct cluster *c)
{
	if (!c->ctl.push_timer)
		c->ctl.push_timer = sim_after(c->sim, c->sc->cluster.metadata_propagation_ns,
					      push_ev, c, NULL);
}

static bool elr_on(const struct cluster *c)
{
	return c->sc->cluster.eligible_leader_replicas_enable;
}

/* PartitionChangeBuilder.maybePopulateTargetElr: the ELR that goes with target ISR `isr`.
 * Empty at min ISR or above; below it, the current ELR and ISR less the new ISR, less
 * replicas that shut down uncleanly (`unclean`, slots). */
static uint32_t target_elr(const struct cluster *c, const struct partition *p, uint32_t isr,
			   uint32_t unclean)
{
	if (!elr_on(c) || popcount32(isr) >= c->topics[p->topic].min_isr)
		return 0;
	return (p->elr | p->isr) & ~isr & ~unclean;
}

static const char *const how_names[] = { "keep", "isr", "elr", "last-known-leader", "unclean",
					 "none" };

static void trace_change(struct cluster *c, struct partition *p, bool leader_change, int grew,
			 bool unclean, enum ctl_how how, const char *reason)
{
	char name[KS_NAME_MAX + 16];
	part_name(c, p, name, sizeof(name));
	const char *type = leader_change ? "leader.elected" : grew < 0 ? "isr.shrink" :
			   grew > 0 || !elr_on(c) ? "isr.expand" : "elr.change";
	trace_begin(c->tr, sim_now(c->sim), type);
	struct jsonw *w = trace_w(c->tr);
	jsonw_kstr(w, "partition", name);
	jsonw_kint(w, "leader", p->leader);
	jsonw_kint(w, "epoch", p->leader_epoch);
	cluster__json_slots(w, p, "isr", p->isr);
	if (elr_on(c))
		cluster__json_slots(w, p, "elr", p->elr);
	if (leader_change)
		jsonw_kbool(w, "unclean", unclean);
	if (leader_change && elr_on(c))
		jsonw_kstr(w, "election", how_names[how]);
	jsonw_kstr(w, "reason", reason);
	trace_end(c->tr);
}

/* PartitionChangeBuilder.maybeUpdateLastKnownLeader: the leader is remembered when the ISR
 * empties and forgotten once the partition has a leader again. */
static void update_last_leader(struct cluster *c, struct partition *p, int leader,
			       uint32_t isr)
{
	if (!elr_on(c))
		return;
	if (isr == 0 && p->isr != 0 && p->leader >= 1)
		p->last_leader = p->leader;
	else if (leader >= 1)
		p->last_leader = -1;
}

void ctl__commit(struct cluster *c, struct partition *p, int leader, uint32_t isr,
		 uint32_t elr, bool new_epoch, enum ctl_how how, const char *reason)
{
	if (p->leader_epoch >= 0) /* not a partition being created */
		c->ctl.n_imbalanced -= p->leader != p->replicas[0];
	c->ctl.n_imbalanced += leader != p->replicas[0];
	SIM_ASSERT(!(isr & elr));
	bool unclean = how == HOW_UNCLEAN || how == HOW_LAST_LEADER;
	bool leader_change = new_epoch || leader != p->leader;
	if (leader_change)
		p->leader_epoch++;
	p->partition_epoch++;
	uint32_t old_isr = p->isr;
	update_last_leader(c, p, leader, isr);
	p->leader = leader;
	p->isr = isr;
	p->elr = elr;
	if (c->n_meta == c->cap_meta) {
		c->cap_meta = c->cap_meta ? 2 * c->cap_meta : 1024;
		c->meta_log = xrealloc(c->meta_log, (size_t)c->cap_meta * sizeof(*c->meta_log));
	}
	c->meta_log[c->n_meta] = (struct meta_change){ c->n_meta, p->id, leader, p->leader_epoch,
						       p->partition_epoch, isr };
	if (p->n_meta_hist == p->cap_meta_hist) {
		p->cap_meta_hist = p->cap_meta_hist ? 2 * p->cap_meta_hist : 4;
		p->meta_hist = xrealloc(p->meta_hist, (size_t)p->cap_meta_hist * sizeof(uint32_t));
	}
	p->meta_hist[p->n_meta_hist++] = (uint32_t)c->n_meta;
	c->n_meta++;
	account(c, p);
	schedule_push(c);
	if (sim_now(c->sim) == 0) /* the initial state is not an event */
		return;
	int grew = popcount32(isr) - popcount32(old_isr);
	if (leader_change)
		cluster__event(c, EV_LEADER_ELECTED, 1);
	if (leader_change && unclean)
		cluster__event(c, EV_UNCLEAN_ELECTION, 1);
	if (grew)
		cluster__event(c, grew < 0 ? EV_ISR_SHRINK : EV_ISR_EXPAND, 1);
	if (trace_on(c->tr, TRACE_EVENTS))
		trace_change(c, p, leader_change, grew, unclean, how, reason);
}

/* KIP-966's last resort before an unclean election: with the ISR and the ELR empty, the
 * leader the partition had when its ISR emptied, if it is unfenced (again). */
static bool elect_last_leader(struct cluster *c, struct partition *p, uint32_t isr,
			      uint32_t elr, int gone, const char *reason)
{
	int slot = broker__slot_of(p, p->last_leader);
	if (!elr_on(c) || isr || elr || slot < 0 || p->last_leader == gone ||
	    !broker_live(c, p->last_leader))
		return false;
	ctl__commit(c, p, p->last_leader, 1u << slot, 0, true, HOW_LAST_LEADER, reason);
	return true;
}

/* PartitionChangeBuilder.electAnyLeader over target ISR `isr` and ELR `elr`: the first live
 * ISR member in replica order (preferred first); with an empty ISR, the first unfenced ELR
 * member (clean: it becomes the ISR), then the last known leader; else, when allowed, the
 * first live replica (unclean); else offline. Broker `gone` (an unclean shutdown, 0 none)
 * may not lead. */
static void elect(struct cluster *c, struct partition *p, uint32_t isr, uint32_t elr, int gone,
		  const char *reason)
{
	for (int i = 0; i < p->rf; i++) {
		if ((isr & (1u << i)) && broker_live(c, p->replicas[i])) {
			ctl__commit(c, p, p->replicas[i], isr, elr, true, HOW_ISR, reason);
			return;
		}
	}
	for (int i = 0; i < p->rf && !isr; i++) {
		if ((elr & (1u << i)) && broker_live(c, p->replicas[i])) {
			ctl__commit(c, p, p->replicas[i], 1u << i, elr & ~(1u << i), true, HOW_ELR,
				    reason);
			return;
		}
	}
	if (elect_last_leader(c, p, isr, elr, gone, reason))
		return;
	if (c->topics[p->topic].unclean) {
		for (int i = 0; i < p->rf; i++) {
			if (p->replicas[i] != gone && broker_live(c, p->replicas[i])) {
				ctl__commit(c, p, p->replicas[i], 1u << i, 0, true, HOW_UNCLEAN,
					    reason);
				return;
			}
		}
	}
	if (p->leader != -1 || isr != p->isr || elr != p->elr)
		ctl__commit(c, p, -1, isr, elr, p->leader != -1, HOW_NONE, reason);
}

/* ReplicationControlManager.generateLeaderAndIsrUpdates for a broker that may no longer
 * lead or stay in an ISR (fenced, or in controlled shutdown: broker_live is false for it):
 * KRaft removes it from every ISR but, without ELR, never empties an ISR: the last member
 * stays, so it can be elected again when it returns. With ELR the ISR may empty; the ELR
 * keeps who may lead. Partitions it led elect another leader, or go offline. */
static void remove_broker(struct cluster *c, struct broker *b)
{
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		int slot = broker__slot_of(p, b->id);
		if (slot < 0)
			continue;
		uint32_t isr = p->isr;
		if ((isr & (1u << slot)) && (elr_on(c) || popcount32(isr) > 1))
			isr &= ~(1u << slot);
		uint32_t elr = target_elr(c, p, isr, 0);
		bool shut = b->in_shutdown && !b->fenced;
		if (p->leader == b->id || (elr_on(c) && p->leader < 0 && isr != p->isr))
			elect(c, p, isr, elr, 0, shut ? "controlled shutdown" : "leader fenced");
		else if (isr != p->isr || elr != p->elr)
			ctl__commit(c, p, p->leader, isr, elr, false, HOW_KEEP,
				    shut ? "controlled shutdown" : "broker fenced");
	}
}

static void fence(struct cluster *c, struct broker *b)
{
	b->fenced = true;
	b->registered = false;
	cluster__event(c, EV_BROKER_FENCED, 1);
	cluster__trace_id(c, "broker.fenced", "broker", b->id);
	remove_broker(c, b);
}

static bool leads_any(const struct cluster *c, const struct broker *b)
{
	for (int i = 0; i < c->n_parts; i++)
		if (c->parts[i].leader == b->id)
			return true;
	return false;
}

/* BrokerHeartbeatManager.calculateNextBrokerState for a broker that wants to shut down: one
 * that leads nothing may stop at once; another enters controlled shutdown (out of every
 * ISR, its leaders elected elsewhere, its coordinators moved) and may stop once it leads
 * nothing and every active broker has applied those changes. Either is then fenced
 * (handleBrokerShutdown); a fenced broker may stop at once. Returns whether it may stop. */
static bool controlled_shutdown(struct cluster *c, struct broker *b)
{
	if (b->fenced)
		return true;
	if (!b->in_shutdown && !leads_any(c, b)) { /* nothing to move: SHUTDOWN_NOW */
		fence(c, b);
		return true;
	}
	if (!b->in_shutdown) {
		b->in_shutdown = true;
		cluster__event(c, EV_CONTROLLED_SHUTDOWN, 1);
		cluster__trace_id(c, "broker.controlled_shutdown", "broker", b->id);
		remove_broker(c, b);
		cons__coordinator_resign(c, b);
		b->shutdown_meta = c->n_meta;
	}
	if (leads_any(c, b))
		return false;
	for (int i = 0; i < c->n_brokers; i++) {
		const struct broker *o = &c->brokers[i];
		if (o != b && broker_live(c, o->id) && o->reported_meta < b->shutdown_meta)
			return false;
	}
	fence(c, b);
	return true;
}

static void session_ev(struct sim *s, void *subject, void *arg)
{
	(void)arg;
	struct cluster *c = subject;
	sim_time_ns now = sim_now(s), timeout = c->sc->cluster.broker_session_timeout_ns;
	c->ctl.session_timer = sim_after(s, timeout / 8 > 0 ? timeout / 8 : 1, session_ev, c, NULL);
	if (!c->ctl.active)
		return;
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		if (!b->fenced && now - b->last_heartbeat_ns > timeout)
			fence(c, b);
	}
}

/* Leaderless partitions broker b holds a replica of try an election: b may now lead. */
static void elect_leaderless(struct cluster *c, struct broker *b, const char *reason)
{
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		if (p->leader < 0 && broker__slot_of(p, b->id) >= 0)
			elect(c, p, p->isr, target_elr(c, p, p->isr, 0), 0, reason);
	}
}

static void unfence(struct cluster *c, struct broker *b)
{
	b->fenced = false;
	cluster__event(c, EV_BROKER_UNFENCED, 1);
	cluster__trace_id(c, "broker.unfenced", "broker", b->id);
	elect_leaderless(c, b, "broker unfenced");
}

/* ReplicationControlManager.handleBrokerShutdown, unclean (ELR only): a broker back from a
 * crash may have lost its unflushed tail, so it leaves every ISR and ELR (a partition it led
 * elects another leader) and stays only the last known leader. */
static void unclean_shutdown(struct cluster *c, struct broker *b)
{
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		int slot = broker__slot_of(p, b->id);
		if (slot < 0 || !((p->isr | p->elr) & (1u << slot)))
			continue;
		uint32_t isr = p->isr & ~(1u << slot);
		uint32_t elr = target_elr(c, p, isr, 1u << slot);
		if (p->leader == b->id || p->leader < 0)
			elect(c, p, isr, elr, b->id, "unclean shutdown");
		else
			ctl__commit(c, p, p->leader, isr, elr, false, HOW_KEEP, "unclean shutdown");
	}
}

/* ClusterControlManager.registerBroker: a new process of a broker whose old one still
 * has a valid session is refused (DUPLICATE_BROKER_REGISTRATION) and tries again; one
 * whose old session ran out while not yet fenced for it is fenced first (its partitions
 * elect other leaders), as a registration under a new incarnation replaces the old one
 * fenced. */
static bool registration_refused(struct cluster *c, struct broker *b, bool restarted)
{
	sim_time_ns now = sim_now(c->sim), timeout = c->sc->cluster.broker_session_timeout_ns;
	if (!restarted || b->fenced)
		return false;
	if (now - b->last_heartbeat_ns <= timeout) {
		cluster__event(c, EV_REGISTRATION_REFUSED, 1);
		cluster__trace_id(c, "broker.registration_refused", "broker", b->id);
		return true;
	}
	fence(c, b);
	return false;
}

/* Heartbeats are answered only when the broker waits for the answer: a registration, or a
 * request to shut down. */
static void answer(struct cluster *c, const struct broker_heartbeat *h, bool refused,
		   bool should_shutdown)
{
	struct broker_heartbeat_resp *r = ks_alloc(c, sizeof(*r));
	r->refused = refused;
	r->should_shutdown = should_shutdown;
	net__answer(c, &h->h, &r->h, MSG_BROKER_HEARTBEAT_RESP, 64);
}

static void on_heartbeat(struct cluster *c, struct broker_heartbeat *h)
{
	struct broker *b = &c->brokers[h->broker - 1];
	bool restarted = h->h.from_incarnation != b->incarnation_seen;
	if (!h->registering && restarted)
		return; /* STALE_BROKER_EPOCH: not the registered process (checkBrokerEpoch) */
	if (h->registering) {
		/* a registration from a process that died since has no connection to answer on */
		if (h->h.from_incarnation != c->net.nodes[h->h.from].incarnation)
			return;
		bool refused = registration_refused(c, b, restarted);
		answer(c, h, refused, false);
		if (refused) {
			if (h->applied_meta < c->n_meta) /* it reads the metadata log meanwhile */
				schedule_push(c);
			return;
		}
	}
	b->incarnation_seen = h->h.from_incarnation;
	b->last_heartbeat_ns = sim_now(c->sim);
	b->reported_meta = h->applied_meta;
	b->registered = true;
	if (restarted)
		b->in_shutdown = false; /* a new registration */
	if (h->want_shutdown) {
		answer(c, h, false, controlled_shutdown(c, b));
		return;
	}
	if (restarted && elr_on(c) && !h->clean)
		unclean_shutdown(c, b);
	/* a new process registers fenced (RegisterBrokerRecord); its first heartbeat after
	 * that unfences it (BrokerHeartbeatManager, without the wait to catch up) */
	if (b->fenced && !h->registering)
		unfence(c, b);
	if (h->applied_meta < c->n_meta)
		schedule_push(c);
}

/* One entry of an AlterPartition, checked in ReplicationControlManager's order. */
static enum alter_err alter_check(const struct cluster *c, const struct partition *p,
				  int broker, const struct alter_entry *e)
{
	if (e->leader_epoch < p->leader_epoch)
		return ALTER_FENCED_LEADER_EPOCH;
	if (broker != p->leader)
		return ALTER_INVALID_REQUEST;
	if (e->partition_epoch < p->partition_epoch)
		return ALTER_INVALID_UPDATE_VERSION;
	for (int i = 0; i < p->rf; i++) /* every member, not only one joining */
		if ((e->new_isr & (1u << i)) && !broker_live(c, p->replicas[i]))
			return ALTER_INELIGIBLE_REPLICA;
	return ALTER_OK;
}

static void on_alter(struct cluster *c, struct alter_partition *a)
{
	struct alter_partition_resp *r = ks_alloc(c, sizeof(*r) + (size_t)a->n * sizeof(r->e[0]));
	r->req_id = a->req_id;
	r->n = a->n;
	for (int i = 0; i < a->n; i++) {
		const struct alter_entry *e = &a->e[i];
		struct partition *p = &c->parts[e->part];
		enum alter_err err = alter_check(c, p, a->broker, e);
		uint32_t grow = e->new_isr & ~p->isr;
		if (err == ALTER_OK && e->new_isr != p->isr)
			ctl__commit(c, p, p->leader, e->new_isr, target_elr(c, p, e->new_isr, 0),
				    false, HOW_KEEP, grow ? "caught up" : "lagging follower");
		r->e[i] = (struct alter_resp_entry){ .part = e->part,
						     .err = err,
						     .leader_epoch = p->leader_epoch,
						     .partition_epoch = p->partition_epoch,
						     .isr = p->isr };
	}
	net__answer(c, &a->h, &r->h, MSG_ALTER_PARTITION_RESP, 64 + 24 * (int64_t)a->n);
}

void ctl__on_msg(struct cluster *c, int controller_id, struct msg *m)
{
	if (controller_id == c->ctl.active) {
		if (m->type == MSG_BROKER_HEARTBEAT)
			on_heartbeat(c, (struct broker_heartbeat *)m);
		else if (m->type == MSG_ALTER_PARTITION)
			on_alter(c, (struct alter_partition *)m);
	}
	ks_free(m);
}

/* ---- leader balancing ---------------------------------------------------------------- */

#define MAX_ELECTIONS_PER_IMBALANCE 1000

static void schedule_balance(struct cluster *c, bool soon);

static void balance_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	(void)arg;
	struct cluster *c = subject;
	c->ctl.balance_timer = 0;
	int elected = 0;
	bool more = false;
	for (int i = 0; i < c->n_parts && c->ctl.n_imbalanced > 0; i++) {
		struct partition *p = &c->parts[i];
		if (p->leader == p->replicas[0])
			continue;
		if (elected == MAX_ELECTIONS_PER_IMBALANCE) {
			more = true;
			break;
		}
		if ((p->isr & 1u) && broker_live(c, p->replicas[0])) {
			ctl__commit(c, p, p->replicas[0], p->isr, p->elr, true, HOW_ISR,
				    "preferred leader election");
			elected++;
		}
	}
	schedule_balance(c, more);
}

/* The next pass: an interval on (10 ms after a pass that stopped at its cap), on the
 * active controller's clock. */
static void schedule_balance(struct cluster *c, bool soon)
{
	if (!c->sc->cluster.auto_leader_rebalance_enable || !c->ctl.active)
		return;
	sim_time_ns wait = soon ? 10 * SIM_MS : c->sc->cluster.leader_imbalance_check_interval_ns;
	c->ctl.balance_timer = sim_after(c->sim, wait, balance_ev, c, NULL);
}

static void failover_ev(struct sim *s, void *subject, void *arg)
{
	(void)arg;
	struct cluster *c = subject;
	c->ctl.failover_timer = 0;
	for (int id = 1; id <= c->ctl.n; id++) {
		if (c->ctl.up[id]) {
			c->ctl.active = id;
			/* The new active controller gives every broker a fresh session, and has
			 * none of the old one's soft state: no controlled shutdown waits for an
			 * offset any more. */
			for (int i = 0; i < c->n_brokers; i++) {
				c->brokers[i].last_heartbeat_ns = sim_now(s);
				c->brokers[i].shutdown_meta = 0;
			}
			cluster__trace_id(c, "controller.failover", "controller", id);
			cluster__event(c, EV_CONTROLLER_FAILOVER, 1);
			schedule_push(c);
			broker__controller_changed(c);
			schedule_balance(c, false); /* PeriodicTaskControlManager.activate */
			return;
		}
	}
}

void ctl__crash(struct cluster *c, int id)
{
	c->ctl.up[id] = false;
	net__node_down(c, net__controller_node(c, id));
	cluster__trace_id(c, "controller.crash", "controller", id);
	if (c->ctl.active != id)
		return;
	c->ctl.active = 0;
	if (c->ctl.balance_timer) /* renounce: the next active controller waits anew */
		sim_cancel(c->sim, c->ctl.balance_timer);
	c->ctl.balance_timer = 0;
	if (!c->ctl.failover_timer)
		c->ctl.failover_timer = sim_after(c->sim, c->sc->cluster.controller_failover_ns,
						  failover_ev, c, NULL);
}

void ctl__restart(struct cluster *c, int id)
{
	c->ctl.up[id] = true;
	net__node_up(c, net__controller_node(c, id));
	cluster__trace_id(c, "controller.restart", "controller", id);
	if (!c->ctl.active && !c->ctl.failover_timer)
		c->ctl.failover_timer = sim_after(c->sim, c->sc->cluster.controller_failover_ns,
						  failover_ev, c, NULL);
}

/* Initial state: every partition led by its preferred replica with the full ISR, committed
 * at time 0 and applied by every broker before the run starts. */
void ctl__init(struct cluster *c)
{
	c->ctl.n = c->sc->cluster.controllers;
	c->ctl.up = calloc((size_t)c->ctl.n + 1, sizeof(bool));
	if (!c->ctl.up)
		abort();
	for (int id = 1; id <= c->ctl.n; id++)
		c->ctl.up[id] = true;
	c->ctl.active = 1;
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		p->offline_since = p->write_unavail_since = -1;
		p->leader_epoch = -1;
		p->last_leader = -1;
		ctl__commit(c, p, p->replicas[0], (1u << p->rf) - 1, 0, true, HOW_ISR, "initial");
	}
	for (int i = 0; i < c->n_brokers; i++) {
		c->brokers[i].registered = true;
		c->brokers[i].incarnation_seen = c->net.nodes[c->brokers[i].node].incarnation;
		c->brokers[i].reported_meta = c->n_meta;
		broker__apply_metadata(c, &c->brokers[i], c->n_meta);
	}
	if (c->ctl.push_timer)
		sim_cancel(c->sim, c->ctl.push_timer);
	c->ctl.push_timer = 0;
	sim_time_ns timeout = c->sc->cluster.broker_session_timeout_ns;
	c->ctl.session_timer = sim_after(c->sim, timeout / 8 > 0 ? timeout / 8 : 1, session_ev, c,
					 NULL);
	schedule_balance(c, false);
}

void ctl__release(struct cluster *c)
{
	free(c->ctl.up);
	free(c->meta_log);
	free(c->meta_last);
}

/* Close open unavailability windows at the end of the run. */
void ctl__finish(struct cluster *c)
{
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		sim_time_ns now = sim_now(c->sim);
		if (p->offline_since >= 0)
			p->offline_ns += now - p->offline_since;
		if (p->write_unavail_since >= 0)
			p->write_unavail_ns += now - p->write_unavail_since;
		p->offline_since = p->write_unavail_since = -1;
	}
}

/* A partition created while the cluster runs (add_partitions). */
void ctl__elect_new(struct cluster *c, struct partition *p)
{
	elect(c, p, (1u << p->rf) - 1, 0, 0, "partition created");
}
