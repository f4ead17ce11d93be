/*
 * consumer.c - a consumer group member: KafkaConsumer's poll loop with its Fetcher and the
 * client side of the classic group protocol (ConsumerCoordinator, AbstractCoordinator and
 * its HeartbeatThread).
 *
 * Fetching: one fetch in flight per partition leader (fetch.min.bytes, fetch.max.wait.ms,
 * max.partition.fetch.bytes, parked at the leader until data is below the high
 * watermark); poll() hands the application at most max.poll.records buffered records.
 * Processing a poll costs a per-poll overhead plus the per-record time drawn once for the
 * batch; records complete evenly over that time, so a crash mid-batch leaves an exact
 * prefix processed. With processing.async the poll loop hands batches to a worker (at
 * most two outstanding) and polls again.
 *
 * Group protocol: the member finds its coordinator, joins (JoinGroup, SyncGroup; the leader
 * runs the assignor, asg_assign, over every member's subscription), heartbeats every
 * heartbeat.interval.ms from its own thread and rejoins inside poll() when told to. Before
 * a rejoin (onJoinPrepare) an auto-committing member commits what poll() returned and
 * waits for the answer; the eager protocol then revokes everything, the cooperative one
 * nothing until the new assignment shows what moves (those are revoked and a follow-up
 * rebalance hands them over). A member that does not poll within max.poll.interval.ms
 * leaves the group from its heartbeat thread. Commits are OffsetCommit requests: commitSync
 * blocks the poll loop until answered and retries retriable errors until
 * default.api.timeout.ms; commitAsync and auto-commit do not wait. Auto-commit runs inside
 * poll() with the positions of records already returned, so records of poll N are
 * committed in poll N+1 or later. A partition without a committed offset, or whose offset
 * left the log, starts per auto.offset.reset.
 *
 * Leader epochs (KIP-320): fetches carry the metadata's leader epoch, which the leader
 * fences (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: refresh the metadata). A position
 * carries the epoch of the batch before it; when the metadata names a new leader epoch,
 * the partition awaits validation (SubscriptionState.maybeValidatePositionForCurrentLeader):
 * records buffered but not returned are dropped, and the member asks the leader where its
 * position's epoch ends (OffsetsForLeaderEpoch, as an epoch query in its next fetch to that
 * leader). An end below the position is a truncation: the member seeks to it whatever
 * auto.offset.reset says (maybeCompleteValidation), or, under none, stops reading the
 * partition (LogTruncationException reaches the application, as OffsetOutOfRange does).
 *
 * Accounting, exact from range sets: every processed offset goes into the group's
 * per-partition set (the overlap is the number of redeliveries); every effect goes into a
 * per-(partition, producer) set of sequence numbers, judged per idempotence strategy.
 *
 * Simplifications: a member learns at once that a broker went down (its connections reset,
 * as on a process crash, also for a power loss) and does not fetch from a leader that is
 * down; FindCoordinator goes to any live broker; with processing.async, manual commits
 * carry the processed batch's offsets and never block the poll loop; a closing static
 * member sends no LeaveGroup (as Kafka since KIP-345), so its session must expire. The
 * epoch query waits for the member's fetch in flight to that leader, if any (Kafka sends
 * OffsetsForLeaderEpoch at once); commits carry no leader epoch, so a position taken from
 * a committed offset (or a reset) is not validated until a fetch has given it one.
 */
#include <stdlib.h>
#include <string.h>

#include "assignor.h"
#include "msgs.h"
#include "rng.h"
#include "xmem.h"

enum after { AFTER_POLL, AFTER_JOIN, AFTER_WORK, AFTER_LEAVE };

struct taken {                /* records one poll() returned */
	struct member *mb;
	int64_t n;                /* records */
	int cnt, cap;
	struct {
		int idx;
		int32_t producer;
		int64_t lo, hi, seq;  /* offsets [lo, hi), producer sequence of lo */
		sim_time_ns create_ns;
	} r[];
};

static void member_poll(struct cluster *c, struct member *mb);
static void kick(struct cluster *c, struct member *mb);
static void find_coordinator(struct cluster *c, struct member *mb);

static int gpid(const struct cluster *c, const struct group *g, int idx)
{
	return c->topics[g->topic].first_partition + idx;
}

/* Start a trace line about a member; false (and nothing started) below the events level. */
static bool mtrace(struct cluster *c, const struct member *mb, const char *type)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return false;
	trace_begin(c->tr, sim_now(c->sim), type);
	jsonw_kstr(trace_w(c->tr), "group", mb->g->cfg->name);
	jsonw_kstr(trace_w(c->tr), "member", mb->name);
	return true;
}

static void trace_parts(struct cluster *c, const char *key, const int *idx, int n)
{
	struct jsonw *w = trace_w(c->tr);
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	for (int k = 0; k < n; k++)
		jsonw_int(w, idx[k]);
	jsonw_arr_end(w);
}

/* ---- owned partitions ---------------------------------------------------------------------- */

static void part_add(struct cluster *c, struct member *mb, int idx)
{
	struct group *g = mb->g;
	sim_time_ns now = sim_now(c->sim);
	if (mb->slot[idx] >= 0)
		return;
	if (mb->n_p == mb->cap_p) {
		mb->cap_p = mb->cap_p ? 2 * mb->cap_p : 8;
		mb->p = xrealloc(mb->p, (size_t)mb->cap_p * sizeof(*mb->p));
	}
	mb->p[mb->n_p] = (struct mpart){ .idx = idx, .position = GRP_POS_UNKNOWN,
					 .consumed = GRP_POS_UNKNOWN, .pos_epoch = -1,
					 .consumed_epoch = -1, .leader_epoch = -1 };
	mb->slot[idx] = mb->n_p++;
	if (g->unowned_since[idx] >= 0) {
		g->part_pause_ns += now - g->unowned_since[idx];
		g->unowned_since[idx] = -1;
	}
}

/* Drop owned partition k: revoked, lost or the process gone. */
static void part_drop(struct cluster *c, struct member *mb, int k, enum grp_cause why)
{
	struct group *g = mb->g;
	int idx = mb->p[k].idx;
	free(mb->p[k].buf.b);
	memmove(&mb->p[k], &mb->p[k + 1], (size_t)(mb->n_p - k - 1) * sizeof(*mb->p));
	mb->n_p--;
	mb->slot[idx] = -1;
	for (int j = k; j < mb->n_p; j++)
		mb->slot[mb->p[j].idx] = j;
	if (g->unowned_since[idx] < 0)
		g->unowned_since[idx] = sim_now(c->sim);
	if (g->cause[idx] != CAUSE_CRASH || why != CAUSE_REBALANCE)
		g->cause[idx] = why;
}

static void parts_drop_all(struct cluster *c, struct member *mb, enum grp_cause why)
{
	while (mb->n_p > 0)
		part_drop(c, mb, mb->n_p - 1, why);
}

static void set_origin(struct group *g, int idx, int64_t off)
{
	if (off >= 0 && (g->origin[idx] < 0 || off < g->origin[idx]))
		g->origin[idx] = off;
}

/* SubscriptionState.seek: a new position (offset or GRP_POS_*) whose record before it was
 * written in `epoch` (-1 unknown: a committed offset, a reset), taken as validated against
 * the leader the metadata names now. */
static void seek(struct member *mb, struct mpart *mp, int64_t off, int32_t epoch)
{
	mp->position = mp->consumed = off;
	mp->pos_epoch = mp->consumed_epoch = epoch;
	mp->leader_epoch = mb->meta.epoch[mp->idx];
	mp->validating = false;
}

/* ---- fetching ------------------------------------------------------------------------------- */

static void fetch_watchdog_ev(struct sim *s, void *subject, void *arg);

static bool fetchable(const struct mpart *mp)
{
	return !mp->fetching && mp->buf.head == mp->buf.n && !mp->stuck &&
	       mp->position != GRP_POS_UNKNOWN;
}

static void send_fetch_to(struct cluster *c, struct member *mb, int broker, int n)
{
	const struct group_cfg *cfg = mb->g->cfg;
	struct fetch_req *q = ks_alloc(c, sizeof(*q) + (size_t)n * sizeof(q->e[0]));
	q->member = mb->idx;
	q->group = mb->g->idx; /* the leader reads the group's fetch limits (fetch_limits) */
	q->session = ++mb->session_ctr;
	q->fetcher = broker;
	int k = 0;
	for (int i = 0; i < mb->n_p && k < n; i++) {
		struct mpart *mp = &mb->p[i];
		if (mb->meta.leader[mp->idx] != broker || !fetchable(mp))
			continue;
		q->e[k].part = gpid(c, mb->g, mp->idx);
		q->e[k].offset = mp->position;
		q->e[k].current_leader_epoch = mb->meta.epoch[mp->idx];
		if (mp->validating) { /* OffsetsForLeaderEpoch for the position's epoch */
			q->e[k].epoch_query = true;
			q->e[k].last_fetched_epoch = mp->pos_epoch;
			mp->val_session = q->session;
		}
		mp->fetching = true;
		k++;
	}
	q->n = k;
	mb->fetch_session[broker - 1] = q->session;
	mb->fetch_sent_ns[broker - 1] = sim_now(c->sim);
	q->h.give_up_ns = sim_now(c->sim) + cfg->fetch_max_wait_ns + cfg->request_timeout_ns;
	net__send(c, mb->node, net__broker_node(c, broker), &q->h, MSG_FETCH_REQ,
		  64 + 32 * (int64_t)k);
	if (!mb->fetch_watchdog)
		mb->fetch_watchdog = sim_after(c->sim,
					       cfg->fetch_max_wait_ns + cfg->request_timeout_ns,
					       fetch_watchdog_ev, c, mb);
}

static void fetch_forget(struct member *mb, int broker);

