/*
 * group.c - the group coordinator of the classic rebalance protocol, hosted on a broker
 * (kafka.coordinator.group.GroupCoordinator and GroupMetadata; the 4.x group-coordinator
 * module's ClassicGroup behaves the same): FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch over MSG_GROUP messages.
 *
 * States Empty -> PreparingRebalance -> CompletingRebalance -> Stable. The first join of
 * an empty group waits group.initial.rebalance.delay.ms, extended while new members keep
 * arriving (InitialDelayedJoin); later join phases end when every member has rejoined or
 * the rebalance timeout (max.poll.interval.ms) passes, removing members that did not
 * (DelayedJoin). The leader is the first member to join and stays leader while it is in
 * the group; the coordinator hands it every member's subscription and stores what it
 * assigns. A member's session ends session.timeout.ms after the last heartbeat, join,
 * sync or commit the coordinator received from it, unless its JoinGroup or SyncGroup is
 * held. A static member (group.instance.id) that comes back with a new process while the
 * group is Stable takes over its old identity and assignment without a rebalance (KIP-345);
 * a dynamic member's old instance stays in the group until its session ends.
 *
 * Coordinator placement: partitionFor(group.id) = abs(hashCode) % 50 partitions of
 * __consumer_offsets (offsets.topic.num.partitions); partition p is led by broker
 * (p mod brokers) + 1 and, when that broker crashes, by the next live broker in that order.
 * Simplifications: __consumer_offsets is not a simulated topic; group state and committed
 * offsets live here and survive failover as if replicated; the new coordinator takes over
 * after broker.session.timeout.ms plus the metadata propagation delay (the controller
 * fencing the broker and electing a new leader for the offsets partition), restarting any
 * rebalance that was in progress; coordinator writes take no time. The coordinator does not
 * move back when its broker returns. The MEMBER_ID_REQUIRED round trip (KIP-394) is left out.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "assignor.h"
#include "msgs.h"
#include "rng.h"
#include "xmem.h"

#define OFFSETS_TOPIC_PARTITIONS 50   /* offsets.topic.num.partitions */

static const char *const gerr_names[] = {
	"NONE", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "UNKNOWN_MEMBER_ID",
	"ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS", "FENCED_INSTANCE_ID", "REQUEST_TIMED_OUT",
};

const char *grp_error_name(enum grp_error e)
{
	return (unsigned)e < sizeof(gerr_names) / sizeof(gerr_names[0]) ? gerr_names[e] : "?";
}