static void meta_retry_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->meta_timer = 0;
	if (mb->active && !mb->paused)
		meta__request(subject, &mb->meta, mb->node, mb->g->topic);
}

/* SubscriptionState.maybeValidatePositionForCurrentLeader: the metadata names a leader
 * epoch the position was not validated against. Records fetched but not returned are
 * dropped (Kafka returns none of a partition that is not fetchable), so the position
 * validated is the one poll() reached; without an epoch for it there is nothing to ask
 * and it stands, else fetching waits for the leader's end offset of that epoch. */
static void maybe_validate(struct cluster *c, struct member *mb, struct mpart *mp)
{
	if (mb->meta.leader[mp->idx] < 1 || mp->position < 0 || mp->stuck)
		return; /* no leader known yet, or a reset that will name the leader */
	mp->leader_epoch = mb->meta.epoch[mp->idx];
	mp->val_session = 0; /* an answer in flight is for an older leader: ignored */
	if (mp->buf.head < mp->buf.n) {
		mp->buf.head = mp->buf.n = 0;
		mp->position = mp->consumed;
		mp->pos_epoch = mp->consumed_epoch;
	}
	mp->validating = mp->pos_epoch >= 0;
	mb->g->validations += mp->validating;
	if (mp->validating && trace_on(c->tr, TRACE_DEBUG) &&
	    mtrace(c, mb, "offset.validate")) {
		struct jsonw *w = trace_w(c->tr);
		grp__trace_part(c, mb->g, "partition", mp->idx);
		jsonw_kint(w, "offset", mp->position);
		jsonw_kint(w, "epoch", mp->pos_epoch);
		jsonw_kint(w, "leader", mb->meta.leader[mp->idx]);
		jsonw_kint(w, "leader_epoch", mp->leader_epoch);
		trace_end(c->tr);
	}
}

static void send_fetches(struct cluster *c, struct member *mb)
{
	if (!mb->active || mb->paused || mb->n_p == 0)
		return;
	bool missing = false, down = false;
	int count[c->n_brokers + 1];
	memset(count, 0, sizeof(count));
	for (int i = 0; i < mb->n_p; i++) {
		if (mb->p[i].leader_epoch != mb->meta.epoch[mb->p[i].idx])
			maybe_validate(c, mb, &mb->p[i]);
		int l = mb->meta.leader[mb->p[i].idx];
		missing |= l < 1;
		if (l < 1 || l > c->n_brokers || mb->fetch_session[l - 1] || !fetchable(&mb->p[i]))
			continue;
		if (!net__open(c, net__broker_node(c, l)))
			down = true; /* connection refused: ask who leads, after the backoff */
		else
			count[l]++;
	}
	for (int broker = 1; broker <= c->n_brokers; broker++)
		if (count[broker] > 0)
			send_fetch_to(c, mb, broker, count[broker]);
	if (missing)
		meta__request(c, &mb->meta, mb->node, mb->g->topic);
	else if (down && !mb->meta_timer)
		mb->meta_timer = sim_after(c->sim, mb->g->cfg->retry_backoff_ns, meta_retry_ev, c,
					   mb);
}

void cons__broker_down(struct cluster *c, struct member *mb, int broker)
{
	if (!mb->fetch_session[broker - 1])
		return;
	fetch_forget(mb, broker);
	if (!mb->paused)
		send_fetches(c, mb);
}

/* Forget the fetch in flight to `broker`: its partitions may be fetched again. */
static void fetch_forget(struct member *mb, int broker)
{
	mb->fetch_session[broker - 1] = 0;
	for (int i = 0; i < mb->n_p; i++) {
		int l = mb->meta.leader[mb->p[i].idx];
		if (l == broker || l < 1)
			mb->p[i].fetching = false;
	}
}

/* Fetches unanswered for fetch.max.wait.ms + request.timeout.ms are given up; one timer
 * per member watches them all. */
static void fetch_watchdog_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct member *mb = arg;
	const struct group_cfg *cfg = mb->g->cfg;
	sim_time_ns now = sim_now(s), limit = cfg->fetch_max_wait_ns + cfg->request_timeout_ns;
	sim_time_ns next = SIM_TIME_MAX;
	bool lost = false;
	mb->fetch_watchdog = 0;
	for (int b = 1; b <= c->n_brokers; b++) {
		if (!mb->fetch_session[b - 1])
			continue;
		if (now - mb->fetch_sent_ns[b - 1] >= limit) {
			fetch_forget(mb, b);
			lost = true;
		} else if (mb->fetch_sent_ns[b - 1] + limit < next) {
			next = mb->fetch_sent_ns[b - 1] + limit;
		}
	}
	if (next < SIM_TIME_MAX)
		mb->fetch_watchdog = sim_schedule(s, next, fetch_watchdog_ev, c, mb);
	if (lost && !mb->paused) {
		meta__request(c, &mb->meta, mb->node, mb->g->topic);
		send_fetches(c, mb);
	}
}

static void buf_push(struct fbuf *f, const struct batch *b)
{
	if (f->head == f->n)
		f->head = f->n = 0;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->b = xrealloc(f->b, (size_t)f->cap * sizeof(*f->b));
	}
	f->b[f->n++] = *b;
}

/* OFFSET_OUT_OF_RANGE: no committed offset (a reset lookup) or the offset left the log. */
static void offset_reset(struct cluster *c, struct member *mb, struct mpart *mp,
			 const struct fetch_resp_entry *e)
{
	enum ks_offset_reset pol = mb->g->cfg->auto_offset_reset;
	bool fresh = mp->position == GRP_POS_RESET;
	int64_t to = pol == RESET_EARLIEST ? e->log_start : e->hw;
	static const char *const names[] = { "latest", "earliest", "none" };
	if (mtrace(c, mb, fresh ? "offset.reset" : "offset.out_of_range")) {
		struct jsonw *w = trace_w(c->tr);
		grp__trace_part(c, mb->g, "partition", mp->idx);
		jsonw_kint(w, "from", mp->position);
		jsonw_kint(w, "to", pol == RESET_NONE ? -1 : to);
		jsonw_kint(w, "log_start", e->log_start);
		jsonw_kint(w, "high_watermark", e->hw);
		jsonw_kstr(w, "policy", names[pol]);
		trace_end(c->tr);
	}
	if (fresh)
		mb->g->resets_no_offset++;
	else
		mb->g->resets_out_of_range++;
	if (pol == RESET_NONE) { /* NoOffsetForPartition / OffsetOutOfRange reach the app */
		mp->stuck = true;
		return;
	}
	seek(mb, mp, to, -1);
	set_origin(mb->g, mp->idx, to);
}

/* A truncation found: the leader's log ends the position's epoch at `end` (-1 when it has
 * no epoch as old). Records the member processed at or above it are gone from the log;
 * those the new leader writes at their offsets are other records, not redeliveries. */
static void truncation_detected(struct cluster *c, struct member *mb, struct mpart *mp,
				int64_t end, int32_t end_epoch)
{
	static const char *const names[] = { "latest", "earliest", "none" };
	enum ks_offset_reset pol = mb->g->cfg->auto_offset_reset;
	mb->g->truncations++;
	if (mtrace(c, mb, "offset.truncation_detected")) {
		struct jsonw *w = trace_w(c->tr);
		grp__trace_part(c, mb->g, "partition", mp->idx);
		jsonw_kint(w, "from", mp->position);
		jsonw_kint(w, "to", pol == RESET_NONE ? -1 : end);
		jsonw_kint(w, "epoch", mp->pos_epoch);
		jsonw_kint(w, "end_offset", end);
		jsonw_kint(w, "end_epoch", end_epoch);
		jsonw_kstr(w, "policy", names[pol]);
		trace_end(c->tr);
	}
	if (end >= 0)
		rset_remove(&mb->g->processed[mp->idx], end, mp->position);
	if (pol == RESET_NONE) { /* LogTruncationException reaches the app */
		mp->stuck = true;
		return;
	}
	/* maybeCompleteValidation: seek to the first diverging offset whatever the policy;
	 * with no epoch to compare (UNDEFINED), reset by the policy */
	seek(mb, mp, end >= 0 ? end : GRP_POS_RESET, end >= 0 ? end_epoch : -1);
	set_origin(mb->g, mp->idx, end);
}

/* A partition's fetch (or epoch query) answered with an error: refresh the metadata. A
 * newer leader a NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH answer names is taken at
 * once (KIP-951, AbstractFetch.handleFetchSuccess); send_fetches then validates the
 * position against it. */
static void fetch_failed(struct cluster *c, struct member *mb, const struct mpart *mp,
			 const struct fetch_resp_entry *e)
{
	if (e->err == KERR_NOT_LEADER_OR_FOLLOWER || e->err == KERR_FENCED_LEADER_EPOCH)
		meta__take_leader(&mb->meta, mp->idx, e->current.leader, e->current.leader_epoch);
	meta__request(c, &mb->meta, mb->node, mb->g->topic);
}

/* The leader's answer to the position's epoch query (OffsetsForLeaderEpoch). */
static void on_validation(struct cluster *c, struct member *mb, struct mpart *mp,
			  const struct fetch_resp_entry *e)
{
	if (e->err != KERR_NONE) { /* FENCED / UNKNOWN_LEADER_EPOCH, not leader: ask again */
		fetch_failed(c, mb, mp, e);
		return;
	}
	mp->validating = false;
	mp->val_session = 0;
	if (e->epoch_end_offset < 0 || e->epoch_end_epoch < 0 ||
	    e->epoch_end_offset < mp->position)
		truncation_detected(c, mb, mp, e->epoch_end_epoch < 0 ? -1 : e->epoch_end_offset,
				    e->epoch_end_epoch);
}

static void on_fetch_entry(struct cluster *c, struct member *mb, const struct fetch_resp_entry *e,
			   const struct batch *batches, uint64_t session)
{
	int idx = c->parts[e->part].index, k = mb->slot[idx];
	if (k < 0)
		return;
	struct mpart *mp = &mb->p[k];
	mp->fetching = false;
	if (mp->validating) { /* data fetched before is dropped: not fetchable now */
		if (session == mp->val_session)
			on_validation(c, mb, mp, e);
		return;
	}
	if (e->fetch_offset != mp->position)
		return;
	if (e->err == KERR_OFFSET_OUT_OF_RANGE) {
		offset_reset(c, mb, mp, e);
		return;
	}
	if (e->err != KERR_NONE) {
		fetch_failed(c, mb, mp, e);
		return;
	}
	for (int j = 0; j < e->n_batches; j++) {
		const struct batch *b = &batches[j];
		if (b->base != mp->position)
			break;
		SIM_ASSERT(b->base + b->count <= e->hw);
		buf_push(&mp->buf, b);
		mp->position = b->base + b->count;
		mp->pos_epoch = b->epoch;
	}
}

static void on_fetch_resp(struct cluster *c, struct member *mb, struct fetch_resp *r)
{
	int broker = r->fetcher;
	if (broker < 1 || broker > c->n_brokers || mb->fetch_session[broker - 1] != r->session)
		return;
	mb->fetch_session[broker - 1] = 0;
	const struct batch *batches = fetch_resp_batches(r);
	for (int i = 0; i < r->n; i++) {
		on_fetch_entry(c, mb, &r->e[i], batches, r->session);
		batches += r->e[i].n_batches;
	}
	if (mb->waiting)
		member_poll(c, mb);
	else
		send_fetches(c, mb);
}

/* ---- requests to the coordinator --------------------------------------------------------- */

static uint64_t coord_send(struct cluster *c, struct member *mb, struct grp_msg *q,
			   enum grp_kind kind)
{
	q->kind = kind;
	q->group = mb->g->idx;
	q->member = mb->idx;
	q->mid = mb->mid;
	q->generation = mb->generation;
	q->is_static = mb->g->cfg->static_members;
	q->req = ++mb->req_ctr;
	/* when the member gives up waiting (the join waits out a rebalance: join_timer) */
	q->h.give_up_ns = sim_now(c->sim) + (kind == GRP_JOIN ?
					     mb->g->cfg->max_poll_interval_ns + 5 * SIM_S :
					     mb->g->cfg->request_timeout_ns);
	net__send(c, mb->node, net__broker_node(c, mb->coord), &q->h, MSG_GROUP,
		  64 + 16 * (int64_t)q->n);
	return q->req;
}

static void cancel(struct cluster *c, sim_timer_id *t)
{
	if (*t)
		sim_cancel(c->sim, *t);
	*t = 0;
}

static void fail_trace(struct cluster *c, struct member *mb, const char *type, const char *how,
		       enum grp_error err)
{
	if (mtrace(c, mb, type)) {
		jsonw_kstr(trace_w(c->tr), "how", how);
		jsonw_kstr(trace_w(c->tr), "error", grp_error_name(err));
		trace_end(c->tr);
	}
}

static void request_rejoin(struct cluster *c, struct member *mb, const char *why)
{
	if (!mb->rejoin) {
		mb->rejoin = true;
		mb->rejoin_reason = why;
	}
	kick(c, mb);
}

/* resetStateAndGeneration: out of the group until it joins again. */
static void reset_generation(struct cluster *c, struct member *mb, bool reset_id,
			     const char *why)
{
	mb->generation = -1;
	if (reset_id) {
		mb->mid = 0;
		mb->member_id[0] = '\0';
	}
	cancel(c, &mb->join_timer);
	cancel(c, &mb->sync_timer);
	mb->join_req = mb->sync_req = 0;
	mb->state = MS_UNJOINED;
	request_rejoin(c, mb, why);
}

/* A group error in a response: what the member does about it. */
static void on_group_error(struct cluster *c, struct member *mb, enum grp_error err)
{
	switch (err) {
	case GERR_UNKNOWN_MEMBER_ID:
	case GERR_FENCED_INSTANCE_ID:
		reset_generation(c, mb, true, grp_error_name(err));
		break;
	case GERR_ILLEGAL_GENERATION:
		reset_generation(c, mb, false, grp_error_name(err));
		break;
	case GERR_REBALANCE_IN_PROGRESS:
		if (mb->state == MS_STABLE)
			request_rejoin(c, mb, "rebalance in progress");
		break;
	case GERR_NOT_COORDINATOR:
	case GERR_COORDINATOR_NOT_AVAILABLE:
	case GERR_REQUEST_TIMED_OUT:
		cons__coordinator_lost(c, mb, grp_error_name(err));
		break;
	case GERR_NONE:
		break;
	}
}

/* ---- coordinator discovery ---------------------------------------------------------------- */

static void find_retry_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->find_timer = 0;
	mb->find_req = 0;
	find_coordinator(subject, mb);
}

static void find_coordinator(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	if (mb->find_req || mb->find_timer || !mb->active || mb->paused || mb->coord > 0)
		return;
	for (int k = 0; k < c->n_brokers; k++) {
		int id = (mb->idx + k) % c->n_brokers + 1;
		int bnode = net__broker_node(c, id);
		if (!net__open(c, bnode) || !net__reachable(c, mb->node, bnode))
			continue;
		struct grp_msg *q = grp__msg_new(c, 0, 0);
		int saved = mb->coord;
		mb->coord = id;
		mb->find_req = coord_send(c, mb, q, GRP_FIND_COORDINATOR);
		mb->coord = saved;
		mb->find_timer = sim_after(c->sim, cfg->request_timeout_ns, find_retry_ev, c, mb);
		return;
	}
	mb->find_timer = sim_after(c->sim, cfg->retry_backoff_ns, find_retry_ev, c, mb);
}

static void send_offset_fetch(struct cluster *c, struct member *mb);
static void hb_tick(struct cluster *c, struct member *mb);
static void commit_retry_ev(struct sim *s, void *subject, void *arg);

static void on_find_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	if (r->req != mb->find_req)
		return;
	cancel(c, &mb->find_timer);
	mb->find_req = 0;
	if (r->err != GERR_NONE) {
		mb->find_timer = sim_after(c->sim, mb->g->cfg->retry_backoff_ns, find_retry_ev, c,
					   mb);
		return;
	}
	mb->coord = r->coordinator;
	mb->last_hb_resp_ns = sim_now(c->sim); /* heartbeat.resetSessionTimeout() */
	mb->hb_inflight = false;
	if (mb->state == MS_STABLE || mb->state == MS_SYNCING) { /* an overdue heartbeat */
		cancel(c, &mb->hb_timer);
		hb_tick(c, mb);
	}
	send_offset_fetch(c, mb);
	if (mb->rejoin || mb->waiting)
		kick(c, mb);
}

void cons__coordinator_lost(struct cluster *c, struct member *mb, const char *why)
{
	if (!mb->active)
		return;
	if (mb->coord > 0 && mtrace(c, mb, "consumer.coordinator_lost")) {
		jsonw_kint(trace_w(c->tr), "broker", mb->coord);
		jsonw_kstr(trace_w(c->tr), "reason", why);
		trace_end(c->tr);
	}
	mb->coord = -1;
	mb->hb_inflight = false;
	if (mb->join_req || mb->sync_req) {
		cancel(c, &mb->join_timer);
		cancel(c, &mb->sync_timer);
		mb->join_req = mb->sync_req = 0;
		mb->state = MS_UNJOINED;
		mb->rejoin = true;
		mb->rejoin_reason = "coordinator lost";
	}
	if (mb->offfetch_req) {
		cancel(c, &mb->offfetch_timer);
		mb->offfetch_req = 0;
	}
	if (mb->commit_req) { /* commitSync retries, once the coordinator is found again */
		cancel(c, &mb->commit_timer);
		mb->commit_req = 0;
		mb->commit_timer = sim_after(c->sim, mb->g->cfg->retry_backoff_ns,
					     commit_retry_ev, c, mb);
	}
	find_coordinator(c, mb);
}

/* ---- commits ------------------------------------------------------------------------------ */

static void start_work(struct cluster *c, struct member *mb);
static void do_join(struct cluster *c, struct member *mb);
static void finish_leave(struct cluster *c, struct member *mb);

static bool can_commit(const struct member *mb)
{
	return mb->state == MS_STABLE && mb->generation >= 0 && mb->mid != 0;
}

/* Kafka's allConsumed(): every owned partition with a position. */
static void pend_consumed(struct member *mb)
{
	if (mb->cap_pend < mb->n_p) {
		mb->cap_pend = mb->n_p;
		mb->pend = xrealloc(mb->pend, (size_t)mb->cap_pend * sizeof(*mb->pend));
	}
	mb->n_pend = 0;
	for (int i = 0; i < mb->n_p; i++)
		if (mb->p[i].consumed >= 0)
			mb->pend[mb->n_pend++] = (struct grp_entry){ mb->idx, mb->p[i].idx,
								    mb->p[i].consumed };
}

static uint64_t commit_send(struct cluster *c, struct member *mb, const struct grp_entry *e,
			    int n, const char *how)
{
	struct grp_msg *q = grp__msg_new(c, 0, n);
	memcpy(q->e, e, (size_t)n * sizeof(*e));
	q->how = how;
	q->seq = ++mb->commit_seq;
	return coord_send(c, mb, q, GRP_OFFSET_COMMIT);
}

static void after_commit(struct cluster *c, struct member *mb)
{
	int after = mb->after;
	mb->blocked = false;
	mb->after = AFTER_POLL;
	switch (after) {
	case AFTER_JOIN:
		do_join(c, mb);
		break;
	case AFTER_WORK:
		if (mb->held) {
			mb->wq[mb->wq_n++] = mb->held;
			mb->held = NULL;
			start_work(c, mb);
		}
		break;
	case AFTER_LEAVE:
		finish_leave(c, mb);
		return;
	default:
		break;
	}
	kick(c, mb);
}