const char *grp_cause_name(enum grp_cause k)
{
	static const char *const names[] = { "uncommitted", "crash", "rebalance", "expired",
					     "left", "commit-failed", "reset", "pause" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* ---- helpers shared with consumer.c ------------------------------------------------------ */

/* One block: the message, its metas, then its entries (at their own alignment). */
struct grp_msg *grp__msg_new(struct cluster *c, int n_meta, int n)
{
	const size_t align = _Alignof(struct grp_entry);
	size_t meta_bytes = ((size_t)n_meta * sizeof(struct grp_meta) + align - 1) / align * align;
	struct grp_msg *m = ks_alloc(c, sizeof(*m) + meta_bytes +
					    (size_t)n * sizeof(struct grp_entry));
	m->meta = (struct grp_meta *)(m + 1);
	m->e = (struct grp_entry *)((char *)m->meta + meta_bytes);
	m->n_meta = n_meta;
	m->n = n;
	return m;
}

static int64_t msg_bytes(const struct grp_msg *m)
{
	return 64 + 16 * (int64_t)m->n + 24 * (int64_t)m->n_meta;
}

const struct replica *grp__leader_replica(const struct cluster *c, const struct group *g,
					  int idx)
{
	return part_leader_replica(&c->parts[c->topics[g->topic].first_partition + idx]);
}

void grp__trace_part(struct cluster *c, const struct group *g, const char *key, int idx)
{
	char name[KS_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s-%d", c->topics[g->topic].cfg->name, idx);
	jsonw_kstr(trace_w(c->tr), key, name);
}

void grp__member_id(const struct cluster *c, const struct group *g, int slot, uint32_t mid,
		    char *buf, size_t n)
{
	const char *name = g->members[slot].name;
	uint64_t h = rng_derive_seed(c->seed + 0x9e3779b97f4a7c15ull * mid, name);
	snprintf(buf, n, "%s-%08x", name, (unsigned)(h & 0xffffffffu));
}

static void *pack(const struct group *g, int slot)
{
	return (void *)(uintptr_t)((uintptr_t)g->idx * 1048576u + (uintptr_t)slot);
}

static struct group *unpack(struct cluster *c, void *arg, int *slot)
{
	uintptr_t v = (uintptr_t)arg;
	*slot = (int)(v % 1048576u);
	return &c->groups[v / 1048576u];
}

static bool is_coord(const struct group *g, const struct broker *b)
{
	return b->up && g->coord == b->id;
}

/* ---- responses ---------------------------------------------------------------------------- */

static struct grp_msg *resp_new(struct cluster *c, const struct group *g, int slot,
				enum grp_kind kind, enum grp_error err, int n_meta, int n)
{
	struct grp_msg *r = grp__msg_new(c, n_meta, n);
	r->kind = kind;
	r->err = err;
	r->group = g->idx;
	r->member = slot;
	r->generation = g->generation;
	r->mid = g->cm[slot].mid;
	return r;
}

static void resp_send(struct cluster *c, const struct group *g, struct grp_msg *r, int broker)
{
	if (broker < 1) {
		ks_free(r);
		return;
	}
	/* no later than its member gives up the request it answers (its request.timeout.ms,
	 * from at most now): TCP drops the answer with the closed connection */
	r->h.give_up_ns = sim_now(c->sim) + g->cfg->request_timeout_ns;
	net__send(c, net__broker_node(c, broker), g->members[r->member].node, &r->h, MSG_GROUP,
		  msg_bytes(r));
}

static void reply_err(struct cluster *c, const struct broker *b, struct group *g,
		      const struct grp_msg *q, enum grp_kind kind, enum grp_error err)
{
	struct grp_msg *r = resp_new(c, g, q->member, kind, err, 0, 0);
	r->req = q->req;
	r->mid = q->mid;
	resp_send(c, g, r, b->id);
}

/* ---- tracing ------------------------------------------------------------------------------ */

static void trace_member(struct cluster *c, struct group *g, int slot, uint32_t mid,
			 const char *type, const char *reason)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return;
	char id[KS_NAME_MAX + 32];
	grp__member_id(c, g, slot, mid, id, sizeof(id));
	trace_begin(c->tr, sim_now(c->sim), type);
	struct jsonw *w = trace_w(c->tr);
	jsonw_kstr(w, "group", g->cfg->name);
	jsonw_kstr(w, "member", g->members[slot].name);
	jsonw_kstr(w, "member_id", id);
	jsonw_kint(w, "generation", g->generation);
	if (reason)
		jsonw_kstr(w, "reason", reason);
	trace_end(c->tr);
}

static void trace_assignment(struct cluster *c, struct group *g)
{
	struct jsonw *w = trace_w(c->tr);
	jsonw_key(w, "assignment");
	jsonw_obj_begin(w);
	for (int s = 0; s < g->cap_members; s++) {
		const struct cmember *cm = &g->cm[s];
		if (!cm->in)
			continue;
		jsonw_key(w, g->members[s].name);
		jsonw_arr_begin(w);
		for (int k = 0; k < cm->n_assign; k++)
			jsonw_int(w, cm->assign[k]);
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
}

/* ---- membership and sessions -------------------------------------------------------------- */

static void expire_ev(struct sim *s, void *subject, void *arg);
static void ghost_ev(struct sim *s, void *subject, void *arg);
static void member_removed(struct cluster *c, struct group *g, const char *reason);

/* completeAndScheduleNextHeartbeatExpiration: the session restarts now. */
static void touch(struct cluster *c, struct group *g, int slot)
{
	struct cmember *cm = &g->cm[slot];
	cm->deadline_ns = sim_now(c->sim) + g->cfg->session_timeout_ns;
	if (!cm->hb_timer)
		cm->hb_timer = sim_schedule(c->sim, cm->deadline_ns, expire_ev, c, pack(g, slot));
}

static void add_member(struct cluster *c, struct group *g, int slot, bool is_static)
{
	struct cmember *cm = &g->cm[slot];
	cm->in = true;
	cm->is_static = is_static;
	cm->mid = ++g->mid_seq;
	cm->join_order = ++g->join_seq;
	cm->joined = cm->sync_wait = false;
	cm->n_owned = cm->n_user = cm->n_assign = 0;
	cm->owned_gen = -1;
	g->n_in++;
	g->joins++;
	g->new_member_added = true;
	trace_member(c, g, slot, cm->mid, "member.join", is_static ? "static" : "dynamic");
}

static void remove_member(struct cluster *c, struct group *g, int slot)
{
	struct cmember *cm = &g->cm[slot];
	if (!cm->in)
		return;
	cm->in = false;
	g->n_in--;
	if (cm->joined)
		g->n_waiting--;
	cm->joined = cm->sync_wait = false;
	if (cm->hb_timer)
		sim_cancel(c->sim, cm->hb_timer);
	cm->hb_timer = 0;
	if (g->leader == slot)
		g->leader = -1;
}

/* A dynamic member's new process joined while its old instance is still in the group: the
 * old one stays until its session expires, and join phases wait for it. */
static void make_ghost(struct cluster *c, struct group *g, int slot)
{
	struct cmember *cm = &g->cm[slot];
	if (cm->ghost_mid && cm->ghost_timer)
		sim_cancel(c->sim, cm->ghost_timer);
	else
		g->n_ghosts++;
	cm->ghost_mid = cm->mid;
	cm->ghost_deadline_ns = cm->deadline_ns;
	cm->ghost_timer = sim_schedule(c->sim, cm->deadline_ns, ghost_ev, c, pack(g, slot));
	remove_member(c, g, slot);
	g->n_in++; /* the ghost still counts as a member */
}

static void drop_ghost(struct cluster *c, struct group *g, int slot, bool traced)
{
	struct cmember *cm = &g->cm[slot];
	if (!cm->ghost_mid)
		return;
	if (traced)
		trace_member(c, g, slot, cm->ghost_mid, "member.expired", "session timeout");
	if (cm->ghost_timer)
		sim_cancel(c->sim, cm->ghost_timer);
	cm->ghost_timer = 0;
	cm->ghost_mid = 0;
	g->n_ghosts--;
	g->n_in--;
}

static void ghost_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	int slot;
	struct cluster *c = subject;
	struct group *g = unpack(c, arg, &slot);
	g->cm[slot].ghost_timer = 0;
	g->expirations++;
	drop_ghost(c, g, slot, true);
	if (g->coord > 0)
		member_removed(c, g, "member expired");
}

static void set_cause(struct group *g, int slot, enum grp_cause why)
{
	const struct cmember *cm = &g->cm[slot];
	for (int k = 0; k < cm->n_assign; k++)
		if (g->cause[cm->assign[k]] != CAUSE_CRASH)
			g->cause[cm->assign[k]] = why;
}

/* The session of a member ended: shouldKeepAlive says no unless its join/sync is held. */
static void expire_ev(struct sim *s, void *subject, void *arg)
{
	int slot;
	struct cluster *c = subject;
	struct group *g = unpack(c, arg, &slot);
	struct cmember *cm = &g->cm[slot];
	sim_time_ns now = sim_now(s);
	cm->hb_timer = 0;
	if (!cm->in || g->coord < 0)
		return;
	bool held = (g->state == GS_PREPARING && cm->joined) ||
		    (g->state == GS_COMPLETING && cm->sync_wait);
	if (held)
		cm->deadline_ns = now + g->cfg->session_timeout_ns;
	if (now < cm->deadline_ns) {
		cm->hb_timer = sim_schedule(s, cm->deadline_ns, expire_ev, c, arg);
		return;
	}
	if (trace_on(c->tr, TRACE_EVENTS)) {
		char id[KS_NAME_MAX + 32];
		grp__member_id(c, g, slot, cm->mid, id, sizeof(id));
		trace_begin(c->tr, now, "member.expired");
		struct jsonw *w = trace_w(c->tr);
		jsonw_kstr(w, "group", g->cfg->name);
		jsonw_kstr(w, "member", g->members[slot].name);
		jsonw_kstr(w, "member_id", id);
		jsonw_kint(w, "last_heard_ns", cm->deadline_ns - g->cfg->session_timeout_ns);
		jsonw_kint(w, "session_timeout_ms", g->cfg->session_timeout_ns / SIM_MS);
		trace_end(c->tr);
	}
	g->expirations++;
	const struct member *mb = &g->members[slot];
	if (!mb->active && mb->crash_ns >= 0) { /* how long the crash went unnoticed */
		g->detect_ns_last = now - mb->crash_ns;
		if (g->detect_ns_last > g->detect_ns_max)
			g->detect_ns_max = g->detect_ns_last;
	}
	set_cause(g, slot, CAUSE_EXPIRED);
	remove_member(c, g, slot);
	member_removed(c, g, "member expired");
}

/* ---- the rebalance ------------------------------------------------------------------------ */

static void join_timer_ev(struct sim *s, void *subject, void *arg);
static void complete_join(struct cluster *c, struct group *g);

static void fail_syncs(struct cluster *c, struct group *g, enum grp_error err)
{
	for (int s = 0; s < g->cap_members; s++) {
		struct cmember *cm = &g->cm[s];
		if (!cm->sync_wait)
			continue;
		cm->sync_wait = false;
		if (g->coord > 0) {
			struct grp_msg *r = resp_new(c, g, s, GRP_SYNC_RESP, err, 0, 0);
			r->req = cm->sync_req;
			resp_send(c, g, r, g->coord);
		}
	}
}

static void prepare_rebalance(struct cluster *c, struct group *g, const char *reason)
{
	sim_time_ns now = sim_now(c->sim);
	bool was_empty = g->state == GS_EMPTY;
	if (g->state == GS_COMPLETING)
		fail_syncs(c, g, GERR_REBALANCE_IN_PROGRESS);
	g->state = GS_PREPARING;
	if (g->rb_start_ns < 0) {
		g->rb_start_ns = now;
		g->rb_reason = reason;
		TRACE_EV(c->tr, TRACE_EVENTS, now, "group.rebalance.start") {
			jsonw_kstr(trace_w(c->tr), "group", g->cfg->name);
			jsonw_kint(trace_w(c->tr), "generation", g->generation);
			jsonw_kstr(trace_w(c->tr), "reason", reason);
			jsonw_kstr(trace_w(c->tr), "protocol",
				   g->cooperative ? "cooperative" : "eager");
		}
	}
	if (g->join_timer)
		sim_cancel(c->sim, g->join_timer);
	sim_time_ns timeout = g->cfg->max_poll_interval_ns;
	g->initial_join = was_empty;
	if (was_empty) {
		sim_time_ns delay = c->sc->cluster.group_initial_rebalance_delay_ns;
		g->join_remaining_ns = timeout > delay ? timeout - delay : 0;
		g->new_member_added = false;
		g->join_timer = sim_after(c->sim, delay, join_timer_ev, c, g);
	} else {
		g->join_timer = sim_after(c->sim, timeout, join_timer_ev, c, g);
	}
}

static void maybe_complete_join(struct cluster *c, struct group *g)
{
	if (g->state == GS_PREPARING && !g->initial_join && g->n_waiting == g->n_in &&
	    g->n_ghosts == 0)
		complete_join(c, g);
}

/* InitialDelayedJoin: extend while new members arrive; otherwise DelayedJoin expired. */
static void join_timer_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct group *g = arg;
	g->join_timer = 0;
	if (g->state != GS_PREPARING)
		return;
	if (g->initial_join && g->new_member_added && g->join_remaining_ns > 0) {
		sim_time_ns delay = c->sc->cluster.group_initial_rebalance_delay_ns;
		if (delay > g->join_remaining_ns)
			delay = g->join_remaining_ns;
		g->join_remaining_ns -= delay;
		g->new_member_added = false;
		g->join_timer = sim_after(s, delay, join_timer_ev, c, g);
		return;
	}
	complete_join(c, g);
}

static void member_removed(struct cluster *c, struct group *g, const char *reason)
{
	switch (g->state) {
	case GS_STABLE:
	case GS_COMPLETING:
		prepare_rebalance(c, g, reason);
		maybe_complete_join(c, g);
		break;
	case GS_PREPARING:
		maybe_complete_join(c, g);
		break;
	case GS_EMPTY:
		break;
	}
}

static int cmp_join_order(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Members in join order: pairs (join_order, slot). */
static int members_in_order(const struct group *g, uint32_t *pairs)
{
	int n = 0;
	for (int s = 0; s < g->cap_members; s++) {
		if (!g->cm[s].in)
			continue;
		pairs[2 * n] = g->cm[s].join_order;
		pairs[2 * n + 1] = (uint32_t)s;
		n++;
	}
	qsort(pairs, (size_t)n, 2 * sizeof(uint32_t), cmp_join_order);
	return n;
}

/* The JoinGroup response to the leader carries every member's subscription. */
static struct grp_msg *leader_response(struct cluster *c, struct group *g, int slot,
				       const uint32_t *order, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++) {
		const struct cmember *cm = &g->cm[order[2 * i + 1]];
		total += cm->n_owned + cm->n_user;
	}
	struct grp_msg *r = resp_new(c, g, slot, GRP_JOIN_RESP, GERR_NONE, n, total);
	int k = 0;
	for (int i = 0; i < n; i++) {
		int s = (int)order[2 * i + 1];
		const struct cmember *cm = &g->cm[s];
		r->meta[i] = (struct grp_meta){ s, cm->mid, cm->is_static, cm->owned_gen, k,
						cm->n_owned, cm->n_user };
		for (int j = 0; j < cm->n_owned + cm->n_user; j++)
			r->e[k++] = (struct grp_entry){ s, cm->owned[j], 0 };
	}
	return r;
}

static void end_empty(struct cluster *c, struct group *g)
{
	g->generation++;
	g->state = GS_EMPTY;
	g->leader = -1;
	for (int i = 0; i < g->max_parts; i++)
		g->owner[i] = -1;
	g->rb_start_ns = -1;
	TRACE_EV(c->tr, TRACE_EVENTS, sim_now(c->sim), "group.empty") {
		jsonw_kstr(trace_w(c->tr), "group", g->cfg->name);
		jsonw_kint(trace_w(c->tr), "generation", g->generation);
	}
}

/* onCompleteJoin: drop members that did not rejoin, start the next generation, answer
 * every held JoinGroup; the leader's answer carries the subscriptions. */
static void complete_join(struct cluster *c, struct group *g)
{
	if (g->join_timer)
		sim_cancel(c->sim, g->join_timer);
	g->join_timer = 0;
	for (int s = 0; s < g->cap_members; s++) {
		if (g->cm[s].ghost_mid) {
			g->expirations++;
			drop_ghost(c, g, s, true);
		}
		if (g->cm[s].in && !g->cm[s].joined) {
			trace_member(c, g, s, g->cm[s].mid, "member.leave",
				     "not rejoined within the rebalance timeout");
			g->leaves++;
			set_cause(g, s, CAUSE_EXPIRED);
			remove_member(c, g, s);
		}
	}
	if (g->n_in == 0) {
		end_empty(c, g);
		return;
	}
	uint32_t *order = xcalloc((size_t)g->n_in, 2 * sizeof(uint32_t));
	int n = members_in_order(g, order);
	g->generation++;
	if (g->leader < 0)
		g->leader = (int)order[1];
	g->state = GS_COMPLETING;
	for (int i = 0; i < n; i++) {
		int s = (int)order[2 * i + 1];
		struct cmember *cm = &g->cm[s];
		struct grp_msg *r = s == g->leader ? leader_response(c, g, s, order, n) :
				    resp_new(c, g, s, GRP_JOIN_RESP, GERR_NONE, 0, 0);
		r->req = cm->join_req;
		r->leader = s == g->leader;
		r->cooperative = g->cooperative;
		r->strategy = g->strategy;
		cm->joined = false;
		touch(c, g, s);
		resp_send(c, g, r, g->coord);
	}
	g->n_waiting = 0;
	free(order);
}

static void send_assignment(struct cluster *c, struct group *g, int slot, uint64_t req)
{
	const struct cmember *cm = &g->cm[slot];
	struct grp_msg *r = resp_new(c, g, slot, GRP_SYNC_RESP, GERR_NONE, 0, cm->n_assign);
	r->req = req;
	r->cooperative = g->cooperative;
	for (int k = 0; k < cm->n_assign; k++)
		r->e[k] = (struct grp_entry){ slot, cm->assign[k], 0 };
	resp_send(c, g, r, g->coord);
}

static void end_rebalance(struct cluster *c, struct group *g, int moved)
{
	sim_time_ns now = sim_now(c->sim);
	sim_time_ns start = g->rb_start_ns >= 0 ? g->rb_start_ns : now;
	if (g->n_rb == g->cap_rb) {
		g->cap_rb = g->cap_rb ? 2 * g->cap_rb : 8;
		g->rb = realloc(g->rb, (size_t)g->cap_rb * sizeof(*g->rb));
		if (!g->rb)
			abort();
	}
	g->rb[g->n_rb++] = (struct rb_record){ start, now, g->generation, g->n_in, moved,
					       g->rb_revoked };
	g->rebalances++;
	g->moved += (uint64_t)moved;
	g->rb_revoked = 0;
	g->rb_start_ns = -1;
	TRACE_EV(c->tr, TRACE_EVENTS, now, "group.rebalance.end") {
		struct jsonw *w = trace_w(c->tr);
		jsonw_kstr(w, "group", g->cfg->name);
		jsonw_kint(w, "generation", g->generation);
		jsonw_kstr(w, "protocol", g->cooperative ? "cooperative" : "eager");
		jsonw_kstr(w, "strategy", asg_strategy_name(g->strategy));
		jsonw_kstr(w, "leader", g->leader >= 0 ? g->members[g->leader].name : NULL);
		jsonw_kint(w, "members", g->n_in);
		jsonw_kint(w, "moved", moved);
		jsonw_kint(w, "duration_ns", now - start);
		trace_assignment(c, g);
	}
}

/* The leader's SyncGroup arrived: store the assignment, answer every held SyncGroup. */
static void set_stable(struct cluster *c, struct group *g, const struct grp_msg *q)
{
	for (int s = 0; s < g->cap_members; s++)
		g->cm[s].n_assign = 0;
	for (int i = 0; i < q->n; i++) {
		int s = q->e[i].member, p = q->e[i].part;
		if (s < 0 || s >= g->cap_members || !g->cm[s].in || p < 0 || p >= g->n_parts)
			continue;
		struct cmember *cm = &g->cm[s];
		if (cm->n_assign == cm->cap_assign) {
			cm->cap_assign = cm->cap_assign ? 2 * cm->cap_assign : 8;
			cm->assign = realloc(cm->assign, (size_t)cm->cap_assign * sizeof(int));
			if (!cm->assign)
				abort();
		}
		cm->assign[cm->n_assign++] = p;
	}
	for (int p = 0; p < g->max_parts; p++)
		g->owner[p] = -1;
	for (int s = 0; s < g->cap_members; s++)
		for (int k = 0; g->cm[s].in && k < g->cm[s].n_assign; k++)
			g->owner[g->cm[s].assign[k]] = s;
	int moved = 0;
	for (int p = 0; p < g->n_parts; p++) {
		if (g->owner[p] < 0)
			continue;
		moved += g->last_owner[p] >= 0 && g->last_owner[p] != g->owner[p];
		g->last_owner[p] = g->owner[p];
	}
	g->state = GS_STABLE;
	for (int s = 0; s < g->cap_members; s++) {
		if (!g->cm[s].sync_wait)
			continue;
		g->cm[s].sync_wait = false;
		send_assignment(c, g, s, g->cm[s].sync_req);
	}
	end_rebalance(c, g, moved);
}

/* ---- requests ------------------------------------------------------------------------------ */

/* The member's subscription metadata: the partitions it owns (ownedPartitions; none under
 * the eager protocol, which revoked them all) and StickyAssignor's user data (its last
 * assignment), with their generation. */
static void set_owned(struct cmember *cm, const struct grp_msg *q)
{
	if (q->n > cm->cap_owned) {
		cm->cap_owned = q->n;
		cm->owned = realloc(cm->owned, (size_t)cm->cap_owned * sizeof(int));
		if (!cm->owned)
			abort();
	}
	for (int i = 0; i < q->n; i++)
		cm->owned[i] = q->e[i].part;
	cm->n_owned = q->n - q->n_user;
	cm->n_user = q->n_user;
	cm->owned_gen = q->owned_gen;
}

static enum grp_error bad_member(const struct group *g, const struct grp_msg *q)
{
	const struct cmember *cm = &g->cm[q->member];
	if (cm->in && cm->mid == q->mid)
		return GERR_NONE;
	return cm->in && cm->is_static && q->is_static ? GERR_FENCED_INSTANCE_ID :
							  GERR_UNKNOWN_MEMBER_ID;
}

/* A static member's new process: it takes over the old identity (KIP-345). In a Stable
 * group it gets the current generation back at once and keeps its assignment. */
static bool static_rejoin(struct cluster *c, struct broker *b, struct group *g,
			  const struct grp_msg *q)
{
	struct cmember *cm = &g->cm[q->member];
	cm->mid = ++g->mid_seq;
	trace_member(c, g, q->member, cm->mid, "member.join", "static member replaced");
	if (g->state != GS_STABLE)
		return false;
	touch(c, g, q->member);
	struct grp_msg *r = resp_new(c, g, q->member, GRP_JOIN_RESP, GERR_NONE, 0, 0);
	r->req = q->req;
	r->cooperative = g->cooperative;
	r->strategy = g->strategy;
	resp_send(c, g, r, b->id);
	return true;
}

static void on_join(struct cluster *c, struct broker *b, struct group *g, struct grp_msg *q)
{
	struct cmember *cm = &g->cm[q->member];
	enum grp_error err = q->mid ? bad_member(g, q) : GERR_NONE;
	if (!is_coord(g, b) || err != GERR_NONE) {
		reply_err(c, b, g, q, GRP_JOIN_RESP, is_coord(g, b) ? err : GERR_NOT_COORDINATOR);
		return;
	}
	if (q->mid == 0) {
		if (cm->in && cm->is_static && q->is_static) {
			if (static_rejoin(c, b, g, q))
				return;
		} else {
			if (cm->in)
				make_ghost(c, g, q->member);
			add_member(c, g, q->member, q->is_static);
		}
	}
	set_owned(cm, q);
	touch(c, g, q->member);
	if (!cm->joined) {
		cm->joined = true;
		g->n_waiting++;
	}
	cm->join_req = q->req;
	if (g->state != GS_PREPARING)
		prepare_rebalance(c, g, q->mid == 0 ? "member joined" : "member rejoined");
	maybe_complete_join(c, g);
}

static void on_sync(struct cluster *c, struct broker *b, struct group *g, struct grp_msg *q)
{
	struct cmember *cm = &g->cm[q->member];
	enum grp_error err = !is_coord(g, b) ? GERR_NOT_COORDINATOR : bad_member(g, q);
	if (err == GERR_NONE && q->generation != g->generation)
		err = GERR_ILLEGAL_GENERATION;
	if (err == GERR_NONE && g->state == GS_PREPARING)
		err = GERR_REBALANCE_IN_PROGRESS;
	if (err == GERR_NONE && g->state == GS_EMPTY)
		err = GERR_UNKNOWN_MEMBER_ID;
	if (err != GERR_NONE) {
		reply_err(c, b, g, q, GRP_SYNC_RESP, err);
		return;
	}
	touch(c, g, q->member);
	if (g->state == GS_STABLE) {
		send_assignment(c, g, q->member, q->req);
		return;
	}
	cm->sync_wait = true;
	cm->sync_req = q->req;
	if (q->member == g->leader)
		set_stable(c, g, q);
}

static void on_heartbeat(struct cluster *c, struct broker *b, struct group *g,
			 struct grp_msg *q)
{
	enum grp_error err = !is_coord(g, b) ? GERR_NOT_COORDINATOR : bad_member(g, q);
	if (err == GERR_NONE && g->state == GS_EMPTY)
		err = GERR_UNKNOWN_MEMBER_ID;
	if (err == GERR_NONE && q->generation != g->generation)
		err = GERR_ILLEGAL_GENERATION;
	if (err == GERR_NONE) {
		touch(c, g, q->member);
		if (g->state == GS_PREPARING)
			err = GERR_REBALANCE_IN_PROGRESS;
	}
	reply_err(c, b, g, q, GRP_HEARTBEAT_RESP, err);
}

static void on_leave(struct cluster *c, struct broker *b, struct group *g, struct grp_msg *q)
{
	enum grp_error err = !is_coord(g, b) ? GERR_NOT_COORDINATOR : bad_member(g, q);
	reply_err(c, b, g, q, GRP_LEAVE_RESP, err);
	if (err != GERR_NONE)
		return;
	trace_member(c, g, q->member, q->mid, "member.leave", q->how ? q->how : "leave");
	g->leaves++;
	set_cause(g, q->member, CAUSE_LEFT);
	remove_member(c, g, q->member);
	member_removed(c, g, "member left");
}

static enum grp_error commit_check(struct group *g, const struct broker *b,
				   const struct grp_msg *q)
{
	if (!is_coord(g, b))
		return GERR_NOT_COORDINATOR;
	if (q->generation < 0 && q->mid == 0) /* a commit from outside the group protocol */
		return g->state == GS_EMPTY ? GERR_NONE : GERR_UNKNOWN_MEMBER_ID;
	enum grp_error err = bad_member(g, q);
	if (err != GERR_NONE)
		return err;
	if (q->generation != g->generation)
		return GERR_ILLEGAL_GENERATION;
	if (g->state == GS_COMPLETING)
		return GERR_REBALANCE_IN_PROGRESS;
	return GERR_NONE;
}

static void trace_commit(struct cluster *c, struct group *g, const struct grp_msg *q,
			 const bool *changed)
{
	struct jsonw *w = trace_w(c->tr);
	trace_begin(c->tr, sim_now(c->sim), "offset.commit");
	jsonw_kstr(w, "group", g->cfg->name);
	jsonw_kstr(w, "member", g->members[q->member].name);
	jsonw_kint(w, "generation", q->generation);
	jsonw_kstr(w, "how", q->how ? q->how : "?");
	jsonw_key(w, "offsets");
	jsonw_obj_begin(w);
	for (int i = 0; i < q->n; i++) {
		if (!changed[i])
			continue;
		char name[KS_NAME_MAX + 16];
		snprintf(name, sizeof(name), "%s-%d", c->topics[g->topic].cfg->name, q->e[i].part);
		jsonw_kint(w, name, q->e[i].offset);
	}
	jsonw_obj_end(w);
	trace_end(c->tr);
}

static void on_commit(struct cluster *c, struct broker *b, struct group *g, struct grp_msg *q)
{
	enum grp_error err = commit_check(g, b, q);
	reply_err(c, b, g, q, GRP_OFFSET_COMMIT_RESP, err);
	if (err != GERR_NONE)
		return;
	struct cmember *cm = &g->cm[q->member];
	if (q->mid) {
		touch(c, g, q->member);
		if (cm->commit_mid == q->mid && q->seq < cm->commit_seq)
			return; /* overtaken on the wire by a later commit: TCP would keep order */
		cm->commit_mid = q->mid;
		cm->commit_seq = q->seq;
	}
	bool changed[q->n > 0 ? q->n : 1];
	int n_changed = 0;
	for (int i = 0; i < q->n; i++) {
		int p = q->e[i].part;
		changed[i] = false;
		if (p < 0 || p >= g->n_parts)
			continue;
		changed[i] = g->committed[p] != q->e[i].offset;
		n_changed += changed[i];
		g->committed[p] = q->e[i].offset;
		grp__status_commit(c, g, p, q->e[i].offset);
	}
	g->commits_stored++;
	if (n_changed && trace_on(c->tr, TRACE_EVENTS))
		trace_commit(c, g, q, changed);
}

static void on_offset_fetch(struct cluster *c, struct broker *b, struct group *g,
			    struct grp_msg *q)
{
	if (!is_coord(g, b)) {
		reply_err(c, b, g, q, GRP_OFFSET_FETCH_RESP, GERR_NOT_COORDINATOR);
		return;
	}
	struct grp_msg *r = resp_new(c, g, q->member, GRP_OFFSET_FETCH_RESP, GERR_NONE, 0, q->n);
	r->req = q->req;
	r->mid = q->mid;
	for (int i = 0; i < q->n; i++) {
		int p = q->e[i].part;
		r->e[i] = (struct grp_entry){ q->member, p,
					      p >= 0 && p < g->n_parts ? g->committed[p] : -1 };
	}
	resp_send(c, g, r, b->id);
}

static void on_find(struct cluster *c, struct broker *b, struct group *g, struct grp_msg *q)
{
	bool ready = g->coord > 0 && broker__serving(&c->brokers[g->coord - 1]);
	struct grp_msg *r = resp_new(c, g, q->member, GRP_FIND_COORDINATOR_RESP,
				     ready ? GERR_NONE : GERR_COORDINATOR_NOT_AVAILABLE, 0, 0);
	r->req = q->req;
	r->mid = q->mid;
	r->coordinator = ready ? g->coord : -1;
	resp_send(c, g, r, b->id);
}

void cons__coordinator_msg(struct cluster *c, struct broker *b, struct msg *m)
{
	struct grp_msg *q = (struct grp_msg *)m;
	struct group *g = &c->groups[q->group];
	switch (q->kind) {
	case GRP_FIND_COORDINATOR: on_find(c, b, g, q); break;
	case GRP_JOIN: on_join(c, b, g, q); break;
	case GRP_SYNC: on_sync(c, b, g, q); break;
	case GRP_HEARTBEAT: on_heartbeat(c, b, g, q); break;
	case GRP_LEAVE: on_leave(c, b, g, q); break;
	case GRP_OFFSET_COMMIT: on_commit(c, b, g, q); break;
	case GRP_OFFSET_FETCH: on_offset_fetch(c, b, g, q); break;
	default: break;
	}
	ks_free(m);
}

/* ---- coordinator failover ------------------------------------------------------------------ */

static int next_live_broker(const struct cluster *c, const struct group *g)
{
	for (int k = 0; k < c->n_brokers; k++) {
		int id = (g->offsets_partition + k) % c->n_brokers + 1;
		if (broker__serving(&c->brokers[id - 1]) && !c->brokers[id - 1].in_shutdown)
			return id;
	}
	return -1;
}

static void trace_coordinator(struct cluster *c, struct group *g, const char *why)
{
	TRACE_EV(c->tr, TRACE_EVENTS, sim_now(c->sim), "group.coordinator") {
		jsonw_kstr(trace_w(c->tr), "group", g->cfg->name);
		jsonw_kint(trace_w(c->tr), "broker", g->coord);
		jsonw_kint(trace_w(c->tr), "offsets_partition", g->offsets_partition);
		jsonw_kstr(trace_w(c->tr), "reason", why);
	}
}

/* The new coordinator loads the group: sessions restart, a rebalance in progress starts
 * over (the members' held requests died with the old coordinator). */
static void failover_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct group *g = arg;
	g->failover_timer = 0;
	int id = next_live_broker(c, g);
	if (id < 0) {
		g->failover_timer = sim_after(s, SIM_S, failover_ev, c, g);
		return;
	}
	g->coord = id;
	trace_coordinator(c, g, "failover");
	for (int k = 0; k < g->cap_members; k++) {
		if (g->cm[k].ghost_mid)
			drop_ghost(c, g, k, true);
		if (g->cm[k].in)
			touch(c, g, k);
		g->cm[k].joined = g->cm[k].sync_wait = false;
	}
	g->n_waiting = 0;
	if (g->state == GS_PREPARING || g->state == GS_COMPLETING) {
		g->state = GS_STABLE; /* as loaded from the last stored generation */
		prepare_rebalance(c, g, "coordinator failover");
	}
}