static void commit_timeout_ev(struct sim *s, void *subject, void *arg);

static void commit_retry_ev(struct sim *s, void *subject, void *arg);
static void commit_give_up(struct cluster *c, struct member *mb, enum grp_error err);

static void commit_attempt(struct cluster *c, struct member *mb)
{
	if (sim_now(c->sim) >= mb->commit_deadline_ns) {
		commit_give_up(c, mb, GERR_REQUEST_TIMED_OUT);
		return;
	}
	if (mb->coord < 0) { /* look again after the backoff */
		find_coordinator(c, mb);
		mb->commit_timer = sim_after(c->sim, mb->g->cfg->retry_backoff_ns, commit_retry_ev,
					     c, mb);
		return;
	}
	mb->commit_req = commit_send(c, mb, mb->pend, mb->n_pend, mb->pend_how);
	mb->commit_timer = sim_after(c->sim, mb->g->cfg->request_timeout_ns, commit_timeout_ev,
				     c, mb);
}

/* commitSync of mb->pend: the poll loop blocks; `after` runs once it is answered. */
static void commit_sync(struct cluster *c, struct member *mb, const char *how, int after)
{
	mb->blocked = true;
	mb->after = after;
	mb->pend_how = how;
	if (!can_commit(mb)) {
		mb->commits_failed++;
		fail_trace(c, mb, "offset.commit.failed", how, GERR_REBALANCE_IN_PROGRESS);
		after_commit(c, mb);
		return;
	}
	if (mb->n_pend == 0) {
		after_commit(c, mb);
		return;
	}
	mb->commit_deadline_ns = sim_now(c->sim) + mb->g->cfg->default_api_timeout_ns;
	commit_attempt(c, mb);
}

/* commitAsync / auto-commit: fire and forget. */
static void commit_async(struct cluster *c, struct member *mb, const struct grp_entry *e,
			 int n, const char *how)
{
	if (n == 0)
		return;
	enum grp_error err = !can_commit(mb) ? GERR_REBALANCE_IN_PROGRESS :
			     mb->coord < 0 ? GERR_COORDINATOR_NOT_AVAILABLE : GERR_NONE;
	if (err != GERR_NONE) {
		mb->commits_failed++;
		fail_trace(c, mb, "offset.commit.failed", how, err);
		if (mb->coord < 0)
			find_coordinator(c, mb);
		return;
	}
	commit_send(c, mb, e, n, how);
}

static void commit_retry_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->commit_timer = 0;
	if (mb->blocked && !mb->commit_req)
		commit_attempt(subject, mb);
}

static void commit_note_failure(struct cluster *c, struct member *mb, const char *how,
				enum grp_error err)
{
	mb->commits_failed++;
	fail_trace(c, mb, "offset.commit.failed", how, err);
	for (int i = 0; i < mb->n_p; i++)
		mb->g->cause[mb->p[i].idx] = CAUSE_COMMIT_FAILED;
}

/* commitSync failed for good (CommitFailedException, TimeoutException): the poll loop
 * goes on. */
static void commit_give_up(struct cluster *c, struct member *mb, enum grp_error err)
{
	commit_note_failure(c, mb, mb->pend_how, err);
	after_commit(c, mb);
}

static void commit_failed(struct cluster *c, struct member *mb, enum grp_error err, bool mine)
{
	sim_time_ns now = sim_now(c->sim);
	bool retriable = err == GERR_NOT_COORDINATOR || err == GERR_COORDINATOR_NOT_AVAILABLE ||
			 err == GERR_REQUEST_TIMED_OUT;
	if (retriable)
		cons__coordinator_lost(c, mb, grp_error_name(err));
	if (mine && retriable && now < mb->commit_deadline_ns) {
		mb->commit_timer = sim_after(c->sim, mb->g->cfg->retry_backoff_ns,
					     commit_retry_ev, c, mb);
		return;
	}
	if (!retriable)
		on_group_error(c, mb, err);
	if (mine)
		commit_give_up(c, mb, err);
	else
		commit_note_failure(c, mb, "async", err);
}

static void commit_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->commit_timer = 0;
	if (!mb->commit_req)
		return;
	mb->commit_req = 0;
	commit_failed(subject, mb, GERR_REQUEST_TIMED_OUT, true);
}

static void on_commit_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	bool mine = mb->commit_req && r->req == mb->commit_req;
	if (mine) {
		cancel(c, &mb->commit_timer);
		mb->commit_req = 0;
	}
	if (r->err != GERR_NONE) {
		commit_failed(c, mb, r->err, mine);
		return;
	}
	mb->commits++;
	if (mine)
		after_commit(c, mb);
}

/* ---- OffsetFetch ----------------------------------------------------------------------- */

static void offfetch_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->offfetch_timer = 0;
	if (mb->offfetch_req) {
		mb->offfetch_req = 0;
		cons__coordinator_lost(subject, mb, "OffsetFetch timed out");
	}
}

static void send_offset_fetch(struct cluster *c, struct member *mb)
{
	if (mb->offfetch_req || mb->coord < 0 || !mb->active)
		return;
	int n = 0;
	for (int i = 0; i < mb->n_p; i++)
		n += mb->p[i].position == GRP_POS_UNKNOWN;
	if (n == 0)
		return;
	struct grp_msg *q = grp__msg_new(c, 0, n);
	n = 0;
	for (int i = 0; i < mb->n_p; i++)
		if (mb->p[i].position == GRP_POS_UNKNOWN)
			q->e[n++] = (struct grp_entry){ mb->idx, mb->p[i].idx, -1 };
	mb->offfetch_req = coord_send(c, mb, q, GRP_OFFSET_FETCH);
	mb->offfetch_timer = sim_after(c->sim, mb->g->cfg->request_timeout_ns,
				       offfetch_timeout_ev, c, mb);
}

static void on_offfetch_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	if (r->req != mb->offfetch_req)
		return;
	cancel(c, &mb->offfetch_timer);
	mb->offfetch_req = 0;
	if (r->err != GERR_NONE) {
		on_group_error(c, mb, r->err);
		return;
	}
	for (int i = 0; i < r->n; i++) {
		int k = mb->slot[r->e[i].part];
		if (k < 0 || mb->p[k].position != GRP_POS_UNKNOWN)
			continue;
		int64_t off = r->e[i].offset;
		seek(mb, &mb->p[k], off >= 0 ? off : GRP_POS_RESET, -1);
		set_origin(mb->g, r->e[i].part, off);
	}
	send_offset_fetch(c, mb);
	send_fetches(c, mb);
	kick(c, mb);
}

/* ---- heartbeats and the poll timeout (the heartbeat thread) ------------------------------ */

static void hb_ev(struct sim *s, void *subject, void *arg);
static void poll_check_ev(struct sim *s, void *subject, void *arg);

/* A timer of a member that is gone does nothing; one of a frozen (paused) member is
 * remembered in *deferred and handled when the member resumes. */
static bool may_act(struct member *mb, bool *deferred)
{
	if (!mb->active)
		return false;
	if (mb->paused)
		*deferred = true;
	return !mb->paused;
}

static void start_heartbeats(struct cluster *c, struct member *mb)
{
	mb->last_hb_resp_ns = sim_now(c->sim);
	if (!mb->hb_timer)
		mb->hb_timer = sim_after(c->sim, mb->g->cfg->heartbeat_interval_ns, hb_ev, c, mb);
	if (!mb->poll_timer)
		mb->poll_timer = sim_schedule(c->sim,
					      mb->last_poll_ns + mb->g->cfg->max_poll_interval_ns,
					      poll_check_ev, c, mb);
}

static void hb_tick(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	sim_time_ns now = sim_now(c->sim);
	if (mb->state != MS_SYNCING && mb->state != MS_STABLE)
		return; /* restarted by the next JoinGroup response */
	if (mb->coord > 0 && now - mb->last_hb_resp_ns >= cfg->session_timeout_ns)
		cons__coordinator_lost(c, mb, "no heartbeat response within session.timeout.ms");
	else if (mb->coord > 0 && mb->hb_inflight && now - mb->hb_sent_ns >= cfg->request_timeout_ns)
		/* NetworkClient disconnects a request unanswered for request.timeout.ms, and a
		 * disconnect marks the coordinator unknown (CoordinatorResponseHandler) */
		cons__coordinator_lost(c, mb, "heartbeat unanswered for request.timeout.ms");
	else if (mb->coord > 0 && !mb->hb_inflight) {
		mb->hb_inflight = true;
		mb->hb_sent_ns = now;
		coord_send(c, mb, grp__msg_new(c, 0, 0), GRP_HEARTBEAT);
	}
	mb->hb_timer = sim_after(c->sim, cfg->heartbeat_interval_ns, hb_ev, c, mb);
}

static void hb_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->hb_timer = 0;
	if (may_act(mb, &mb->def_hb))
		hb_tick(subject, mb);
}

static void on_hb_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	mb->hb_inflight = false;
	mb->last_hb_resp_ns = sim_now(c->sim);
	if (r->err != GERR_NONE && (mb->state == MS_STABLE || mb->state == MS_SYNCING))
		on_group_error(c, mb, r->err);
}

/* The heartbeat thread saw no poll() for max.poll.interval.ms: leave the group. */
static void poll_timeout(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	if (mtrace(c, mb, "consumer.poll_timeout")) {
		jsonw_kint(trace_w(c->tr), "since_poll_ms",
			   (sim_now(c->sim) - mb->last_poll_ns) / SIM_MS);
		trace_end(c->tr);
	}
	if (!cfg->static_members && mb->coord > 0 && mb->mid) {
		struct grp_msg *q = grp__msg_new(c, 0, 0);
		q->how = "max.poll.interval.ms exceeded";
		coord_send(c, mb, q, GRP_LEAVE);
	}
	for (int i = 0; i < mb->n_p; i++)
		mb->g->cause[mb->p[i].idx] = CAUSE_LEFT;
	reset_generation(c, mb, true, "max.poll.interval.ms exceeded");
}

static void poll_check(struct cluster *c, struct member *mb)
{
	sim_time_ns now = sim_now(c->sim);
	if (mb->waiting)
		mb->last_poll_ns = now; /* inside poll(), waiting for records */
	if (mb->state == MS_UNJOINED && mb->generation < 0)
		return; /* not in the group: re-armed when it joins */
	sim_time_ns deadline = mb->last_poll_ns + mb->g->cfg->max_poll_interval_ns;
	if (now >= deadline) {
		poll_timeout(c, mb);
		return;
	}
	mb->poll_timer = sim_schedule(c->sim, deadline, poll_check_ev, c, mb);
}

static void poll_check_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->poll_timer = 0;
	if (may_act(mb, &mb->def_poll_check))
		poll_check(subject, mb);
}

/* ---- joining ------------------------------------------------------------------------------- */

static void join_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->join_timer = 0;
	if (mb->join_req)
		cons__coordinator_lost(subject, mb, "JoinGroup timed out");
}

static void sync_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->sync_timer = 0;
	if (mb->sync_req)
		cons__coordinator_lost(subject, mb, "SyncGroup timed out");
}

static void trace_revoke(struct cluster *c, struct member *mb, bool lost)
{
	if (mb->n_p == 0 || !mtrace(c, mb, lost ? "consumer.partitions_lost" :
						      "consumer.partitions_revoked"))
		return;
	struct jsonw *w = trace_w(c->tr);
	jsonw_key(w, "partitions");
	jsonw_arr_begin(w);
	for (int k = 0; k < mb->n_p; k++)
		jsonw_int(w, mb->p[k].idx);
	jsonw_arr_end(w);
	trace_end(c->tr);
}

/* onJoinPrepare after its commit, then JoinGroup. Eager revokes everything; so does a
 * member that lost its generation (onPartitionsLost); cooperative keeps what it owns. The
 * subscription (metadata()) carries what the member owns after that as ownedPartitions,
 * none under eager, and StickyAssignor's user data: the last assignment (onAssignment),
 * which keeps that assignor sticky under eager; CooperativeStickyAssignor has only the
 * ownedPartitions, so under eager each of its rebalances starts afresh. */
static void do_join(struct cluster *c, struct member *mb)
{
	struct group *g = mb->g;
	bool lost = mb->generation < 0 && mb->mid == 0;
	if (mb->n_p > 0 && (lost || !g->cooperative)) {
		if (!lost) {
			mb->prev = xrealloc(mb->prev, (size_t)mb->n_p * sizeof(int));
			for (int k = 0; k < mb->n_p; k++)
				mb->prev[k] = mb->p[k].idx;
			mb->n_prev = mb->n_p;
			g->revoked += (uint64_t)mb->n_p;
			g->rb_revoked += mb->n_p;
		}
		trace_revoke(c, mb, lost);
		mb->stop_since_ns = sim_now(c->sim);
		parts_drop_all(c, mb, lost ? CAUSE_LEFT : CAUSE_REBALANCE);
	}
	int n_user = g->cooperative || lost ? 0 : mb->n_prev;
	struct grp_msg *q = grp__msg_new(c, 0, mb->n_p + n_user);
	for (int k = 0; k < mb->n_p; k++)
		q->e[k] = (struct grp_entry){ mb->idx, mb->p[k].idx, 0 };
	for (int k = 0; k < n_user; k++)
		q->e[mb->n_p + k] = (struct grp_entry){ mb->idx, mb->prev[k], 0 };
	q->n_user = n_user;
	q->owned_gen = mb->owned_gen;
	if (mtrace(c, mb, "consumer.join")) {
		jsonw_kstr(trace_w(c->tr), "reason", mb->rejoin_reason ? mb->rejoin_reason : "?");
		jsonw_kint(trace_w(c->tr), "owned", mb->n_p);
		trace_end(c->tr);
	}
	mb->state = MS_JOINING;
	mb->rejoin = false;
	mb->join_req = coord_send(c, mb, q, GRP_JOIN);
	mb->join_timer = sim_after(c->sim, g->cfg->max_poll_interval_ns + 5 * SIM_S,
				   join_timeout_ev, c, mb);
}

/* The leader runs the assignor (ConsumerCoordinator.onLeaderElected). What a member owned
 * is the assignor's memberData(): StickyAssignor reads its user data, the others the
 * subscription's ownedPartitions. */
static struct grp_msg *leader_assign(struct cluster *c, struct member *mb,
				     const struct grp_msg *r)
{
	struct group *g = mb->g;
	const char *tname = c->topics[g->topic].cfg->name;
	struct asg_topic topic = { tname, g->n_parts };
	struct asg_member *am = xcalloc((size_t)r->n_meta, sizeof(*am));
	char (*ids)[KS_NAME_MAX + 32] = xcalloc((size_t)r->n_meta, sizeof(*ids));
	struct asg_tp *tps = xcalloc((size_t)r->n, sizeof(*tps));
	for (int i = 0; i < r->n; i++)
		tps[i] = (struct asg_tp){ 0, r->e[i].part };
	for (int i = 0; i < r->n_meta; i++) {
		const struct grp_meta *m = &r->meta[i];
		grp__member_id(c, g, m->member, m->mid, ids[i], sizeof(ids[i]));
		const char *inst = m->is_static ? g->members[m->member].name : NULL;
		bool user = r->strategy == ASG_STICKY;
		am[i] = (struct asg_member){ ids[i], inst, &tname, 1,
					     tps + m->first + (user ? m->n : 0),
					     user ? m->n_user : m->n, m->owned_gen >= 0,
					     m->owned_gen };
	}
	struct asg_input in = { &topic, 1, am, r->n_meta };
	struct asg_result res;
	int total = 0;
	if (asg_assign(r->strategy, &in, &res) == ASG_OK)
		for (int i = 0; i < res.n_members; i++)
			total += res.members[i].n;
	struct grp_msg *q = grp__msg_new(c, 0, total);
	total = 0;
	for (int i = 0; i < res.n_members; i++)
		for (int k = 0; k < res.members[i].n; k++)
			q->e[total++] = (struct grp_entry){ r->meta[i].member,
							    res.members[i].tps[k].partition, 0 };
	asg_result_release(&res);
	free(am);
	free(ids);
	free(tps);
	return q;
}

/* The answer to the join or sync request *req pending under *timer: false when it is stale,
 * or an error (the member is unjoined and will rejoin). */
static bool take_answer(struct cluster *c, struct member *mb, uint64_t *req, sim_timer_id *timer,
			const struct grp_msg *r)
{
	if (!*req || r->req != *req)
		return false;
	cancel(c, timer);
	*req = 0;
	if (r->err == GERR_NONE)
		return true;
	mb->state = MS_UNJOINED;
	mb->rejoin = true;
	on_group_error(c, mb, r->err);
	kick(c, mb);
	return false;
}

static void on_join_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	if (!take_answer(c, mb, &mb->join_req, &mb->join_timer, r))
		return;
	mb->mid = r->mid;
	grp__member_id(c, mb->g, mb->idx, mb->mid, mb->member_id, sizeof(mb->member_id));
	mb->generation = r->generation;
	mb->state = MS_SYNCING;
	struct grp_msg *q = r->leader ? leader_assign(c, mb, r) : grp__msg_new(c, 0, 0);
	mb->sync_req = coord_send(c, mb, q, GRP_SYNC);
	mb->sync_timer = sim_after(c->sim, mb->g->cfg->request_timeout_ns, sync_timeout_ev, c,
				   mb);
	start_heartbeats(c, mb);
}

static void trace_assigned(struct cluster *c, struct member *mb, const int *revoked, int n_rev,
			   int64_t paused_ns)
{
	if (!mtrace(c, mb, "member.assigned"))
		return;
	struct jsonw *w = trace_w(c->tr);
	jsonw_kint(w, "generation", mb->generation);
	jsonw_key(w, "partitions");
	jsonw_arr_begin(w);
	for (int k = 0; k < mb->n_p; k++)
		jsonw_int(w, mb->p[k].idx);
	jsonw_arr_end(w);
	trace_parts(c, "revoked", revoked, n_rev);
	jsonw_kint(w, "paused_ns", paused_ns);
	trace_end(c->tr);
}

/* SyncGroup answered: onJoinComplete. Cooperative revokes what moved and rejoins. */
static void apply_assignment(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	struct group *g = mb->g;
	sim_time_ns now = sim_now(c->sim);
	int stamp = ++g->mark_stamp, n_rev = 0;
	int *revoked = xcalloc((size_t)mb->n_p, sizeof(int));
	for (int i = 0; i < r->n; i++)
		g->mark[r->e[i].part] = stamp;
	for (int k = mb->n_p - 1; k >= 0; k--) {
		if (g->mark[mb->p[k].idx] == stamp)
			continue;
		revoked[n_rev++] = mb->p[k].idx;
		part_drop(c, mb, k, CAUSE_REBALANCE);
	}
	g->revoked += (uint64_t)n_rev;
	g->rb_revoked += n_rev;
	for (int i = 0; i < r->n; i++)
		part_add(c, mb, r->e[i].part);
	mb->state = MS_STABLE;
	mb->owned_gen = mb->generation;
	int64_t paused = 0;
	if (mb->stop_since_ns >= 0) {
		paused = now - mb->stop_since_ns;
		mb->pause_ns += paused;
		g->pause_ns += paused;
		mb->stop_since_ns = -1;
	}
	if (n_rev > 0 && mb->n_p == 0)
		mb->stop_since_ns = now;
	trace_assigned(c, mb, revoked, n_rev, paused);
	free(revoked);
	if (n_rev > 0)
		request_rejoin(c, mb, "partitions revoked");
	send_offset_fetch(c, mb);
	kick(c, mb);
}