/* The group's coordinator is gone from its broker; the leader of the group's offsets
 * partition, elected after `delay`, loads it. */
static void resign(struct cluster *c, struct group *g, sim_time_ns delay, const char *why)
{
	g->coord = -1;
	if (g->join_timer)
		sim_cancel(c->sim, g->join_timer);
	g->join_timer = 0;
	for (int k = 0; k < g->cap_members; k++) {
		if (g->cm[k].hb_timer)
			sim_cancel(c->sim, g->cm[k].hb_timer);
		g->cm[k].hb_timer = 0;
	}
	trace_coordinator(c, g, why);
	g->failover_timer = sim_after(c->sim, delay + c->sc->cluster.metadata_propagation_ns,
				      failover_ev, c, g);
}

/* A controlled shutdown moves the leaders of the broker's offsets partitions at once
 * (GroupCoordinator.onResignation): members learn of it from NOT_COORDINATOR answers. */
void cons__coordinator_resign(struct cluster *c, struct broker *b)
{
	for (int gi = 0; gi < c->n_groups; gi++)
		if (c->groups[gi].coord == b->id)
			resign(c, &c->groups[gi], 0, "broker shutting down");
}

void cons__coordinator_crash(struct cluster *c, struct broker *b, bool clean, bool reset)
{
	for (int gi = 0; gi < c->n_groups; gi++) {
		struct group *g = &c->groups[gi];
		if (g->coord == b->id)
			resign(c, g, clean ? 0 : c->sc->cluster.broker_session_timeout_ns,
			       clean ? "broker shut down" : "broker crashed");
		for (int m = 0; m < g->cap_members; m++) {
			if (!g->members[m].active)
				continue;
			if (reset) /* a metadata request on the connection fails */
				meta__disconnected(c, &g->members[m].meta, b->id);
			cons__broker_down(c, &g->members[m], b->id);
			if (g->members[m].coord == b->id)
				cons__coordinator_lost(c, &g->members[m], "connection reset");
		}
	}
}