static void on_sync_resp(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	if (!take_answer(c, mb, &mb->sync_req, &mb->sync_timer, r))
		return;
	apply_assignment(c, mb, r);
}

/* Rejoin inside poll(): the auto-commit of onJoinPrepare first (the poll loop waits for
 * it), then JoinGroup. Returns true while the commit blocks. */
static bool join_prepare(struct cluster *c, struct member *mb)
{
	if (mb->g->cfg->enable_auto_commit && can_commit(mb)) {
		pend_consumed(mb);
		commit_sync(c, mb, "rebalance", AFTER_JOIN);
		return mb->blocked;
	}
	do_join(c, mb);
	return false;
}

/* ---- processing ---------------------------------------------------------------------------- */

static struct rset *effect_set(struct cluster *c, struct group *g, int idx, int32_t producer)
{
	int np = c->n_producers + 1;
	if (!g->effects[idx]) {
		g->effects[idx] = xcalloc((size_t)np, sizeof(struct rset));
		for (int k = 0; k < np; k++)
			rset_init(&g->effects[idx][k]);
	}
	return &g->effects[idx][producer >= 0 && producer < c->n_producers ? producer :
										   c->n_producers];
}

struct seen {                 /* dedupe_in_batch: ids seen in this poll batch */
	int idx;
	int32_t producer;
	struct rset s;
};

static struct rset *seen_set(struct seen **v, int *n, int idx, int32_t producer)
{
	for (int i = 0; i < *n; i++)
		if ((*v)[i].idx == idx && (*v)[i].producer == producer)
			return &(*v)[i].s;
	*v = xrealloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[*n].idx = idx;
	(*v)[*n].producer = producer;
	rset_init(&(*v)[*n].s);
	return &(*v)[(*n)++].s;
}

/* Effects of records [seq, seq + m) of one producer on partition idx. */
static void effects(struct cluster *c, struct group *g, int idx, int32_t producer, int64_t seq,
		    int64_t m, struct seen **seen, int *n_seen)
{
	struct rset *e = effect_set(c, g, idx, producer);
	switch (g->cfg->idempotence) {
	case IDEM_NONE: /* every processing applies the effect again */
		g->dup_effects += (uint64_t)rset_add(e, seq, seq + m);
		break;
	case IDEM_PROCESSED_TABLE: /* effect and processed id commit together: never twice */
		g->effects_prevented += (uint64_t)rset_add(e, seq, seq + m);
		break;
	case IDEM_DEDUPE_IN_BATCH: { /* only ids already seen in this poll are dropped */
		struct rset *t = seen_set(seen, n_seen, idx, producer);
		int64_t in_batch = rset_count_in(t, seq, seq + m);
		g->dup_effects += (uint64_t)(rset_count_in(e, seq, seq + m) - in_batch);
		g->in_batch_dropped += (uint64_t)in_batch;
		g->effects_prevented += (uint64_t)in_batch;
		rset_add(t, seq, seq + m);
		rset_add(e, seq, seq + m);
		break;
	}
	}
}

static void trace_redelivered(struct cluster *c, struct member *mb, int idx, int64_t lo,
			      int64_t hi, int64_t dup)
{
	const struct rset *s = &mb->g->processed[idx];
	int64_t to = hi;
	if (rset_contains(s, lo)) {
		to = rset_next_gap(s, lo);
		to = to < hi ? to : hi;
	}
	if (!mtrace(c, mb, "record.redelivered"))
		return;
	struct jsonw *w = trace_w(c->tr);
	grp__trace_part(c, mb->g, "partition", idx);
	jsonw_kint(w, "from", lo);
	jsonw_kint(w, "to", to);
	jsonw_kint(w, "records", dup);
	jsonw_kstr(w, "cause", grp_cause_name(mb->g->cause[idx]));
	trace_end(c->tr);
}

/* The first k records of t were processed. */
static void account(struct cluster *c, struct member *mb, const struct taken *t, int64_t k)
{
	struct group *g = mb->g;
	sim_time_ns now = sim_now(c->sim);
	struct seen *seen = NULL;
	int n_seen = 0;
	for (int i = 0; i < t->cnt && k > 0; i++) {
		int idx = t->r[i].idx;
		int64_t lo = t->r[i].lo, m = t->r[i].hi - lo < k ? t->r[i].hi - lo : k;
		k -= m;
		int64_t dup = rset_count_in(&g->processed[idx], lo, lo + m);
		if (dup > 0)
			trace_redelivered(c, mb, idx, lo, lo + m, dup);
		rset_add(&g->processed[idx], lo, lo + m);
		g->duplicates += (uint64_t)dup;
		effects(c, g, idx, t->r[i].producer, t->r[i].seq, m, &seen, &n_seen);
		g->records_processed += (uint64_t)m;
		g->records_per_part[idx] += m;
		mb->processed += (uint64_t)m;
		c->records_consumed += (uint64_t)m;
		c->records_consumed_iv += (uint64_t)m;
		hist_record_n(&c->e2e_lat_iv, now - t->r[i].create_ns, (uint64_t)m);
	}
	for (int i = 0; i < n_seen; i++)
		rset_release(&seen[i].s);
	free(seen);
}

static void work_done_ev(struct sim *s, void *subject, void *arg);

static void start_work(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	if (mb->working || mb->wq_n == 0 || mb->paused || !mb->active)
		return;
	const struct taken *t = mb->wq[0];
	double cost = (dist_sample(&cfg->poll_overhead_ns, mb->g->rng) +
		       dist_sample_sum(&cfg->record_ns, (uint64_t)t->n, mb->g->rng)) *
		      mb->slow_factor;
	sim_time_ns d = cost > 0 ? (sim_time_ns)cost : 0;
	mb->working = true;
	mb->work_start_ns = sim_now(c->sim);
	mb->work_end_ns = mb->work_start_ns + d;
	mb->work_timer = sim_after(c->sim, d, work_done_ev, c, mb);
}

/* The processed batch's next offsets, for commits after asynchronous processing. */
static int batch_offsets(const struct member *mb, const struct taken *t, struct grp_entry *e)
{
	int n = 0;
	for (int i = 0; i < t->cnt; i++) {
		int j = 0;
		while (j < n && e[j].part != t->r[i].idx)
			j++;
		if (j == n)
			n++;
		e[j] = (struct grp_entry){ mb->idx, t->r[i].idx, t->r[i].hi };
	}
	return n;
}

static void commit_after_work(struct cluster *c, struct member *mb, const struct taken *t)
{
	const struct group_cfg *cfg = mb->g->cfg;
	const char *how = cfg->commit == COMMIT_SYNC ? "sync" : "async";
	if (cfg->async_workers) { /* workers hand offsets back; the poll thread commits async */
		struct grp_entry *e = xcalloc((size_t)t->cnt, sizeof(*e));
		commit_async(c, mb, e, batch_offsets(mb, t, e), how);
		free(e);
	} else if (cfg->commit == COMMIT_SYNC) {
		pend_consumed(mb);
		commit_sync(c, mb, how, AFTER_POLL);
	} else {
		pend_consumed(mb);
		commit_async(c, mb, mb->pend, mb->n_pend, how);
	}
}

static void work_done_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct member *mb = arg;
	const struct group_cfg *cfg = mb->g->cfg;
	struct taken *t = mb->wq[0];
	mb->work_timer = 0;
	mb->working = false;
	memmove(mb->wq, mb->wq + 1, (size_t)(mb->wq_n - 1) * sizeof(*mb->wq));
	mb->wq_n--;
	account(c, mb, t, t->n);
	if (cfg->commit == COMMIT_SYNC || cfg->commit == COMMIT_ASYNC)
		commit_after_work(c, mb, t);
	ks_free(t);
	start_work(c, mb);
	if (!mb->blocked)
		member_poll(c, mb);
}

int64_t cons__work_progress(const struct cluster *c, const struct member *mb)
{
	if (!mb->working)
		return 0;
	sim_time_ns total = mb->work_end_ns - mb->work_start_ns;
	sim_time_ns done = mb->paused ? total - mb->work_left_ns :
			   sim_now(c->sim) - mb->work_start_ns;
	if (total <= 0 || done >= total)
		return mb->wq[0]->n;
	return (int64_t)((double)mb->wq[0]->n * (double)done / (double)total);
}

/* ---- poll() ------------------------------------------------------------------------------- */

static struct taken *taken_grow(struct cluster *c, struct taken *t)
{
	if (t && t->cnt < t->cap)
		return t;
	int cap = t ? 2 * t->cap : 8;
	struct taken *nt = ks_alloc(c, sizeof(*nt) + (size_t)cap * sizeof(nt->r[0]));
	if (t) {
		memcpy(nt, t, sizeof(*t) + (size_t)t->cnt * sizeof(t->r[0]));
		ks_free(t);
	}
	nt->cap = cap;
	return nt;
}

/* Take up to max.poll.records buffered records, partition by partition. */
static struct taken *take_records(struct cluster *c, struct member *mb)
{
	int64_t want = mb->g->cfg->max_poll_records;
	struct taken *t = NULL;
	for (int j = 0; j < mb->n_p && want > 0; j++) {
		struct mpart *mp = &mb->p[(int)((mb->polls + (uint64_t)j) % (uint64_t)mb->n_p)];
		struct fbuf *f = &mp->buf;
		while (f->head < f->n && want > 0) {
			struct batch *b = &f->b[f->head];
			int64_t n = b->count < want ? b->count : want;
			t = taken_grow(c, t);
			t->r[t->cnt].idx = mp->idx;
			t->r[t->cnt].producer = b->producer;
			t->r[t->cnt].lo = b->base;
			t->r[t->cnt].hi = b->base + n;
			t->r[t->cnt].seq = b->producer >= 0 ? b->first_seq : b->base;
			/* a log batch may hold many producer batches: the middle record's
			 * (interpolated) creation time stands for the range */
			t->r[t->cnt].create_ns = plog_create_at(b, b->base + (n - 1) / 2);
			t->cnt++;
			t->n += n;
			mp->consumed = b->base + n;
			mp->consumed_epoch = b->epoch;
			if (n == b->count)
				f->head++;
			else
				plog_slice(b, b->base + n, b->base + b->count);
			want -= n;
		}
	}
	if (t)
		t->mb = mb;
	return t;
}

/* The timeout of an application's idle poll(): only matters when every poll commits. */
#define IDLE_POLL_TIMEOUT_NS (100 * SIM_MS)

/* An idle poll() wakes up for the next auto-commit. */
static void wake_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->wake_timer = 0;
	if (mb->waiting)
		member_poll(subject, mb);
}

static void kick_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct member *mb = arg;
	mb->kick_timer = 0;
	member_poll(subject, mb);
}

/* Poll again now (after the current event), e.g. when a rejoin is requested. */
static void kick(struct cluster *c, struct member *mb)
{
	if (!mb->active || mb->paused || mb->kick_timer)
		return;
	mb->kick_timer = sim_after(c->sim, 0, kick_ev, c, mb);
}

static void close_member(struct cluster *c, struct member *mb);

/* Whether the poll loop may call poll() now. */
static bool poll_ready(const struct member *mb)
{
	if (!mb->active || mb->paused || mb->blocked)
		return false;
	return mb->g->cfg->async_workers ? mb->wq_n < 2 : mb->wq_n == 0;
}

static void member_poll(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	sim_time_ns now = sim_now(c->sim);
	if (!poll_ready(mb))
		return;
	if (mb->leaving) {
		close_member(c, mb);
		return;
	}
	mb->waiting = false;
	mb->last_poll_ns = now;
	mb->polls++;
	if (mb->coord < 0)
		find_coordinator(c, mb);
	else if (mb->rejoin && (mb->state == MS_STABLE || mb->state == MS_UNJOINED) &&
		 join_prepare(c, mb))
		return;
	if (cfg->enable_auto_commit && now >= mb->next_auto_commit_ns) {
		mb->next_auto_commit_ns = now + cfg->auto_commit_interval_ns;
		pend_consumed(mb);
		commit_async(c, mb, mb->pend, mb->n_pend, "auto");
	}
	struct taken *t = take_records(c, mb);
	send_fetches(c, mb);
	send_offset_fetch(c, mb);
	if (!t) {
		mb->waiting = true;
		bool idle_commit = cfg->enable_auto_commit && mb->state == MS_STABLE && mb->n_p > 0;
		/* poll() wakes for the next auto-commit; with auto.commit.interval.ms 0 (a
		 * commit every poll) an idle poll returns after its timeout instead */
		sim_time_ns wake = mb->next_auto_commit_ns > now ? mb->next_auto_commit_ns :
								  now + IDLE_POLL_TIMEOUT_NS;
		if (idle_commit && !mb->wake_timer)
			mb->wake_timer = sim_schedule(c->sim, wake, wake_ev, c,
						      mb);
		return;
	}
	if (mb->wq_n + 1 > mb->wq_cap) {
		mb->wq_cap = mb->wq_cap ? 2 * mb->wq_cap : 4;
		mb->wq = xrealloc(mb->wq, (size_t)mb->wq_cap * sizeof(*mb->wq));
	}
	if (cfg->commit == COMMIT_BEFORE_PROCESS) {
		mb->held = t;
		pend_consumed(mb);
		commit_sync(c, mb, "before-process", AFTER_WORK);
		return;
	}
	mb->wq[mb->wq_n++] = t;
	start_work(c, mb);
	if (cfg->async_workers)
		kick(c, mb);
}

/* ---- member lifecycle ------------------------------------------------------------------- */

static void member_stop(struct cluster *c, struct member *mb)
{
	sim_timer_id *timers[] = { &mb->work_timer, &mb->wake_timer, &mb->kick_timer,
				   &mb->fetch_watchdog, &mb->meta_timer, &mb->find_timer,
				   &mb->join_timer, &mb->sync_timer, &mb->commit_timer,
				   &mb->offfetch_timer, &mb->hb_timer, &mb->poll_timer };
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		cancel(c, timers[i]);
	for (int i = 0; i < mb->wq_n; i++)
		ks_free(mb->wq[i]);
	ks_free(mb->held);
	for (int i = 0; i < mb->n_def; i++)
		ks_free(mb->deferred[i]);
	mb->wq_n = mb->n_def = 0;
	mb->held = NULL;
	mb->active = mb->paused = mb->waiting = mb->blocked = mb->leaving = false;
	mb->working = mb->hb_inflight = mb->rejoin = false;
	mb->def_hb = mb->def_poll_check = false;
	meta__reset(&mb->meta);
	mb->find_req = mb->join_req = mb->sync_req = mb->commit_req = mb->offfetch_req = 0;
	mb->state = MS_UNJOINED;
	mb->mid = 0;
	mb->member_id[0] = '\0';
	mb->generation = mb->owned_gen = -1;
	mb->coord = -1;
	mb->stop_since_ns = -1;
	mb->n_prev = 0;
	for (int b = 0; b < c->n_brokers; b++)
		mb->fetch_session[b] = 0;
	mb->incarnation++;
	net__node_down(c, mb->node);
}

void cons__member_crash(struct cluster *c, int group, int member)
{
	struct member *mb = &c->groups[group].members[member];
	if (!mb->active)
		return;
	int64_t done = cons__work_progress(c, mb);
	if (mtrace(c, mb, "consumer.crash")) {
		jsonw_kint(trace_w(c->tr), "partitions", mb->n_p);
		jsonw_kint(trace_w(c->tr), "batch_records_done", done);
		jsonw_kint(trace_w(c->tr), "batch_records", mb->working ? mb->wq[0]->n : 0);
		trace_end(c->tr);
	}
	if (done > 0)
		account(c, mb, mb->wq[0], done);
	parts_drop_all(c, mb, CAUSE_CRASH);
	member_stop(c, mb);
	mb->crash_ns = sim_now(c->sim);
}

static void member_start(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	sim_time_ns now = sim_now(c->sim);
	mb->active = true;
	mb->state = MS_UNJOINED;
	mb->rejoin = true;
	mb->rejoin_reason = "start";
	mb->last_poll_ns = now;
	mb->next_auto_commit_ns = now + cfg->auto_commit_interval_ns;
	mb->after = AFTER_POLL;
	meta__refresh_arm(c, &mb->meta, mb->node, mb->g->topic); /* its metadata is as of now */
	member_poll(c, mb);
}

void cons__member_restart(struct cluster *c, int group, int member)
{
	struct member *mb = &c->groups[group].members[member];
	if (mb->active)
		return;
	net__node_up(c, mb->node);
	if (mtrace(c, mb, "consumer.start"))
		trace_end(c->tr);
	member_start(c, mb);
}

void cons__member_slow(struct cluster *c, int group, int member, double factor)
{
	(void)c;
	c->groups[group].members[member].slow_factor = factor;
}

/* KafkaConsumer.close(): auto-commit synchronously, revoke, LeaveGroup (dynamic members). */
static void close_member(struct cluster *c, struct member *mb)
{
	mb->leaving = false;
	if (mb->g->cfg->enable_auto_commit && can_commit(mb) && mb->n_p > 0) {
		pend_consumed(mb);
		commit_sync(c, mb, "close", AFTER_LEAVE);
		return;
	}
	finish_leave(c, mb);
}

static void finish_leave(struct cluster *c, struct member *mb)
{
	if (mtrace(c, mb, "consumer.close"))
		trace_end(c->tr);
	parts_drop_all(c, mb, CAUSE_LEFT);
	if (!mb->g->cfg->static_members && mb->coord > 0 && mb->mid) {
		struct grp_msg *q = grp__msg_new(c, 0, 0);
		q->how = "consumer closed";
		coord_send(c, mb, q, GRP_LEAVE);
	}
	member_stop(c, mb);
}

static void pause_start(struct cluster *c, struct member *mb)
{
	if (!mb->active || mb->paused)
		return;
	mb->paused = true;
	mb->meta.frozen = true;
	mb->pause_start_ns = sim_now(c->sim);
	if (mb->working) {
		mb->work_left_ns = mb->work_end_ns - mb->pause_start_ns;
		cancel(c, &mb->work_timer);
	}
	cancel(c, &mb->wake_timer);
	if (mtrace(c, mb, "consumer.pause"))
		trace_end(c->tr);
}

static void pause_end(struct cluster *c, struct member *mb)
{
	sim_time_ns now = sim_now(c->sim);
	if (!mb->active || !mb->paused)
		return;
	mb->paused = false;
	if (mtrace(c, mb, "consumer.resume")) {
		jsonw_kint(trace_w(c->tr), "paused_ns", now - mb->pause_start_ns);
		trace_end(c->tr);
	}
	if (mb->working) {
		mb->work_start_ns += now - mb->pause_start_ns;
		mb->work_end_ns = now + mb->work_left_ns;
		mb->work_timer = sim_schedule(c->sim, mb->work_end_ns, work_done_ev, c, mb);
	}
	if (mb->def_hb) {
		mb->def_hb = false;
		hb_tick(c, mb);
	}
	if (mb->def_poll_check) {
		mb->def_poll_check = false;
		poll_check(c, mb);
	}
	for (int i = 0; i < mb->n_def && mb->active && !mb->paused; i++) {
		struct msg *m = mb->deferred[i];
		mb->deferred[i] = NULL;
		cons__on_msg(c, mb, m);
	}
	mb->n_def = 0;
	if (mb->active && !mb->paused)
		meta__thaw(c, &mb->meta);
	kick(c, mb);
}