/* ---- kafka-consumer-groups --reset-offsets ------------------------------------------------ */

/* The first offset appended at or after t; the HW when none was. A log entry holds
 * consecutive batches of one producer appended between first_append_ns and append_ns;
 * within it records are taken as appended evenly. */
static int64_t offset_for_time(const struct replica *r, sim_time_ns t)
{
	const struct plog *l = &r->log;
	size_t lo = l->head, hi = l->n;
	while (lo < hi) { /* the first entry whose last record was appended at or after t */
		size_t mid = lo + (hi - lo) / 2;
		if (plog_batch(l, mid)->append_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == l->n)
		return r->hw;
	const struct batch *b = plog_batch(l, lo);
	int64_t off = b->base;
	if (b->first_append_ns < t && b->append_ns > b->first_append_ns && b->count > 1) {
		double f = (double)(t - b->first_append_ns) /
			   (double)(b->append_ns - b->first_append_ns);
		int64_t k = (int64_t)(f * (double)(b->count - 1));
		if ((double)k < f * (double)(b->count - 1))
			k++;
		off += k;
	}
	return off > r->hw ? r->hw : off < l->log_start ? l->log_start : off;
}

void grp__reset_offsets(struct cluster *c, struct group *g, const struct fault_cfg *f)
{
	static const char *const kinds[] = { "to-earliest", "to-latest", "to-offset", "shift-by",
					     "to-datetime" };
	for (int i = 0; i < g->n_parts; i++) {
		const struct replica *r = grp__leader_replica(c, g, i);
		if (!r)
			continue;
		int64_t start = r->log.log_start, end = r->hw;
		int64_t to = g->committed[i] < 0 ? start : g->committed[i];
		switch (f->reset) {
		case RESET_TO_EARLIEST: to = start; break;
		case RESET_TO_LATEST: to = end; break;
		case RESET_TO_OFFSET: to = f->reset_value; break;
		case RESET_SHIFT_BY: to += f->reset_value; break;
		case RESET_TO_DATETIME: to = offset_for_time(r, f->reset_value); break;
		}
		to = to < start ? start : to > end ? end : to;
		TRACE_EV(c->tr, TRACE_EVENTS, sim_now(c->sim), "offset.reset") {
			jsonw_kstr(trace_w(c->tr), "group", g->cfg->name);
			grp__trace_part(c, g, "partition", i);
			jsonw_kint(trace_w(c->tr), "from", g->committed[i]);
			jsonw_kint(trace_w(c->tr), "to", to);
			jsonw_kstr(trace_w(c->tr), "policy", kinds[f->reset]);
		}
		g->committed[i] = to;
		g->cause[i] = CAUSE_RESET;
		if (g->origin[i] < 0 || to < g->origin[i])
			g->origin[i] = to;
		grp__status_commit(c, g, i, to);
	}
	for (int m = 0; m < g->cap_members; m++)
		if (g->members[m].active)
			cons__reposition(c, &g->members[m]);
}

/* ---- setup --------------------------------------------------------------------------------- */

void grp__init(struct cluster *c, struct group *g)
{
	const struct group_cfg *cfg = g->cfg;
	const struct cluster_cfg *cl = &c->sc->cluster;
	/* handleJoinGroup would answer INVALID_SESSION_TIMEOUT; the scenario loader refuses */
	SIM_ASSERT(cfg->session_timeout_ns >= cl->group_min_session_timeout_ns &&
		   cfg->session_timeout_ns <= cl->group_max_session_timeout_ns);
	int h = asg_java_hash(cfg->name);
	h = h == INT_MIN ? 0 : h < 0 ? -h : h; /* Utils.abs */
	g->offsets_partition = h % OFFSETS_TOPIC_PARTITIONS;
	g->coord = g->offsets_partition % c->n_brokers + 1;
	g->state = GS_EMPTY;
	g->leader = -1;
	g->strategy = cfg->n_strategies > 0 ? cfg->strategies[0] : ASG_RANGE;
	g->cooperative = cfg->n_strategies > 0;
	for (int i = 0; i < cfg->n_strategies; i++)
		g->cooperative &= cfg->strategies[i] == ASG_COOPERATIVE_STICKY;
	g->cm = xcalloc((size_t)g->cap_members, sizeof(*g->cm));
	g->owner = xcalloc((size_t)g->max_parts, sizeof(int));
	g->last_owner = xcalloc((size_t)g->max_parts, sizeof(int));
	for (int i = 0; i < g->max_parts; i++)
		g->owner[i] = g->last_owner[i] = -1;
	g->rb_start_ns = -1;
}

void grp__release(struct group *g)
{
	for (int s = 0; s < g->cap_members; s++) {
		free(g->cm[s].owned);
		free(g->cm[s].assign);
	}
	free(g->cm);
	free(g->owner);
	free(g->last_owner);
	free(g->rb);
}