void cons__reposition(struct cluster *c, struct member *mb)
{
	for (int i = 0; i < mb->n_p; i++) {
		struct mpart *mp = &mb->p[i];
		int64_t off = mb->g->committed[mp->idx];
		seek(mb, mp, off >= 0 ? off : GRP_POS_RESET, -1);
		mp->buf.head = mp->buf.n = 0;
		mp->fetching = mp->stuck = false;
	}
	for (int b = 0; b < c->n_brokers; b++)
		mb->fetch_session[b] = 0;
	kick(c, mb);
}

void cons__fault(struct cluster *c, const struct fault_cfg *f, bool start)
{
	switch (f->kind) {
	case FAULT_PAUSE: {
		struct member *mb = &c->groups[f->target.group].members[f->target.index - 1];
		if (start)
			pause_start(c, mb);
		else
			pause_end(c, mb);
		break;
	}
	case FAULT_JOIN:
		if (f->target.kind == NODE_MEMBER && f->target.index >= 1 &&
		    f->target.index <= c->groups[f->group].cap_members)
			cons__member_restart(c, f->group, f->target.index - 1);
		break;
	case FAULT_LEAVE: {
		struct member *mb = &c->groups[f->target.group].members[f->target.index - 1];
		if (mb->active) {
			mb->leaving = true;
			kick(c, mb);
		}
		break;
	}
	case FAULT_RESET_OFFSETS:
		grp__reset_offsets(c, &c->groups[f->group], f);
		break;
	default:
		break;
	}
}

/* ---- messages ---------------------------------------------------------------------------- */

static void on_group_msg(struct cluster *c, struct member *mb, const struct grp_msg *r)
{
	switch (r->kind) {
	case GRP_FIND_COORDINATOR_RESP: on_find_resp(c, mb, r); break;
	case GRP_JOIN_RESP: on_join_resp(c, mb, r); break;
	case GRP_SYNC_RESP: on_sync_resp(c, mb, r); break;
	case GRP_HEARTBEAT_RESP: on_hb_resp(c, mb, r); break;
	case GRP_OFFSET_COMMIT_RESP: on_commit_resp(c, mb, r); break;
	case GRP_OFFSET_FETCH_RESP: on_offfetch_resp(c, mb, r); break;
	default: break;
	}
}

void cons__on_msg(struct cluster *c, struct member *mb, struct msg *m)
{
	if (m->bounced) { /* refused: a broker crash already told every member (group.c) */
		ks_free(m);
		return;
	}
	if (mb->active && mb->paused) { /* the process is frozen: handled when it resumes */
		if (mb->n_def == mb->cap_def) {
			mb->cap_def = mb->cap_def ? 2 * mb->cap_def : 16;
			mb->deferred = xrealloc(mb->deferred,
						(size_t)mb->cap_def * sizeof(*mb->deferred));
		}
		mb->deferred[mb->n_def++] = m;
		return;
	}
	if (mb->active) {
		if (m->type == MSG_FETCH_RESP) {
			on_fetch_resp(c, mb, (struct fetch_resp *)m);
		} else if (m->type == MSG_METADATA_RESP) {
			meta__apply(c, &mb->meta, m);
			for (int b = 1; b <= c->n_brokers; b++)
				if (mb->fetch_session[b - 1] == 0)
					fetch_forget(mb, b);
			send_fetches(c, mb);
		} else if (m->type == MSG_GROUP) {
			on_group_msg(c, mb, (const struct grp_msg *)m);
		}
	}
	ks_free(m);
}

/* ---- setup -------------------------------------------------------------------------------- */

static void group_init(struct cluster *c, struct group *g, int gi, int *node)
{
	const struct group_cfg *cfg = &c->sc->groups[gi];
	char name[KS_NAME_MAX + 32];
	g->cfg = cfg;
	g->idx = gi;
	g->topic = cfg->topic;
	g->n_parts = c->topics[g->topic].n_partitions;
	g->max_parts = c->topics[g->topic].max_partitions;
	snprintf(name, sizeof(name), "group/%s", cfg->name);
	g->rng = rng_stream_new(c->seed, name);
	size_t P = (size_t)g->max_parts;
	g->committed = xcalloc(P, sizeof(int64_t));
	g->processed = xcalloc(P, sizeof(struct rset));
	g->effects = xcalloc(P, sizeof(struct rset *));
	g->records_per_part = xcalloc(P, sizeof(int64_t));
	g->origin = xcalloc(P, sizeof(int64_t));
	g->cause = xcalloc(P, sizeof(enum grp_cause));
	g->unowned_since = xcalloc(P, sizeof(sim_time_ns));
	g->mark = xcalloc(P, sizeof(int));
	g->detect_ns_last = g->detect_ns_max = -1;
	for (size_t i = 0; i < P; i++) {
		g->committed[i] = g->origin[i] = g->unowned_since[i] = -1;
		rset_init(&g->processed[i]);
	}
	g->n_members = cfg->members;
	for (int i = 0; i < c->net.n_nodes; i++)
		g->cap_members += c->net.nodes[i].kind == NODE_MEMBER &&
				  c->net.nodes[i].group == gi;
	g->members = xcalloc((size_t)g->cap_members, sizeof(*g->members));
	for (int m = 0; m < g->cap_members; m++) {
		struct member *mb = &g->members[m];
		mb->idx = m;
		mb->g = g;
		mb->node = (*node)++;
		mb->slow_factor = 1.0;
		mb->coord = -1;
		mb->generation = mb->owned_gen = -1;
		mb->stop_since_ns = -1;
		mb->crash_ns = -1;
		snprintf(mb->name, sizeof(mb->name), "%s-%d", cfg->name, m + 1);
		mb->fetch_session = xcalloc((size_t)c->n_brokers, sizeof(uint64_t));
		mb->fetch_sent_ns = xcalloc((size_t)c->n_brokers, sizeof(sim_time_ns));
		mb->slot = xcalloc(P, sizeof(int));
		for (size_t i = 0; i < P; i++)
			mb->slot[i] = -1;
		meta__init(&mb->meta, g->n_parts, cfg->retry_backoff_ns, cfg->metadata_max_age_ns,
			   cfg->request_timeout_ns);
		for (int i = 0; i < g->n_parts; i++) {
			const struct partition *p = &c->parts[gpid(c, g, i)];
			mb->meta.leader[i] = p->leader;
			mb->meta.epoch[i] = p->leader_epoch;
		}
	}
	grp__init(c, g);
	grp__status_init(c, g);
}

void cons__init(struct cluster *c)
{
	c->n_groups = c->sc->n_groups;
	c->groups = xcalloc((size_t)c->n_groups, sizeof(*c->groups));
	int node = c->first_member_node;
	for (int gi = 0; gi < c->n_groups; gi++)
		group_init(c, &c->groups[gi], gi, &node);
}

void cons__start(struct cluster *c)
{
	for (int gi = 0; gi < c->n_groups; gi++)
		for (int m = 0; m < c->groups[gi].n_members; m++)
			member_start(c, &c->groups[gi].members[m]);
}

static void member_release(struct member *mb)
{
	for (int i = 0; i < mb->n_p; i++)
		free(mb->p[i].buf.b);
	free(mb->p);
	free(mb->slot);
	free(mb->prev);
	free(mb->pend);
	free(mb->wq);       /* the batches themselves are transient blocks */
	free(mb->deferred); /* so are deferred messages */
	free(mb->fetch_session);
	free(mb->fetch_sent_ns);
	meta__release(&mb->meta);
}

void cons__release(struct cluster *c)
{
	for (int gi = 0; gi < c->n_groups; gi++) {
		struct group *g = &c->groups[gi];
		for (int m = 0; m < g->cap_members; m++)
			member_release(&g->members[m]);
		for (int i = 0; i < g->max_parts; i++) {
			rset_release(&g->processed[i]);
			for (int k = 0; g->effects[i] && k <= c->n_producers; k++)
				rset_release(&g->effects[i][k]);
			free(g->effects[i]);
		}
		grp__status_release(g);
		grp__release(g);
		free(g->members);
		free(g->committed);
		free(g->processed);
		free(g->effects);
		free(g->records_per_part);
		free(g->origin);
		free(g->cause);
		free(g->unowned_since);
		free(g->mark);
		gsl_rng_free(g->rng);
	}
	free(c->groups);
}

void cons__topic_grew(struct cluster *c, int topic)
{
	for (int gi = 0; gi < c->n_groups; gi++) {
		struct group *g = &c->groups[gi];
		if (g->topic != topic)
			continue;
		g->n_parts = c->topics[topic].n_partitions;
		for (int m = 0; m < g->cap_members; m++) {
			meta__grow(&g->members[m].meta, g->n_parts);
			if (g->members[m].active)
				meta__request(c, &g->members[m].meta, g->members[m].node, topic);
		}
		/* the leader notices the new partition count and rejoins */
		if (g->leader >= 0 && g->members[g->leader].active)
			request_rejoin(c, &g->members[g->leader], "partitions added");
	}
}

/* ---- accessors ---------------------------------------------------------------------------- */

int cons_member_partitions(const struct cluster *c, int group, int member, int *out, int max)
{
	const struct member *mb = &c->groups[group].members[member];
	for (int k = 0; k < mb->n_p && k < max; k++)
		out[k] = mb->p[k].idx;
	return mb->n_p;
}

int cons_rebalances(const struct cluster *c, int group)
{
	return c->groups[group].n_rb;
}

const struct rb_record *cons_rebalance(const struct cluster *c, int group, int i)
{
	const struct group *g = &c->groups[group];
	return i >= 0 && i < g->n_rb ? &g->rb[i] : NULL;
}
