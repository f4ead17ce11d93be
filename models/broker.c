/*
 * broker.c - a Kafka broker's data plane: produce (ReplicaManager.appendRecords with
 * DelayedProduce for acks=all), fetch from followers and consumers (DelayedFetch, the
 * follower bookkeeping of kafka.cluster.Replica), the high watermark and ISR shrink/expand
 * of kafka.cluster.Partition, and the applying of controller metadata (becoming leader or
 * follower, KIP-101 truncation by leader epoch or the pre-0.11 truncation to the high
 * watermark). Fetches from followers and consumers alike are fenced by leader epoch
 * (KIP-320), and either may ask where an epoch ends instead of reading (an epoch query:
 * OffsetsForLeaderEpoch, for a follower's truncation or a consumer's position validation).
 *
 * Invariants (checked with SIM_ASSERT): hw <= leo on every replica; a leader is in its own
 * ISR; the HW never moves backwards on a leader; a leader's HW does not advance while the
 * ISR is smaller than min.insync.replicas (Kafka >= 3.7).
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "xmem.h"

/* ---- helpers ---------------------------------------------------------------------- */

#define BITS2(n) n, n + 1, n + 1, n + 2
#define BITS4(n) BITS2(n), BITS2(n + 1), BITS2(n + 1), BITS2(n + 2)
#define BITS6(n) BITS4(n), BITS4(n + 1), BITS4(n + 1), BITS4(n + 2)
const uint8_t ks_bits_in_byte[256] = { BITS6(0), BITS6(1), BITS6(1), BITS6(2) };

int broker__slot_of(const struct partition *p, int broker_id)
{
	for (int i = 0; i < p->rf; i++)
		if (p->replicas[i] == broker_id)
			return i;
	return -1;
}

/* The replica of b's h-th hosted partition. */
static struct replica *hosted_replica(const struct cluster *c, const struct broker *b, int h)
{
	return &c->parts[b->hosted[h]].rep[b->hosted_slot[h]];
}

static struct replica *local_replica(const struct cluster *c, const struct broker *b, int pid)
{
	int slot = broker__slot_of(&c->parts[pid], b->id);
	return slot < 0 ? NULL : &c->parts[pid].rep[slot];
}

/* b's replica of pid: a fetch entry's look-up hint when it has one (a partition's replica
 * set is fixed for the run), else the look-up through the partition; debug runs check the
 * hint against the look-up. */
static struct replica *hinted_replica(const struct cluster *c, const struct broker *b,
				      struct replica *hint, int pid)
{
	SIM_ASSERT(!hint || !c->checks || hint == local_replica(c, b, pid));
	return hint ? hint : local_replica(c, b, pid);
}

static void trace_part(struct cluster *c, struct jsonw *w, const struct partition *p)
{
	char name[KS_NAME_MAX + 16];
	part_name(c, p, name, sizeof(name));
	jsonw_kstr(w, "partition", name);
}

/* ---- metadata view -------------------------------------------------------------------- */

int broker__view_leader(const struct cluster *c, const struct broker *b, int pid,
			int32_t *epoch)
{
	const struct partition *p = &c->parts[pid];
	int lo = 0, hi = p->n_meta_hist;
	while (lo < hi) { /* last history entry with index < applied */
		int mid = (lo + hi) / 2;
		if ((int64_t)p->meta_hist[mid] < b->applied_meta)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		*epoch = -1;
		return -1;
	}
	const struct meta_change *mc = &c->meta_log[p->meta_hist[lo - 1]];
	*epoch = mc->leader_epoch;
	return mc->leader;
}

/* ---- fetchers (follower side) --------------------------------------------------------- */

static struct fetcher *fetcher_for(struct cluster *c, struct broker *b, int leader, int pid)
{
	int nf = c->sc->cluster.num_replica_fetchers;
	return &b->fetchers[(leader - 1) * nf + pid % nf];
}

static struct fetch_part *fetcher_parts(struct fetcher *f)
{
	return f->cap_parts > KS_FETCH_PARTS_INLINE ? f->parts_heap : f->parts_inline;
}

static void fetcher_remove(struct cluster *c, struct broker *b, struct replica *r, int pid)
{
	if (r->fetcher < 0)
		return;
	struct fetcher *f = &b->fetchers[r->fetcher];
	struct fetch_part *parts = fetcher_parts(f);
	for (int i = 0; i < f->n_parts; i++) {
		if (parts[i].pid == pid) {
			parts[i] = parts[--f->n_parts];
			break;
		}
	}
	r->fetcher = -1;
	(void)c;
}

static void fetcher_send(struct cluster *c, struct broker *b, struct fetcher *f);
static void fetch_due_arm(struct cluster *c, struct broker *b, sim_time_ns oldest);
static sim_time_ns fetch_limit(const struct cluster *c);

static void fetcher_add(struct cluster *c, struct broker *b, struct replica *r, int pid)
{
	fetcher_remove(c, b, r, pid);
	if (r->leader < 1 || r->leader == b->id)
		return;
	struct fetcher *f = fetcher_for(c, b, r->leader, pid);
	if (f->n_parts == f->cap_parts) { /* outgrow the inline array, or double */
		bool inline_parts = f->cap_parts <= KS_FETCH_PARTS_INLINE;
		f->cap_parts *= 2;
		f->parts_heap = xrealloc(inline_parts ? NULL : f->parts_heap,
					 (size_t)f->cap_parts * sizeof(*f->parts_heap));
		if (inline_parts)
			memcpy(f->parts_heap, f->parts_inline, sizeof(f->parts_inline));
	}
	struct partition *p = &c->parts[pid];
	int lslot = broker__slot_of(p, r->leader);
	struct replica *lr = lslot < 0 ? NULL : &p->rep[lslot];
	fetcher_parts(f)[f->n_parts++] =
		(struct fetch_part){ pid, r, lr, lr ? fv_of(lr, r->slot) : NULL };
	r->fetcher = (int)(f - b->fetchers);
	if (!f->in_flight)
		fetcher_send(c, b, f);
}

static void fetcher_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct fetcher *f = arg;
	f->timer = 0;
	f->reset_retry = false;
	f->in_flight = false;
	f->session++;
	struct broker *b = NULL;
	for (int i = 0; i < c->n_brokers && !b; i++) {
		struct broker *x = &c->brokers[i];
		if (f >= x->fetchers && f < x->fetchers + x->n_fetchers)
			b = x;
	}
	if (b && b->up)
		fetcher_send(c, b, f);
}

/* The fetch failed short of an answer (refused, reset, or answered with errors only):
 * fetch again after replica.fetch.backoff.ms (AbstractFetcherThread's backoff). */
static void fetcher_backoff(struct cluster *c, struct fetcher *f)
{
	if (f->timer)
		sim_cancel(c->sim, f->timer);
	f->timer = sim_after(c->sim, c->sc->cluster.replica_fetch_backoff_ns, fetcher_timeout_ev,
			     c, f);
}

static void fetcher_send(struct cluster *c, struct broker *b, struct fetcher *f)
{
	if (f->in_flight || f->n_parts == 0 || !b->up)
		return;
	struct fetch_req *q = ks_alloc(c, sizeof(*q) + (size_t)f->n_parts * sizeof(q->e[0]));
	q->replica = b->id;
	q->fetcher = (int)(f - b->fetchers);
	q->session = ++f->session;
	q->n = f->n_parts;
	const struct fetch_part *parts = fetcher_parts(f);
	for (int i = 0; i < f->n_parts; i++) {
		struct replica *r = parts[i].own;
		struct fetch_entry *e = &q->e[i];
		e->part = parts[i].pid;
		e->leader_rep = parts[i].leader;
		e->follower_rep = r;
		e->leader_fv = parts[i].fv;
		e->offset = r->log.leo;
		e->current_leader_epoch = r->leader_epoch;
		e->last_fetched_epoch = plog_last_epoch(&r->log);
		e->epoch_query = r->needs_truncation;
	}
	f->in_flight = true;
	f->sent_ns = sim_now(c->sim);
	if (!b->fetch_due_timer) /* none pending: this fetch is the oldest in flight */
		fetch_due_arm(c, b, f->sent_ns);
	b->fetch_reqs++;
	q->h.give_up_ns = f->sent_ns + fetch_limit(c);
	net__send(c, b->node, net__broker_node(c, f->leader), &q->h, MSG_FETCH_REQ,
		  64 + 32 * (int64_t)f->n_parts);
}

/* ---- purgatory deadlines ---------------------------------------------------------------- */

/* The purgatories (DelayedProduce, DelayedFetch) give every parked request a deadline, and
 * most requests complete long before it. Rather than a kernel timer per request, scheduled
 * and cancelled thousands of times a second, a broker keeps each purgatory's deadlines in a
 * list and one timer at the earliest, scheduled with that deadline's ticket (sim.h, lazy
 * timers): it fires exactly where the request's own timer would have. */
struct deadline { /* listed: prev set, or the list's head; unlisted: prev NULL */
	struct deadline *prev, *next;
	sim_time_ns at;
	sim_ticket ticket;
};
struct deadlines {
	struct deadline *head;
	sim_timer_id timer;
	sim_time_ns at;              /* the timer's time and ticket */
	sim_ticket ticket;
	sim_event_fn *fn;            /* fired with (cluster, broker) */
	struct broker *b;
};

static void dl_arm(struct cluster *c, struct deadlines *l)
{
	struct deadline *first = NULL;
	if (l->timer)
		sim_cancel(c->sim, l->timer);
	l->timer = 0;
	for (struct deadline *d = l->head; d; d = d->next)
		if (!first || d->at < first->at ||
		    (d->at == first->at && d->ticket < first->ticket))
			first = d;
	if (!first)
		return;
	l->at = first->at;
	l->ticket = first->ticket;
	l->timer = sim_schedule_ticket(c->sim, first->at, first->ticket, l->fn, c, l->b);
}

/* Give d the deadline sim_after(delay) would have, in the event order of now. */
static void dl_add(struct cluster *c, struct deadlines *l, struct deadline *d, sim_time_ns delay)
{
	d->at = sim_time_after(sim_now(c->sim), delay);
	d->ticket = sim_ticket_take(c->sim);
	d->prev = NULL;
	d->next = l->head;
	if (l->head)
		l->head->prev = d;
	l->head = d;
	if (l->timer && d->at >= l->at)
		return;
	if (l->timer)
		sim_cancel(c->sim, l->timer);
	l->at = d->at;
	l->ticket = d->ticket;
	l->timer = sim_schedule_ticket(c->sim, d->at, d->ticket, l->fn, c, l->b);
}

static void dl_del(struct deadlines *l, struct deadline *d)
{
	if (!d->prev && l->head != d)
		return; /* not listed */
	if (d->prev)
		d->prev->next = d->next;
	else
		l->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	d->prev = d->next = NULL;
}

/* In the timer's event: the deadline it fired for, if still pending (else NULL, and the
 * timer is re-armed). */
static struct deadline *dl_fired(struct cluster *c, struct deadlines *l)
{
	l->timer = 0;
	for (struct deadline *d = l->head; d; d = d->next)
		if (d->ticket == l->ticket && d->at <= sim_now(c->sim))
			return d;
	dl_arm(c, l);
	return NULL;
}

static struct deadlines *dl_new(struct broker *b, sim_event_fn *fn)
{
	struct deadlines *l = calloc(1, sizeof(*l));
	if (!l)
		abort();
	l->fn = fn;
	l->b = b;
	return l;
}

/* ---- high watermark and produce purgatory ------------------------------------------- */

struct pending_produce {
	struct deadline dl;          /* first: the request timeout */
	struct produce_resp *resp;   /* filled as entries complete */
	int waiting;                 /* entries not yet complete */
	int refs;                    /* waiter records pointing here */
	bool done;
	int broker, to_node;
};

/* KIP-951 (KafkaApis, getCurrentLeader): an answer with one of these errors names the
 * partition's leader as the answering broker's metadata has it, so that the client can go
 * there without waiting for a metadata refresh. */
static bool names_current_leader(enum ks_error err)
{
	return err == KERR_NOT_LEADER_OR_FOLLOWER || err == KERR_FENCED_LEADER_EPOCH;
}

/* ... for a produce response, as it is sent (entries without such an error keep theirs
 * unset: nothing reads it). */
static void name_current_leaders(const struct cluster *c, const struct broker *b,
				 struct produce_resp *resp)
{
	for (int i = 0; i < resp->n; i++) {
		struct produce_resp_entry *e = &resp->e[i];
		if (names_current_leader(e->err))
			e->leader = broker__view_leader(c, b, e->part, &e->leader_epoch);
	}
}

static void pp_maybe_send(struct cluster *c, struct pending_produce *pp)
{
	if (!pp->done && pp->waiting == 0) {
		pp->done = true;
		struct broker *b = &c->brokers[pp->broker - 1];
		dl_del(b->pp_due, &pp->dl);
		name_current_leaders(c, b, pp->resp);
		net__send(c, b->node, pp->to_node, &pp->resp->h, MSG_PRODUCE_RESP,
			  64 + 16 * (int64_t)pp->resp->n);
		pp->resp = NULL;
	}
	if (pp->done && pp->refs == 0)
		ks_free(pp);
}

static void pp_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct broker *b = arg;
	struct pending_produce *pp = (struct pending_produce *)dl_fired(c, b->pp_due);
	if (!pp)
		return;
	pp->waiting = 0; /* entries still waiting keep their provisional REQUEST_TIMED_OUT */
	pp_maybe_send(c, pp);
	dl_arm(c, b->pp_due);
}

/* Complete waiters whose required offset the HW reached (or all, with err, on loss of
 * leadership). */
static void complete_waiters(struct cluster *c, struct replica *r, int64_t hw,
			     enum ks_error err, int min_isr)
{
	while (r->pw_n > 0) {
		struct waiter *w = &r->pw[r->pw_head];
		if (err == KERR_NONE && w->required > hw)
			break;
		struct pending_produce *pp = w->pp;
		r->pw_head = (r->pw_head + 1) & (r->pw_cap - 1);
		r->pw_n--;
		pp->refs--;
		if (!pp->done) {
			struct produce_resp_entry *e = &pp->resp->e[w->entry];
			e->err = err;
			if (err == KERR_NONE && isr_count(r->isr) < min_isr)
				e->err = KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
			pp->waiting--;
		}
		pp_maybe_send(c, pp);
	}
}

/* The waiters form a ring whose capacity is a power of two (KS_PW_FIRST, doubled when
 * full): its indexes wrap by a mask, not a division. */
static void add_waiter(struct replica *r, struct pending_produce *pp, int entry, int64_t req,
		       bool dup)
{
	if (r->pw_n == r->pw_cap) {
		uint32_t ncap = 2 * r->pw_cap;
		struct waiter *nw = xrealloc(NULL, ncap * sizeof(*nw));
		for (size_t i = 0; i < r->pw_n; i++)
			nw[i] = r->pw[(r->pw_head + i) & (r->pw_cap - 1)];
		if (r->pw_cap > KS_PW_FIRST) /* else its first ring, in cluster.pw_pool */
			free(r->pw);
		r->pw = nw;
		r->pw_head = 0;
		r->pw_cap = ncap;
	}
	/* by required offset, as the HW completes them: an append's is above every earlier
	 * one's (the LEO was), but a duplicate waits for its original's offsets, below newer
	 * appends' (DelayedProduce completes each when the HW passes it, whatever came
	 * after). Only a duplicate reads the ring: for an append it is a store. */
	uint32_t mask = r->pw_cap - 1, i = r->pw_n;
	for (; dup && i > 0 && r->pw[(r->pw_head + i - 1) & mask].required > req; i--)
		r->pw[(r->pw_head + i) & mask] = r->pw[(r->pw_head + i - 1) & mask];
	r->pw[(r->pw_head + i) & mask] = (struct waiter){ req, pp, entry };
	r->pw_n++;
	pp->refs++;
}

static void wake_fetches(struct cluster *c, struct replica *r);
static void wake_appended(struct cluster *c, struct replica **appended, int n);

/* Partition.maybeIncrementLeaderHW: the minimum LEO over the (maximal) ISR, never while
 * the ISR is below min.insync.replicas. Completes the produces waiting for it; returns
 * whether it moved (parked fetches are the caller's to wake). */
/* A leader's followers outside the maximal ISR. */
static uint32_t outside_isr(const struct replica *r)
{
	return ((1u << r->rf) - 1) & ~(r->isr | r->isr_pending) & ~(1u << r->slot);
}

static int64_t hw_target(const struct cluster *c, const struct partition *p,
			 const struct replica *r)
{
	SIM_ASSERT(!c->checks || /* the copies (kafka.h) */
		   (r->rf == p->rf && r->min_isr == c->topics[p->topic].min_isr &&
		    p->replicas[r->slot] == r->broker));
	if (isr_count(r->isr) < r->min_isr)
		return -1;
	/* the other members: their slots' bits, visited lowest first */
	uint32_t followers = ((1u << r->rf) - 1) & ~(1u << r->slot);
	uint32_t others = (r->isr | r->isr_pending) & followers;
	uint32_t out = followers ^ others; /* outside_isr(r) */
	int64_t hw = r->log.leo;
	for (; others; others &= others - 1) {
		int64_t leo = fv_of(r, __builtin_ctz(others))->leo;
		if (leo < hw)
			hw = leo;
	}
	/* and a replica about to join (shouldWaitForReplicaToJoinIsr): caught up within
	 * replica.lag.time.max.ms and eligible (its broker not fenced), so that a rejoining
	 * follower's LEO can reach the HW it must reach to rejoin */
	if (out) {
		sim_time_ns now = sim_now(c->sim), lag = c->sc->cluster.replica_lag_time_max_ns;
		for (; out; out &= out - 1) {
			int i = __builtin_ctz(out);
			const struct follower_view *fv = fv_of(r, i);
			if (fv->leo >= 0 && fv->leo < hw && now - fv->last_caught_up_ns <= lag &&
			    broker__active(&c->brokers[p->replicas[i] - 1]))
				hw = fv->leo;
		}
	}
	return hw;
}

static bool advance_hw(struct cluster *c, struct partition *p, struct replica *r)
{
	int64_t hw = hw_target(c, p, r);
	if (hw <= r->hw)
		return false;
	r->hw = hw;
	SIM_ASSERT(r->hw <= r->log.leo);
	complete_waiters(c, r, hw, KERR_NONE, r->min_isr);
	return true;
}

static void maybe_advance_hw(struct cluster *c, struct partition *p, struct replica *r)
{
	if (advance_hw(c, p, r))
		wake_fetches(c, r);
}

/* ---- ISR changes (AlterPartition) ----------------------------------------------------- */

/* AlterPartitionManager over NodeToControllerChannelManager. A proposed ISR change is an
 * item (unsentIsrUpdates) kept until a response answers it, whatever the partition does
 * meanwhile; while it is kept, the partition's next proposal is not attempted
 * (OPERATION_NOT_ATTEMPTED: the partition stays as committed). A broker has one
 * AlterPartition request out at a time, carrying every item kept when it went; items
 * proposed meanwhile wait for its answer. The request goes to the active controller, or
 * waits for one (broker__controller_changed); it is sent again, the same items, when
 * unanswered for CONTROLLER_TIMEOUT_NS or when the active controller's process died (the
 * channel puts a disconnected request back first in its queue). The partition is pending
 * (the HW counts the maximal ISR) from the proposal until an answer or new metadata. */
#define CONTROLLER_TIMEOUT_NS (30 * SIM_S) /* controller.socket.timeout.ms */

static void alter_due_ev(struct sim *s, void *subject, void *arg);

/* Send (again) the request in flight, whose items are marked alter_in_req. */
static void alter_transmit(struct cluster *c, struct broker *b)
{
	sim_cancel(c->sim, b->alter_due_timer);
	b->alter_due_timer = 0;
	if (!c->ctl.active)
		return;
	int n = 0;
	for (int h = 0; h < b->n_hosted; h++)
		n += hosted_replica(c, b, h)->alter_in_req;
	struct alter_partition *a = ks_alloc(c, sizeof(*a) + (size_t)n * sizeof(a->e[0]));
	a->broker = b->id;
	a->req_id = ++b->alter_req_id;
	for (int h = 0; h < b->n_hosted; h++) {
		const struct replica *r = hosted_replica(c, b, h);
		if (!r->alter_in_req)
			continue;
		a->e[a->n++] = (struct alter_entry){ .part = b->hosted[h],
						     .leader_epoch = r->alter_leader_epoch,
						     .partition_epoch = r->alter_partition_epoch,
						     .new_isr = r->alter_isr };
	}
	a->h.give_up_ns = sim_now(c->sim) + CONTROLLER_TIMEOUT_NS;
	net__send(c, b->node, net__controller_node(c, c->ctl.active), &a->h,
		  MSG_ALTER_PARTITION, 64 + 16 * (int64_t)n);
	b->alter_due_timer = sim_after(c->sim, CONTROLLER_TIMEOUT_NS, alter_due_ev, c, b);
}

static void alter_due_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct broker *b = arg;
	b->alter_due_timer = 0;
	alter_transmit(subject, b);
}

/* maybePropagateIsrChanges: unless a request is out, one with every item kept. */
static void alter_propagate(struct cluster *c, struct broker *b)
{
	if (b->alter_inflight)
		return;
	bool any = false;
	for (int h = 0; h < b->n_hosted; h++) {
		struct replica *r = hosted_replica(c, b, h);
		r->alter_in_req = r->alter_queued;
		any |= r->alter_queued;
	}
	if (!any)
		return;
	b->alter_inflight = true;
	alter_transmit(c, b);
}

/* AlterPartitionManager.submit: propose new_isr for r's partition. */
static void alter_submit(struct cluster *c, struct broker *b, struct replica *r,
			 uint32_t new_isr)
{
	if (r->alter_queued) /* the last item is unanswered: not attempted */
		return;
	r->alter_queued = true;
	r->alter_isr = (uint16_t)new_isr;
	r->alter_leader_epoch = r->leader_epoch;
	r->alter_partition_epoch = r->partition_epoch;
	r->isr_pending = (uint16_t)new_isr;
	alter_propagate(c, b);
}

/* An item's answer, for the partition (Partition.handleAlterPartitionUpdate and
 * handleAlterPartitionError): heeded only while the partition is still pending (which,
 * while the item was kept, can only be this proposal). Committed: the answer's state, if
 * of this leader epoch and no older than the partition's; refused as ineligible: back to
 * the committed state; refused otherwise (a stale epoch): pending until new metadata. */
static void alter_answered(struct cluster *c, struct partition *p, struct replica *r,
			   const struct alter_resp_entry *e)
{
	if (!r->is_leader || !r->isr_pending)
		return;
	if (e->err == ALTER_INELIGIBLE_REPLICA) {
		r->isr_pending = 0;
	} else if (e->err == ALTER_OK && e->leader_epoch == r->leader_epoch &&
		   e->partition_epoch >= r->partition_epoch) {
		r->isr = (uint16_t)e->isr;
		r->partition_epoch = e->partition_epoch;
		r->isr_pending = 0;
	} else {
		return;
	}
	maybe_advance_hw(c, p, r);
}

static void on_alter_resp(struct cluster *c, struct broker *b, struct alter_partition_resp *m)
{
	/* an answer to a request given up (timed out: its connection closed) never arrives */
	if (!b->alter_inflight || m->req_id != b->alter_req_id)
		return;
	sim_cancel(c->sim, b->alter_due_timer);
	b->alter_due_timer = 0;
	b->alter_inflight = false;
	for (int i = 0; i < m->n; i++) {
		struct partition *p = &c->parts[m->e[i].part];
		struct replica *r = local_replica(c, b, m->e[i].part);
		if (!r || !r->alter_in_req)
			continue;
		r->alter_queued = r->alter_in_req = false;
		alter_answered(c, p, r, &m->e[i]);
	}
	alter_propagate(c, b);
}

/* replica.socket.timeout.ms: a fetch unanswered this long past the longest time the leader
 * may hold it is abandoned and sent again. */
#define FETCH_TIMEOUT_NS (30 * SIM_S)

/* A replica fetch unanswered FETCH_TIMEOUT_NS past the longest time the leader may hold
 * it (a lost request or response) is abandoned and sent again, when its time comes: one
 * timer a broker, at the oldest fetch in flight's deadline (a later fetch's is later),
 * armed by a fetch sent while none is pending and again after each pass. */
static sim_time_ns fetch_limit(const struct cluster *c)
{
	return c->sc->cluster.replica_fetch_wait_max_ns + FETCH_TIMEOUT_NS;
}

static void fetch_due_ev(struct sim *s, void *subject, void *arg);

static void fetch_due_arm(struct cluster *c, struct broker *b, sim_time_ns oldest)
{
	/* abandoned once more than the limit has passed */
	b->fetch_due_timer = sim_schedule(c->sim, oldest + fetch_limit(c) + 1, fetch_due_ev, c,
					  b);
}

static void fetch_due_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct broker *b = arg;
	sim_time_ns now = sim_now(s), limit = fetch_limit(c), oldest = SIM_TIME_MAX;
	b->fetch_due_timer = 0;
	for (int i = 0; i < b->n_fetchers; i++) {
		struct fetcher *f = &b->fetchers[i];
		if (!f->in_flight || f->timer) /* a pending timer sends it again itself */
			continue;
		if (now - f->sent_ns > limit)
			f->timer = sim_after(s, 0, fetcher_timeout_ev, c, f);
		else if (f->sent_ns < oldest)
			oldest = f->sent_ns;
	}
	if (oldest != SIM_TIME_MAX)
		fetch_due_arm(c, b, oldest);
}

/* The shrink check of Partition.maybeShrinkIsr, run every replica.lag.time.max.ms / 2. */
static void isr_check_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct broker *b = arg;
	sim_time_ns now = sim_now(s), lag = c->sc->cluster.replica_lag_time_max_ns;
	b->isr_timer = sim_after(s, lag / 2, isr_check_ev, c, b);
	for (int h = 0; h < b->n_hosted; h++) {
		struct partition *p = &c->parts[b->hosted[h]];
		struct replica *r = &p->rep[b->hosted_slot[h]];
		if (!r->is_leader || r->isr_pending)
			continue;
		uint32_t out = 0;
		for (int i = 0; i < p->rf; i++) {
			if (!(r->isr & (1u << i)) || p->replicas[i] == b->id)
				continue;
			const struct follower_view *fv = fv_of(r, i);
			if (fv->leo != r->log.leo && now - fv->last_caught_up_ns > lag)
				out |= 1u << i;
		}
		if (out)
			alter_submit(c, b, r, r->isr & ~out);
	}
}

/* Partition.maybeExpandIsr: a follower whose LEO reached the HW and the start of the
 * current leader epoch rejoins. */
static void maybe_expand_isr(struct cluster *c, struct broker *b, struct partition *p,
			     struct replica *r, int slot)
{
	if (r->isr & (1u << slot) || r->isr_pending)
		return;
	int64_t epoch_start = plog_epoch_start(&r->log, r->leader_epoch);
	const struct follower_view *fv = fv_of(r, slot);
	if (fv->leo >= r->hw && fv->leo >= epoch_start &&
	    broker__active(&c->brokers[p->replicas[slot] - 1]))
		alter_submit(c, b, r, r->isr | (1u << slot));
}

/* ---- idempotent producer state --------------------------------------------------------- */

static struct pstate *pstate_at(struct replica *r, int i)
{
	return i == 0 ? &r->ps0 : &r->ps[i - 1];
}

/* The first producer's state is found without reading n_ps (on another line of the
 * replica): ps0.producer is -1 while n_ps is 0. */
static struct pstate *pstate_of(struct replica *r, int producer, bool create)
{
	if (r->ps0.producer == producer)
		return &r->ps0;
	for (int i = 1; i < r->n_ps; i++)
		if (pstate_at(r, i)->producer == producer)
			return pstate_at(r, i);
	if (!create)
		return NULL;
	if (r->n_ps > 0)
		r->ps = xrealloc(r->ps, (size_t)r->n_ps * sizeof(*r->ps));
	struct pstate *s = pstate_at(r, r->n_ps++);
	memset(s, 0, sizeof(*s));
	s->producer = producer;
	return s;
}

/* Ring index of the oldest batch kept, and the one after i. */
static int pstate_oldest(const struct pstate *s)
{
	int i = s->newest - (s->n - 1);
	return i < 0 ? i + KS_PSTATE_BATCHES : i;
}

static int pstate_next(int i)
{
	return i + 1 < KS_PSTATE_BATCHES ? i + 1 : 0;
}

/* The batches kept stop continuing each other: give each its own sequence and offset. */
static void pstate_spread(struct pstate *s)
{
	int64_t seq = s->seq0, base = s->base0;
	for (int j = 0, i = pstate_oldest(s); j < s->n; j++, i = pstate_next(i)) {
		s->first_seq[i] = seq;
		s->base[i] = base;
		seq += s->count[i];
		base += s->count[i];
	}
	s->full = true;
}

static void pstate_note(struct replica *r, const struct batch *bt)
{
	if (bt->producer < 0)
		return;
	struct pstate *s = pstate_of(r, bt->producer, true);
	if (bt->producer_epoch != s->epoch) { /* a new epoch starts a new sequence */
		s->epoch = bt->producer_epoch;
		s->n = 0;
	}
	int i = pstate_next(s->newest); /* when 5 are kept, the oldest goes */
	if (s->n == 0) {
		s->full = false;
		s->epoch_seq0 = bt->proto_seq;
		s->seq0 = bt->proto_seq;
		s->base0 = bt->base;
		s->kept = 0;
	} else if (!s->full) {
		if (bt->proto_seq != s->seq0 + s->kept || bt->base != s->base0 + s->kept) {
			pstate_spread(s);
		} else if (s->n == KS_PSTATE_BATCHES) {
			s->seq0 += s->count[i];
			s->base0 += s->count[i];
			s->kept -= s->count[i];
		}
	}
	s->kept += bt->count; /* read only while not full */
	s->newest = (uint8_t)i;
	s->count[i] = bt->count;
	if (s->full) {
		s->first_seq[i] = bt->proto_seq;
		s->base[i] = bt->base;
	}
	if (s->n < KS_PSTATE_BATCHES)
		s->n++;
}

/* Rebuild from the log after a truncation (ProducerStateManager reloads from the log). */
static void pstate_rebuild(struct replica *r)
{
	r->n_ps = 0;
	r->ps0.producer = -1;
	for (size_t i = r->log.head; i < r->log.n; i++)
		pstate_note(r, plog_batch(&r->log, i));
}

/* Returns NONE (append), DUPLICATE (already in the log at *base), OUT_OF_ORDER, or
 * INVALID_PRODUCER_EPOCH for a batch from an epoch older than the broker has seen. */
static enum ks_error pstate_check(struct replica *r, int producer, int32_t epoch,
				  int64_t first_seq, int32_t count, int64_t *base)
{
	struct pstate *s = pstate_of(r, producer, false);
	if (!s || s->n == 0)
		return KERR_NONE;
	if (epoch > s->epoch) /* ProducerAppendInfo.checkSequence: a new epoch starts at 0 */
		return first_seq == 0 ? KERR_NONE : KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	if (epoch < s->epoch)
		return KERR_INVALID_PRODUCER_EPOCH;
	/* the next batch of a state whose batches continue each other cannot repeat one */
	if (!s->full && first_seq == s->seq0 + s->kept && count > 0)
		return KERR_NONE;
	int64_t seq = s->seq0, off = s->base0, newest_last = 0, oldest_base = -1;
	for (int j = 0, i = pstate_oldest(s); j < s->n; j++, i = pstate_next(i)) { /* oldest first */
		if (s->full) {
			seq = s->first_seq[i];
			off = s->base[i];
		}
		if (j == 0)
			oldest_base = off;
		/* a kept batch, or a part of one: a follower's log merges a producer's continuing
		 * batches and its state is built from the log, so a leader elected from it may
		 * keep several produce batches as one */
		if (first_seq >= seq && first_seq + count <= seq + s->count[i] && count > 0) {
			*base = off + (first_seq - seq);
			return KERR_DUPLICATE_SEQUENCE_NUMBER;
		}
		newest_last = seq + s->count[i] - 1;
		seq += s->count[i];
		off += s->count[i];
	}
	/* Older than the batches kept but not older than the epoch's first: written, in
	 * order, before the oldest of them (the sequences of an epoch are appended in order
	 * from its first). Kafka keeps produce batches, not merged ones, and answers these
	 * OUT_OF_ORDER_SEQUENCE_NUMBER; with merged batches kept, a retry of one of them
	 * looks older, so here it is a duplicate, answered (under acks=all) once the HW
	 * passes the oldest kept batch. Older than the epoch's first it was never written:
	 * a broker takes any first sequence from a producer it has no state for
	 * (ProducerAppendInfo.checkSequence), so a retry of an earlier batch can come after
	 * a later one was appended, and is out of order. */
	if (first_seq < s->epoch_seq0)
		return KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	if (first_seq + count - 1 <= newest_last) {
		*base = oldest_base - count;
		return KERR_DUPLICATE_SEQUENCE_NUMBER;
	}
	return first_seq == newest_last + 1 ? KERR_NONE : KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
}

/* ---- appends ---------------------------------------------------------------------------- */

/* Appends go to the page cache at once; the disk writes them back at its throughput. An
 * append waits only while the disk is stalled (a `slow` fault) or while the write-back
 * backlog exceeds DIRTY_BACKLOG_NS of disk time (the kernel's dirty limit). Returns when
 * the append may happen: now, or later. */
#define DIRTY_BACKLOG_NS SIM_S

static sim_time_ns append_at(struct cluster *c, struct broker *b, int64_t bytes)
{
	sim_time_ns now = sim_now(c->sim), start = b->disk_free_ns > now ? b->disk_free_ns : now;
	if (b->stall_until_ns > start)
		start = b->stall_until_ns;
	int64_t bw = c->sc->cluster.disk_bytes_per_s;
	sim_time_ns end = sim_time_plus(start, bw > 0 ? (sim_time_ns)((double)bytes * 1e9 /
										 (double)bw) : 0);
	b->disk_free_ns = end;
	if (b->stall_until_ns > now)
		return b->stall_until_ns;
	return end - now > DIRTY_BACKLOG_NS ? end - DIRTY_BACKLOG_NS : now;
}

/* A flush by Kafka (not the OS): the log is on disk to its end; flush.messages counts
 * again from here. */
static void flush_log(struct cluster *c, struct replica *r)
{
	r->log.flushed = r->log.leo;
	r->log.flush_left = r->flush_messages;
	r->last_flush_ns = sim_now(c->sim);
}

/* flush.messages (log.flush.interval.messages): a log flushes itself to its end once that
 * many records came since its last flush. A countdown, so that an append reads no topic. */
static void note_flush(struct cluster *c, struct replica *r, int32_t count)
{
	r->log.flush_left -= count;
	if (r->log.flush_left <= 0)
		flush_log(c, r);
}

/* Append one produce entry; returns its base offset. */
static int64_t leader_append(struct cluster *c, struct partition *p, struct replica *r,
			     const struct produce_entry *e, int producer)
{
	sim_time_ns now = sim_now(c->sim);
	struct batch proto = {
		.first_seq = e->first_seq, .proto_seq = e->proto_seq, .bytes = e->bytes,
		.create_ns = e->create_ns,
		.last_create_ns = e->last_create_ns, .first_append_ns = now, .append_ns = now,
		.count = e->count, .epoch = r->leader_epoch, .producer = producer,
		.producer_epoch = e->producer_epoch,
	};
	proto.base = plog_append(&r->log, &proto);
	pstate_note(r, &proto);
	note_flush(c, r, e->count);
	p->records_appended += e->count;
	return proto.base;
}

struct produce_work {         /* a produce request waiting for the disk */
	struct produce_req *req;
	struct broker *b;
};

static void produce_append_ev(struct sim *s, void *subject, void *arg);

static void on_produce(struct cluster *c, struct broker *b, struct produce_req *q)
{
	b->produce_reqs++;
	int64_t bytes = 0;
	for (int i = 0; i < q->n; i++)
		bytes += q->e[i].bytes;
	struct produce_work *w = ks_alloc(c, sizeof(*w));
	w->req = q;
	w->b = b;
	sim_time_ns at = append_at(c, b, bytes);
	if (at <= sim_now(c->sim))
		produce_append_ev(c->sim, c, w);
	else
		sim_schedule(c->sim, at, produce_append_ev, c, w);
}

/* One partition of a produce request; writes the outcome into resp->e[i]. An acks=all
 * entry that must wait for the HW keeps a provisional REQUEST_TIMED_OUT until a waiter
 * completes it. */
static void produce_one(struct cluster *c, struct broker *b, struct produce_req *q, int i,
			struct pending_produce *pp, struct produce_resp_entry *out,
			struct replica **appended)
{
	const struct produce_entry *e = &q->e[i];
	struct partition *p = &c->parts[e->part];
	struct replica *r = local_replica(c, b, e->part);
	const struct topic *t = &c->topics[p->topic];
	out->part = e->part;
	out->base = -1;
	out->err = KERR_NONE;
	if (!r || !r->is_leader) {
		out->err = KERR_NOT_LEADER_OR_FOLLOWER;
		return;
	}
	if (q->acks == ACKS_ALL && isr_count(r->isr) < t->min_isr) {
		out->err = KERR_NOT_ENOUGH_REPLICAS;
		return;
	}
	if (q->idempotent) {
		int64_t base = -1;
		enum ks_error pe = pstate_check(r, q->producer, e->producer_epoch, e->proto_seq,
						e->count, &base);
		if (pe == KERR_DUPLICATE_SEQUENCE_NUMBER) {
			out->base = base; /* already appended: never written twice */
			/* acks=all answers it once the HW passes it, as it would have the
			 * original: the append's offsets are the original's (the duplicate's
			 * LogAppendInfo), which DelayedProduce waits for */
			if (q->acks == ACKS_ALL && pp && base + e->count > r->hw) {
				out->err = KERR_REQUEST_TIMED_OUT;
				pp->waiting++;
				add_waiter(r, pp, i, base + e->count, true);
			}
			return;
		}
		if (pe != KERR_NONE) {
			out->err = pe;
			return;
		}
	}
	out->base = leader_append(c, p, r, e, q->producer);
	if (q->acks == ACKS_ALL && pp) {
		out->err = KERR_REQUEST_TIMED_OUT;
		pp->waiting++;
		add_waiter(r, pp, i, out->base + e->count, false);
	}
	/* An append moves only the leader's LEO, and the HW was computed from every input
	 * since: with a follower in the maximal ISR (its LEO at most the old LEO), the HW
	 * cannot move - unless a follower outside it, waited for, is no longer caught up
	 * (Kafka recomputes after every append). Debug runs check the shortcut. */
	if (((r->isr | r->isr_pending) & ~(1u << r->slot)) == 0 || outside_isr(r))
		advance_hw(c, p, r);
	else
		SIM_ASSERT(!c->checks || hw_target(c, p, r) <= r->hw);
	*appended = r;
}

/* A produce request names tens of partitions in a large cluster, each a chain of cache
 * misses (partition, replica, producer state, parked fetches): produce_append_ev asks for
 * entry i + 4's partition (stage 0), i + 2's replica (1: the partition's line is there by
 * then) and i + 1's parked fetches (2: the replica's line is) while it appends entry i. */
static void produce_warm(const struct cluster *c, const struct broker *b,
			 const struct produce_req *q, int i, int stage)
{
	if (stage == 0) {
		sim_prefetch(&c->parts[q->e[i].part], sizeof(c->parts[0]));
		return;
	}
	const struct replica *r = local_replica(c, b, q->e[i].part);
	if (!r)
		return;
	if (stage == 1) {
		sim_prefetch(r, 256);
		sim_prefetch(&r->ps0, 64); /* its first line: pstate */
		return;
	}
	for (int k = 0; k < r->n_fw && k < KS_FW_INLINE; k++) /* the replica's line is here */
		__builtin_prefetch(r->fw[k]);
}

/* The warming ahead of appending entry i (the first entry also starts the pipeline). */
static void produce_ahead(const struct cluster *c, const struct broker *b,
			  const struct produce_req *q, int i)
{
	for (int k = i == 0 ? 0 : i + 4; k <= i + 4 && k < q->n; k++)
		produce_warm(c, b, q, k, 0);
	if (i + 2 < q->n)
		produce_warm(c, b, q, i + 2, 1);
	if (i + 1 < q->n)
		produce_warm(c, b, q, i + 1, 2);
}

static void produce_append_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct produce_work *w = arg;
	struct produce_req *q = w->req;
	struct broker *b = w->b;
	ks_free(w);
	if (!b->up || q->h.to_incarnation != c->net.nodes[b->node].incarnation) {
		ks_free(q);
		return;
	}
	struct produce_resp *resp = ks_alloc(c, sizeof(*resp) + (size_t)q->n * sizeof(resp->e[0]));
	resp->req_id = q->req_id;
	resp->n = q->n;
	resp->h.give_up_ns = q->h.give_up_ns; /* for an answer sent once the request is gone */
	struct pending_produce *pp = NULL;
	if (q->acks == ACKS_ALL) {
		pp = ks_alloc(c, sizeof(*pp));
		pp->resp = resp;
		pp->broker = b->id;
		pp->to_node = q->h.from;
		pp->waiting = 1; /* held until every entry is processed */
	}
	/* ReplicaManager.appendRecords appends every partition first and leaves the parked
	 * fetches to its ActionQueue, run once the request is handled: a follower woken by
	 * this request reads all of it in one fetch. */
	struct replica *appended[q->n > 0 ? q->n : 1];
	for (int i = 0; i < q->n; i++) {
		if (c->warm)
			produce_ahead(c, b, q, i);
		appended[i] = NULL;
		produce_one(c, b, q, i, pp, &resp->e[i], &appended[i]);
	}
	wake_appended(c, appended, q->n);
	if (q->acks == ACKS_0) {
		/* no response to carry an error: KafkaApis.handleProduceRequest closes the
		 * connection instead, so that the producer refreshes its metadata */
		bool failed = false;
		for (int i = 0; i < q->n; i++)
			failed |= resp->e[i].err != KERR_NONE;
		ks_free(resp);
		if (failed) { /* naming the connection: a late close must not close a newer one */
			struct conn_msg *cm = ks_alloc(c, sizeof(*cm));
			cm->attempt = q->conn;
			net__send(c, b->node, q->h.from, &cm->h, MSG_CONN_CLOSED, 64);
		}
	} else if (!pp) {
		name_current_leaders(c, b, resp);
		net__answer(c, &q->h, &resp->h, MSG_PRODUCE_RESP, 64 + 16 * (int64_t)q->n);
	} else {
		pp->waiting--;
		if (pp->waiting > 0)
			dl_add(c, b->pp_due, &pp->dl, q->timeout_ns);
		pp_maybe_send(c, pp);
	}
	ks_free(q);
}

/* ---- fetch (leader side): FetchRequest, DelayedFetch ------------------------------------ */

struct pending_fetch {
	struct deadline dl;     /* first: the longest wait */
	struct fetch_req *req;
	struct broker *b;
	uint64_t gen;           /* b->fetch_gen when last found without data (a follower's) */
	int refs;               /* watch records pointing here */
	bool done;
	bool follower;          /* req->replica > 0, kept here to spare reading req */
	bool counts_bytes;      /* its min bytes exceed 1: an append alone may not answer it */
};
_Static_assert(sizeof(struct pending_fetch) == 64, "a parked fetch is one cache line (pool.h)");

/* Parked fetches come from a pool of their own (c->pf_pool), dense and reused most
 * recently freed first: a wake-up reads every fetch watching a partition, done ones
 * included, and in a large cluster these reads, scattered among the messages, were a
 * cache miss each. */
static struct pending_fetch *pf_new(struct cluster *c)
{
	if (c->pf_pool.size == 0)
		pool_init(&c->pf_pool, sizeof(struct pending_fetch));
	return pool_take(&c->pf_pool);
}

/* Replica.updateFetchState: the last-caught-up rule of KAFKA-FACTS.md. */
static void update_follower(struct cluster *c, struct broker *b, struct partition *p,
			    struct replica *r, int slot, int64_t offset)
{
	sim_time_ns now = sim_now(c->sim);
	struct follower_view *fv = fv_of(r, slot);
	if (offset >= r->log.leo)
		fv->last_caught_up_ns = now;
	else if (offset >= fv->last_fetch_leader_leo)
		fv->last_caught_up_ns = fv->last_fetch_ns > fv->last_caught_up_ns ?
						fv->last_fetch_ns : fv->last_caught_up_ns;
	fv->last_fetch_leader_leo = r->log.leo;
	fv->last_fetch_ns = now;
	int64_t before = fv->leo;
	uint32_t pending = r->isr_pending;
	fv->leo = offset;
	maybe_expand_isr(c, b, p, r, slot);
	/* The HW is recomputed after every change of what it depends on (the leader's LEO,
	 * the followers' LEOs, the ISR): unless this follower moved forward or the maximal
	 * ISR grew, it cannot move (a parked fetch answered at the same offset, a follower
	 * that got nothing). Debug runs check the shortcut. */
	if (offset > before || r->isr_pending != pending)
		maybe_advance_hw(c, p, r);
	else /* as Kafka: recomputed only when the follower's LEO moved (a follower outside
	      * the ISR no longer caught up frees the HW at the next recomputation) */
		SIM_ASSERT(!c->checks || outside_isr(r) || hw_target(c, p, r) <= r->hw);
}

/* Check one entry against the leader's state; NONE when data may be read. */
static enum ks_error fetch_check(struct cluster *c, struct broker *b, const struct fetch_req *q,
				 const struct fetch_entry *e, struct replica **out)
{
	struct replica *r = hinted_replica(c, b, e->leader_rep, e->part);
	*out = r;
	if (!r || !r->is_leader)
		return KERR_NOT_LEADER_OR_FOLLOWER;
	/* KIP-320: a fetch names the leader epoch its sender believes current; consumers too
	 * (from their metadata; -1, unknown, is not checked: Kafka's Optional.empty) */
	int32_t want = e->current_leader_epoch;
	if (want != r->leader_epoch && (want >= 0 || q->replica > 0))
		return want < r->leader_epoch ? KERR_FENCED_LEADER_EPOCH :
						KERR_UNKNOWN_LEADER_EPOCH;
	/* out of range is judged against the log end for consumers too (Kafka's
	 * readRecords): a consumer ahead of a new leader's lagging high watermark gets no
	 * data yet, not a reset */
	if (e->offset < r->log.log_start || e->offset > r->log.leo)
		return e->epoch_query ? KERR_NONE : KERR_OFFSET_OUT_OF_RANGE;
	return KERR_NONE;
}

static bool fetch_has_data(struct cluster *c, struct broker *b, const struct fetch_req *q)
{
	for (int i = 0; i < q->n; i++) {
		struct replica *r;
		enum ks_error err = fetch_check(c, b, q, &q->e[i], &r);
		if (err != KERR_NONE || q->e[i].epoch_query)
			return true; /* errors and epoch answers are returned at once */
		int64_t end = q->replica > 0 ? r->log.leo : r->hw;
		if (end > q->e[i].offset)
			return true;
	}
	return false;
}

/* A fetch's limits: the follower's replica.fetch.* or the consumer's fetch.* settings. */
struct fetch_limits {
	int64_t min_bytes, max_bytes, part_max_bytes;
	sim_time_ns max_wait_ns;
};

static struct fetch_limits fetch_limits(const struct cluster *c, const struct fetch_req *q)
{
	if (q->replica > 0) {
		const struct cluster_cfg *cc = &c->sc->cluster;
		return (struct fetch_limits){ cc->replica_fetch_min_bytes,
					      cc->replica_fetch_max_bytes,
					      cc->replica_fetch_max_bytes,
					      cc->replica_fetch_wait_max_ns };
	}
	const struct group_cfg *g = c->groups[q->group].cfg;
	return (struct fetch_limits){ g->fetch_min_bytes, g->fetch_max_bytes,
				      g->max_partition_fetch_bytes, g->fetch_max_wait_ns };
}

/* Count the batches a response will copy for one entry, up to the byte limits. */
static int fetch_span(const struct replica *r, int64_t offset, int64_t end, int64_t part_max,
		      int64_t *budget, size_t *first)
{
	size_t i = plog_find(&r->log, offset);
	*first = i;
	if (i == (size_t)-1 || offset >= end)
		return 0;
	int n = 0;
	int64_t bytes = 0;
	for (; i < r->log.n; i++) {
		const struct batch *bt = plog_batch(&r->log, i);
		if (bt->base >= end)
			break;
		int64_t bb = bt->bytes;
		if (n > 0 && (bytes + bb > part_max || bb > *budget))
			break;
		bytes += bb;
		*budget -= bb;
		n++;
	}
	return n;
}

/* Cut batch t, the k-th a response copies for an entry read from offset up to end, to
 * what the response sends of it. */
SIM_ALWAYS_INLINE void fetch_cut(struct batch *t, int k, int64_t offset, int64_t end,
				 int64_t part_max)
{
	if (k == 0 && t->base < offset) /* start mid-batch: send the tail */
		plog_slice(t, offset, t->base + t->count);
	if (t->base + t->count > end) /* never past the high watermark */
		plog_slice(t, t->base, end);
	if (k == 0 && t->bytes > part_max && t->count > 1) {
		/* a merged batch larger than the fetch allows: send what fits */
		int64_t n = t->count * part_max / t->bytes;
		plog_slice(t, t->base, t->base + (n > 0 ? n : 1));
	}
}

/* DelayedFetch.tryComplete's test when min bytes exceed 1: an error or an epoch answer
 * completes the fetch at once, else the bytes readable over its partitions, each counted up
 * to the partition's max bytes, must reach min_bytes (not the response's total budget:
 * Kafka's accumulatedSize sums min(available, partition max) whatever fetch.max.bytes
 * allows). The bytes readable are cut as a response would cut them (mid-batch starts, the
 * HW for consumers). */
static bool fetch_enough(struct cluster *c, struct broker *b, const struct fetch_req *q,
			 const struct fetch_limits *lim)
{
	int64_t bytes = 0;
	for (int i = 0; i < q->n && bytes < lim->min_bytes; i++) {
		struct replica *r;
		const struct fetch_entry *e = &q->e[i];
		if (fetch_check(c, b, q, e, &r) != KERR_NONE || e->epoch_query)
			return true;
		int64_t end = q->replica > 0 ? r->log.leo : r->hw;
		int64_t budget = INT64_MAX, avail = 0;
		size_t first;
		int nb = fetch_span(r, e->offset, end, INT64_MAX, &budget, &first);
		for (int k = 0; k < nb && bytes + avail < lim->min_bytes; k++) {
			struct batch t = *plog_batch(&r->log, first + (size_t)k);
			fetch_cut(&t, k, e->offset, end, INT64_MAX);
			avail += t.bytes;
		}
		/* DelayedFetch: min(bytes readable, the partition's max bytes) per partition */
		bytes += avail < lim->part_max_bytes ? avail : lim->part_max_bytes;
	}
	return bytes >= lim->min_bytes;
}

/* Build and send the response. A follower's fetch state was recorded when the fetch
 * arrived (on_fetch), and only then: a parked fetch answered later reads the log again
 * without recording it (DelayedFetch.onComplete reads with readFromPurgatory = true, so
 * Partition.fetchRecords skips updateFetchState). */
static void fetch_respond(struct cluster *c, struct broker *b, struct fetch_req *q)
{
	int first_b[q->n > 0 ? q->n : 1], nb[q->n > 0 ? q->n : 1];
	size_t firsts[q->n > 0 ? q->n : 1];
	enum ks_error errs[q->n > 0 ? q->n : 1];
	struct replica *reps[q->n > 0 ? q->n : 1];
	struct fetch_limits lim = fetch_limits(c, q);
	int64_t budget = lim.max_bytes, bytes = 0;
	int total = 0;
	for (int i = 0; i < q->n; i++) {
		struct replica *r;
		const struct fetch_entry *e = &q->e[i];
		errs[i] = fetch_check(c, b, q, e, &r);
		reps[i] = r;
		nb[i] = 0;
		if (errs[i] != KERR_NONE || e->epoch_query)
			continue;
		int64_t end = q->replica > 0 ? r->log.leo : r->hw;
		nb[i] = fetch_span(r, e->offset, end, lim.part_max_bytes, &budget, &firsts[i]);
		first_b[i] = total;
		total += nb[i];
	}
	size_t size = sizeof(struct fetch_resp) + (size_t)q->n * sizeof(struct fetch_resp_entry) +
		      (size_t)total * sizeof(struct batch);
	struct fetch_resp *resp = ks_alloc(c, size);
	resp->n = q->n;
	resp->n_b = total;
	struct batch *batches = fetch_resp_batches(resp);
	resp->replica = q->replica;
	resp->member = q->member;
	resp->group = q->group;
	resp->fetcher = q->fetcher;
	resp->session = q->session;
	for (int i = 0; i < q->n; i++) {
		const struct fetch_entry *e = &q->e[i];
		struct fetch_resp_entry *o = &resp->e[i];
		struct replica *r = reps[i]; /* still this broker's: nothing ran since */
		o->part = e->part;
		o->err = errs[i];
		o->fetch_offset = e->offset;
		o->follower_rep = e->follower_rep;
		o->n_batches = nb[i];
		o->epoch_end_offset = -1;
		o->epoch_end_epoch = KS_EPOCH_NOT_ASKED;
		if (names_current_leader(errs[i])) {
			o->current.leader = broker__view_leader(c, b, e->part,
								&o->current.leader_epoch);
			continue;
		}
		if (!r)
			continue;
		o->hw = r->hw;
		o->log_start = r->log.log_start;
		o->leo = r->log.leo;
		if (errs[i] == KERR_NONE && e->epoch_query)
			o->epoch_end_offset = plog_end_offset_for_epoch(
				&r->log, e->last_fetched_epoch, &o->epoch_end_epoch);
		int64_t end = q->replica > 0 ? r->log.leo : r->hw;
		for (int k = 0; k < nb[i]; k++) {
			struct batch t = *plog_batch(&r->log, firsts[i] + (size_t)k); /* cut here */
			fetch_cut(&t, k, e->offset, end, lim.part_max_bytes);
			batches[first_b[i] + k] = t;
			bytes += t.bytes;
		}
	}
	net__answer(c, &q->h, &resp->h, MSG_FETCH_RESP, 64 + 48 * (int64_t)q->n + bytes);
}

static void pf_release(struct cluster *c, struct pending_fetch *pf)
{
	pf->refs--;
	if (pf->done && pf->refs == 0)
		pool_give(&c->pf_pool, pf);
}

static void pf_complete(struct cluster *c, struct pending_fetch *pf)
{
	pf->done = true;
	dl_del(pf->b->pf_due, &pf->dl);
	if (pf->b->up)
		fetch_respond(c, pf->b, pf->req);
	ks_free(pf->req);
	pf->req = NULL;
	if (pf->refs == 0)
		pool_give(&c->pf_pool, pf);
}

static void pf_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct broker *b = arg;
	struct pending_fetch *pf = (struct pending_fetch *)dl_fired(c, b->pf_due);
	if (!pf)
		return;
	pf_complete(c, pf);
	dl_arm(c, b->pf_due);
}

/* Does the parked fetch pf have an answer now? A follower's answer depends only on the
 * leader's leadership, epochs, log starts and log ends (never on the HW): appended, r's
 * leader just appended, so a follower's fetch has data without looking (its entry for r
 * was parked at an offset <= r's LEO in r's current epoch, else fetch_check would have
 * answered it at once, and a leader's LEO only grows within its epoch; an epoch or
 * leadership change since is an error, answered too). And any append to one of its
 * partitions completes it, so while its broker's fetch_gen has not moved since it was
 * last found empty, it still is: a HW move alone never completes it (DelayedFetch reads a
 * follower's fetch up to the log end). With min bytes above 1 (counts_bytes) an append may
 * bring too few, so its bytes are counted instead; the fetch_gen shortcut still holds, as
 * every append to one of its partitions counts them again and records the generation. */
static bool pf_has_answer(struct cluster *c, const struct pending_fetch *pf)
{
	if (!pf->counts_bytes)
		return fetch_has_data(c, pf->b, pf->req);
	struct fetch_limits lim = fetch_limits(c, pf->req);
	return fetch_enough(c, pf->b, pf->req, &lim);
}

static bool pf_ready(struct cluster *c, struct pending_fetch *pf, bool appended)
{
	if (pf->follower) {
		if (appended) {
			if (!pf->counts_bytes)
				return true;
		} else if (pf->gen == pf->b->fetch_gen) {
			/* debug runs check the shortcut against the full look */
			SIM_ASSERT(!c->checks || !pf_has_answer(c, pf));
			return false;
		}
	}
	if (pf_has_answer(c, pf))
		return true;
	pf->gen = pf->b->fetch_gen;
	return false;
}

/* DelayedFetch.tryComplete for the fetches parked on r after something other than an
 * append (a HW move, an error); after a produce request's appends, wake_appended. */
static void wake_fetches(struct cluster *c, struct replica *r)
{
	int keep = 0;
	for (int i = 0; i < r->n_fw; i++) {
		struct pending_fetch *pf = r->fw[i];
		if (!pf->done && pf_ready(c, pf, false))
			pf_complete(c, pf);
		if (pf->done)
			pf_release(c, pf);
		else
			r->fw[keep++] = r->fw[i];
	}
	r->n_fw = keep;
}

/* Ask for what answering pf will read first: its request, then the leader's replicas it
 * names (their first three lines: leadership, the log's ends and its last batch). */
static void pf_warm_request(const struct pending_fetch *pf)
{
	/* a fixed span (a follower's fetch names a few partitions): reading req->n to size
	 * it would wait for the very line asked for */
	sim_prefetch(pf->req, sizeof(*pf->req) + 4 * sizeof(pf->req->e[0]));
}

static void pf_warm_replicas(const struct pending_fetch *pf)
{
	const struct fetch_req *q = pf->req;
	for (int i = 0; i < q->n; i++)
		if (q->e[i].leader_rep)
			sim_prefetch(q->e[i].leader_rep, 192); /* to the last batch */
}

static void pf_warm_link(const struct cluster *c, const struct pending_fetch *pf)
{
	net__warm_link(c, pf->b->node, pf->req->h.from); /* where the answer goes */
}

#define WAKE_BATCH 32

/* The fetches a produce request's appends completed, answered in order. pf_warm_* run a
 * few fetches ahead of the one being answered, so that the cache misses of many answers
 * overlap instead of following one another. */
static void wake_complete(struct cluster *c, struct pending_fetch **ready, int n)
{
	for (int j = 0; j < n && c->warm; j++)
		pf_warm_request(ready[j]);
	for (int j = 0; j < n; j++) {
		if (j + 2 < n && c->warm) {
			pf_warm_replicas(ready[j + 2]);
			pf_warm_link(c, ready[j + 2]);
		}
		struct pending_fetch *pf = ready[j];
		pf->refs--; /* the hold taken in wake_appended */
		pf_complete(c, pf);
	}
}

/* DelayedFetch.tryComplete for the fetches parked on the partitions a produce request
 * appended to, in the order one wake-up per partition would answer them: in a large
 * cluster a request answers tens of fetches, each a chain of misses (the parked fetch,
 * its request, the replicas it names), so they are found first (marked done at once, so
 * that a fetch watching two of the partitions is answered once, and held by a reference
 * until answered) and answered together by wake_complete. Nothing an answer does
 * (sending a response) changes whether another parked fetch is ready. */
static void wake_appended(struct cluster *c, struct replica **appended, int n)
{
	struct pending_fetch *ready[WAKE_BATCH];
	int n_ready = 0;
	for (int i = 0; i < n; i++) {
		struct replica *r = appended[i];
		if (!r)
			continue;
		int keep = 0;
		for (int k = 0; k < r->n_fw; k++) {
			struct pending_fetch *pf = r->fw[k];
			if (!pf->done && pf_ready(c, pf, true)) {
				if (n_ready == WAKE_BATCH) {
					wake_complete(c, ready, n_ready);
					n_ready = 0;
				}
				pf->done = true;
				pf->refs++;
				ready[n_ready++] = pf;
			}
			if (pf->done)
				pf_release(c, pf);
			else
				r->fw[keep++] = pf;
		}
		r->n_fw = keep;
	}
	wake_complete(c, ready, n_ready);
}

static void park_fetch(struct cluster *c, struct broker *b, struct fetch_req *q,
		       const struct fetch_limits *lim)
{
	struct pending_fetch *pf = pf_new(c);
	pf->req = q;
	pf->b = b;
	pf->follower = q->replica > 0;
	pf->counts_bytes = lim->min_bytes > 1;
	pf->gen = b->fetch_gen; /* on_fetch found no data, or too few bytes */
	for (int i = 0; i < q->n; i++) {
		struct replica *r = hinted_replica(c, b, q->e[i].leader_rep, q->e[i].part);
		if (!r)
			continue;
		int cap = r->fw == r->fw_inline ? KS_FW_INLINE : r->cap_fw; /* cap_fw: line 4 */
		if (r->n_fw == cap) { /* drop watchers of fetches answered meanwhile */
			int keep = 0;
			for (int k = 0; k < r->n_fw; k++) {
				if (r->fw[k]->done)
					pf_release(c, r->fw[k]);
				else
					r->fw[keep++] = r->fw[k];
			}
			r->n_fw = keep;
		}
		if (r->n_fw == cap) { /* outgrow the inline array, or double */
			bool inline_fw = r->fw == r->fw_inline;
			r->cap_fw = 2 * cap;
			r->fw = xrealloc(inline_fw ? NULL : r->fw, (size_t)r->cap_fw * sizeof(*r->fw));
			if (inline_fw)
				memcpy(r->fw, r->fw_inline, sizeof(r->fw_inline));
		}
		r->fw[r->n_fw++] = pf;
		pf->refs++;
	}
	dl_add(c, b->pf_due, &pf->dl, lim->max_wait_ns);
}

static void on_fetch(struct cluster *c, struct broker *b, struct fetch_req *q)
{
	c->fetch_requests++;
	/* A follower's fetch updates its state at once, even if the fetch is then parked. The
	 * same pass finds whether it has data (fetch_has_data's answer): updating a follower
	 * moves HWs and ISRs and sends messages, but never a leader's LEO, log start, epoch or
	 * leadership, which are all the answer depends on. */
	bool data = false;
	if (q->replica > 0) {
		for (int i = 0; i < q->n && c->warm; i++) { /* the oldest waiting produce, which
							      * the HW may free */
			const struct replica *r = q->e[i].leader_rep;
			if (r && r->pw_n)
				__builtin_prefetch(&r->pw[r->pw_head]);
		}
		for (int i = 0; i < q->n; i++) {
			struct replica *r;
			const struct fetch_entry *e = &q->e[i];
			if (fetch_check(c, b, q, e, &r) != KERR_NONE || e->epoch_query) {
				data = true;
				continue;
			}
			struct partition *p = &c->parts[e->part]; /* read only off the common path */
			int slot = e->leader_fv ? fv_slot(r, e->leader_fv) :
						  broker__slot_of(p, q->replica);
			SIM_ASSERT(!c->checks ||
				   slot == broker__slot_of(p, q->replica));
			update_follower(c, b, p, r, slot, e->offset);
			if (r->log.leo > e->offset)
				data = true;
		}
	} else {
		data = fetch_has_data(c, b, q);
	}
	struct fetch_limits lim = fetch_limits(c, q);
	if (data && lim.min_bytes > 1) /* any byte is not enough: count them */
		data = fetch_enough(c, b, q, &lim);
	if (lim.min_bytes > 0 && lim.max_wait_ns > 0 && !data) {
		park_fetch(c, b, q, &lim);
		return;
	}
	fetch_respond(c, b, q);
	ks_free(q);
}

/* ---- fetch (follower side): ReplicaFetcherThread.processPartitionData -------------------- */

struct fetch_work {
	struct fetch_resp *resp;
	struct broker *b;
	uint32_t incarnation;
};

static void trace_truncate(struct cluster *c, struct partition *p, int broker, int64_t from,
			   int64_t to, const char *why)
{
	if (from > to)
		cluster__event(c, EV_LOG_TRUNCATED, from - to);
	if (!trace_on(c->tr, TRACE_EVENTS) || from == to)
		return;
	trace_begin(c->tr, sim_now(c->sim), "log.truncate");
	struct jsonw *w = trace_w(c->tr);
	trace_part(c, w, p);
	jsonw_kint(w, "broker", broker);
	jsonw_kint(w, "from", from);
	jsonw_kint(w, "to", to);
	jsonw_kint(w, "records", from - to);
	jsonw_kstr(w, "rule", why);
	trace_end(c->tr);
}

static void follower_truncate(struct cluster *c, struct partition *p, struct replica *r,
			      int64_t to, const char *why)
{
	int64_t from = r->log.leo;
	if (to >= from)
		return;
	plog_truncate_to(&r->log, to);
	c->brokers[r->broker - 1].fetch_gen++;
	if (r->hw > r->log.leo)
		r->hw = r->log.leo;
	pstate_rebuild(r);
	trace_truncate(c, p, r->broker, from, r->log.leo, why);
}

/* KIP-101: the leader answered OffsetsForLeaderEpoch for our latest epoch. */
static void follower_epoch_answer(struct cluster *c, struct partition *p, struct replica *r,
				  const struct fetch_resp_entry *e)
{
	int64_t to = e->epoch_end_offset;
	if (to < 0) {
		to = r->hw; /* no common epoch: fall back to the high watermark */
	} else if (e->epoch_end_epoch != plog_last_epoch(&r->log)) {
		int32_t ep;
		int64_t own = plog_end_offset_for_epoch(&r->log, e->epoch_end_epoch, &ep);
		if (own >= 0 && own < to)
			to = own;
	}
	r->needs_truncation = false;
	follower_truncate(c, p, r, to, "leader-epoch");
}

static bool follower_entry(struct cluster *c, struct broker *b, const struct fetch_resp_entry *e,
			   const struct batch *batches, int leader)
{
	struct partition *p = &c->parts[e->part];
	struct replica *r = hinted_replica(c, b, e->follower_rep, e->part);
	if (!r || r->is_leader || r->leader != leader)
		return true;
	switch (e->err) {
	case KERR_NONE:
		break;
	case KERR_OFFSET_OUT_OF_RANGE:
		if (e->fetch_offset > e->leo) {
			follower_truncate(c, p, r, e->leo, "out-of-range");
		} else if (e->fetch_offset < e->log_start) {
			plog_reset_to(&r->log, e->log_start);
			b->fetch_gen++;
		}
		return true;
	default:
		return false;
	}
	if (r->needs_truncation) {
		/* only the answer to a truncation query: an entry asked for before the epoch
		 * changed (the same leader again, its request still out) brings data the log
		 * may not take yet; the next fetch asks */
		if (e->epoch_end_epoch != KS_EPOCH_NOT_ASKED)
			follower_epoch_answer(c, p, r, e);
		return true;
	}
	if (e->fetch_offset != r->log.leo)
		return true; /* our log moved while the response travelled */
	for (int k = 0; k < e->n_batches; k++) {
		const struct batch *bt = &batches[k];
		if (bt->base != r->log.leo)
			break;
		plog_append(&r->log, bt);
		pstate_note(r, bt);
		note_flush(c, r, bt->count);
	}
	int64_t hw = e->hw < r->log.leo ? e->hw : r->log.leo;
	if (hw > r->hw)
		r->hw = hw;
	SIM_ASSERT(r->hw <= r->log.leo);
	return true;
}

/* Is resp the answer to the request its fetcher has out? Not once the fetcher moved on (its
 * request timed out, or its leader's connection reset, and another went): AbstractFetcherThread
 * reads an entry only while the partition's fetch state is the one it asked for. Asked on
 * arrival and again once the disk takes the response: read late, a stale one was once
 * taken for the answer to a later truncation query, and emptied a log. */
static bool fetch_resp_current(const struct fetcher *f, const struct fetch_resp *resp)
{
	return f->in_flight && resp->session == f->session;
}

static void follower_apply_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	struct fetch_work *w = arg;
	struct fetch_resp *resp = w->resp;
	struct broker *b = w->b;
	bool live = b->up && w->incarnation == c->net.nodes[b->node].incarnation;
	ks_free(w);
	if (!live || !fetch_resp_current(&b->fetchers[resp->fetcher], resp)) {
		ks_free(resp);
		return;
	}
	struct fetcher *f = &b->fetchers[resp->fetcher];
	bool any_ok = resp->n == 0;
	const struct batch *batches = fetch_resp_batches(resp);
	for (int i = 0; i < resp->n; i++) {
		any_ok |= follower_entry(c, b, &resp->e[i], batches, f->leader);
		batches += resp->e[i].n_batches;
	}
	ks_free(resp);
	f->in_flight = false;
	if (f->reset_retry) { /* answered after all: the reset's retry is moot */
		f->reset_retry = false;
		sim_cancel(c->sim, f->timer);
		f->timer = 0;
	}
	if (any_ok)
		fetcher_send(c, b, f);
	else
		fetcher_backoff(c, f);
}

static void on_fetch_resp(struct cluster *c, struct broker *b, struct fetch_resp *resp)
{
	if (!fetch_resp_current(&b->fetchers[resp->fetcher], resp)) {
		ks_free(resp);
		return;
	}
	int64_t bytes = 0;
	const struct batch *batches = fetch_resp_batches(resp);
	for (int i = 0; i < resp->n_b; i++)
		bytes += batches[i].bytes;
	struct fetch_work *w = ks_alloc(c, sizeof(*w));
	w->resp = resp;
	w->b = b;
	w->incarnation = c->net.nodes[b->node].incarnation;
	sim_time_ns at = append_at(c, b, bytes);
	if (at <= sim_now(c->sim))
		follower_apply_ev(c->sim, c, w);
	else
		sim_schedule(c->sim, at, follower_apply_ev, c, w);
}

/* ---- metadata from the controller ---------------------------------------------------- */

static void become_leader(struct cluster *c, struct broker *b, struct partition *p,
			  struct replica *r, const struct meta_change *mc)
{
	sim_time_ns now = sim_now(c->sim);
	fetcher_remove(c, b, r, p->id);
	b->fetch_gen++;
	r->is_leader = true;
	r->leader = b->id;
	r->leader_epoch = mc->leader_epoch;
	r->partition_epoch = mc->partition_epoch;
	r->isr = mc->isr;
	r->isr_pending = 0;
	r->needs_truncation = false;
	plog_begin_epoch(&r->log, mc->leader_epoch);
	for (int i = 0; i < p->rf; i++) {
		bool in_sync = mc->isr & (1u << i);
		if (i == r->slot)
			continue;
		*fv_of(r, i) = (struct follower_view){
			.leo = -1, .last_caught_up_ns = in_sync ? now : KS_NEVER_NS,
			.last_fetch_ns = 0, .last_fetch_leader_leo = 0 };
	}
	maybe_advance_hw(c, p, r);
}

static void become_follower(struct cluster *c, struct broker *b, struct partition *p,
			    struct replica *r, const struct meta_change *mc)
{
	b->fetch_gen++;
	if (r->is_leader) {
		r->is_leader = false;
		complete_waiters(c, r, r->hw, KERR_NOT_LEADER_OR_FOLLOWER, 0);
		wake_fetches(c, r);
	}
	r->isr_pending = 0;
	r->leader = mc->leader;
	r->leader_epoch = mc->leader_epoch;
	r->partition_epoch = mc->partition_epoch;
	if (c->sc->cluster.truncation == TRUNC_HIGH_WATERMARK) {
		r->needs_truncation = false;
		follower_truncate(c, p, r, r->hw, "high-watermark");
	} else {
		r->needs_truncation = true;
	}
	if (mc->leader >= 1)
		fetcher_add(c, b, r, p->id);
	else
		fetcher_remove(c, b, r, p->id);
}

static void apply_change(struct cluster *c, struct broker *b, const struct meta_change *mc)
{
	struct partition *p = &c->parts[mc->partition];
	struct replica *r = local_replica(c, b, mc->partition);
	if (!r)
		return;
	if (mc->leader == b->id) {
		if (!r->is_leader || r->leader_epoch != mc->leader_epoch) {
			become_leader(c, b, p, r, mc);
		} else if (mc->partition_epoch > r->partition_epoch) {
			r->isr = mc->isr; /* committed: a pending change is over (Partition's
					   * CommittedPartitionState), whatever it proposed */
			r->partition_epoch = mc->partition_epoch;
			r->isr_pending = 0;
			maybe_advance_hw(c, p, r);
		}
	} else if (r->is_leader || r->leader != mc->leader ||
		   r->leader_epoch != mc->leader_epoch) {
		become_follower(c, b, p, r, mc);
	} else {
		r->partition_epoch = mc->partition_epoch;
	}
}

/* The broker applies what the metadata log says now (MetadataDelta: the last change of
 * each partition), not every change on the way: a broker catching up after a restart
 * would otherwise fetch with a leader epoch already gone by and be told
 * FENCED_LEADER_EPOCH, then back off. */
void broker__apply_metadata(struct cluster *c, struct broker *b, int64_t upto)
{
	if (!b->up)
		return;
	if (upto > c->n_meta)
		upto = c->n_meta;
	if (c->cap_meta_last < c->n_parts) {
		c->cap_meta_last = c->n_parts;
		c->meta_last = xrealloc(c->meta_last, (size_t)c->n_parts * sizeof(int64_t));
	}
	for (int64_t k = b->applied_meta; k < upto; k++) /* each partition's last change */
		if (c->meta_log[k].partition >= 0)
			c->meta_last[c->meta_log[k].partition] = k;
	for (int64_t k = b->applied_meta; k < upto; k++)
		if (c->meta_log[k].partition >= 0 && c->meta_last[c->meta_log[k].partition] == k)
			apply_change(c, b, &c->meta_log[k]);
	if (upto > b->applied_meta)
		b->applied_meta = upto;
}

/* ---- heartbeats, flush, lifecycle ------------------------------------------------------ */

/* BrokerLifecycleManager: a starting broker registers, and sends the registration again
 * until it is accepted, after 100 ms doubled per attempt up to broker.session.timeout.ms
 * (its ExponentialBackoff, without the 2% jitter); a registered one heartbeats every
 * broker.heartbeat.interval.ms. */
static sim_time_ns registration_backoff(const struct cluster *c, int attempts)
{
	sim_time_ns cap = c->sc->cluster.broker_session_timeout_ns, d = 100 * SIM_MS;
	for (int i = 0; i < attempts && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

static void heartbeat_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct broker *b = arg;
	sim_time_ns next = b->starting ? registration_backoff(c, b->reg_failures++) :
			   c->sc->cluster.broker_heartbeat_interval_ns;
	b->hb_timer = sim_after(s, next, heartbeat_ev, c, b);
	if (!c->ctl.active)
		return;
	struct broker_heartbeat *h = ks_alloc(c, sizeof(*h));
	h->broker = b->id;
	h->applied_meta = b->applied_meta;
	h->registering = b->starting;
	h->clean = b->clean_stop;
	h->want_shutdown = b->shutting_down;
	h->h.give_up_ns = sim_now(c->sim) + CONTROLLER_TIMEOUT_NS;
	net__send(c, b->node, net__controller_node(c, c->ctl.active), &h->h,
		  MSG_BROKER_HEARTBEAT, 64);
}

static void shutdown_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct broker *b = arg;
	b->shutdown_timer = 0;
	broker__stop(subject, b, false, true); /* Kafka flushes and closes the logs anyway */
}

static void heartbeat_after(struct cluster *c, struct broker *b, sim_time_ns delay)
{
	sim_cancel(c->sim, b->hb_timer);
	b->hb_timer = sim_after(c->sim, delay, heartbeat_ev, c, b);
}

/* BrokerServer.shutdown with controlled.shutdown.enable: the broker asks the controller,
 * in its heartbeats, to move its leaders away, and stops when the controller lets it -
 * or after 5 minutes without an answer. A broker still starting stops at once. */
bool broker__shutdown(struct cluster *c, struct broker *b)
{
	if (!b->up || b->shutting_down)
		return false;
	if (b->starting) {
		broker__stop(c, b, false, true);
		return true;
	}
	b->shutting_down = true;
	b->shutdown_answered = false;
	heartbeat_after(c, b, 0);
	b->shutdown_timer = sim_after(c->sim, 300 * SIM_S, shutdown_timeout_ev, c, b);
	return true;
}

/* A new active controller (the old one's process died, resetting its connections): a
 * broker waiting to register or to shut down sends now what NodeToControllerChannelManager
 * held while no controller was known, and an AlterPartition request out goes to it -
 * unsent, or in flight on the dead connection (NodeToControllerRequestThread puts a
 * disconnected request back first in its queue). */
void broker__controller_changed(struct cluster *c)
{
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		if (!b->up)
			continue;
		if (b->starting || b->shutting_down)
			heartbeat_after(c, b, 0);
		if (b->alter_inflight)
			alter_transmit(c, b);
	}
}

/* The controller answered a heartbeat (BrokerLifecycleManager's response handlers): a
 * registration accepted - the broker opens its listeners and heartbeats at once (that
 * heartbeat unfences it: the model does not wait for it to catch up), then every
 * broker.heartbeat.interval.ms - or a controlled shutdown let go, or not yet: the first
 * such answer brings the next heartbeat forward to 50 ms. */
static void on_heartbeat_resp(struct cluster *c, struct broker *b,
			      const struct broker_heartbeat_resp *r)
{
	if (b->shutting_down) {
		if (r->should_shutdown) {
			broker__stop(c, b, false, true);
		} else if (!b->shutdown_answered) {
			b->shutdown_answered = true;
			heartbeat_after(c, b, 50 * SIM_MS);
		}
		return;
	}
	if (!b->starting || r->refused)
		return;
	b->starting = false;
	net__set_closed(c, b->node, false);
	heartbeat_after(c, b, 0);
	b->isr_timer = sim_after(c->sim, c->sc->cluster.replica_lag_time_max_ns / 2,
				 isr_check_ev, c, b);
}

/* The OS writes dirty pages back after 30 s (vm.dirty_expire_centisecs), checked every 5 s. */
#define OS_WRITEBACK_NS (30 * SIM_S)
#define OS_WRITEBACK_CHECK_NS (5 * SIM_S)

static void flush_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct broker *b = arg;
	sim_time_ns now = sim_now(s);
	b->flush_timer = sim_after(s, OS_WRITEBACK_CHECK_NS, flush_ev, c, b);
	for (int h = 0; h < b->n_hosted; h++) {
		struct plog *l = &hosted_replica(c, b, h)->log;
		size_t i = l->flushed >= l->leo ? l->n : plog_find(l, l->flushed);
		for (; i < l->n; i++) {
			const struct batch *bt = plog_batch(l, i);
			if (bt->append_ns > now - OS_WRITEBACK_NS)
				break;
			l->flushed = bt->base + bt->count;
		}
	}
}

/* LogManager.flushDirtyLogs, every log.flush.scheduler.interval.ms (Kafka's default never
 * runs it): a log whose last flush is flush.ms old or more is flushed to its end. */
static void flusher_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct broker *b = arg;
	sim_time_ns now = sim_now(s);
	b->flusher_timer = sim_after(s, c->sc->cluster.log_flush_scheduler_interval_ns,
				     flusher_ev, c, b);
	for (int h = 0; h < b->n_hosted; h++) {
		struct partition *p = &c->parts[b->hosted[h]];
		struct replica *r = &p->rep[b->hosted_slot[h]];
		if (now - r->last_flush_ns >= c->topics[p->topic].flush_ns)
			flush_log(c, r);
	}
}

static void start_timers(struct cluster *c, struct broker *b)
{
	const struct cluster_cfg *cc = &c->sc->cluster;
	if (!b->starting) /* a starting broker's begins when it is registered */
		b->isr_timer = sim_after(c->sim, cc->replica_lag_time_max_ns / 2, isr_check_ev,
					 c, b);
	b->hb_timer = sim_after(c->sim, 0, heartbeat_ev, c, b);
	b->flush_timer = sim_after(c->sim, OS_WRITEBACK_CHECK_NS, flush_ev, c, b);
	if (cc->log_flush_scheduler_interval_ns != SIM_TIME_MAX)
		b->flusher_timer = sim_after(c->sim, cc->log_flush_scheduler_interval_ns,
					     flusher_ev, c, b);
}

static void stop_timers(struct cluster *c, struct broker *b)
{
	sim_cancel(c->sim, b->isr_timer);
	sim_cancel(c->sim, b->hb_timer);
	sim_cancel(c->sim, b->flush_timer);
	sim_cancel(c->sim, b->flusher_timer);
	sim_cancel(c->sim, b->fetch_due_timer);
	sim_cancel(c->sim, b->alter_due_timer);
	b->isr_timer = b->hb_timer = b->flush_timer = b->flusher_timer = 0;
	b->fetch_due_timer = b->alter_due_timer = 0;
	b->alter_inflight = false;
	for (int i = 0; i < b->n_fetchers; i++) {
		struct fetcher *f = &b->fetchers[i];
		if (f->timer)
			sim_cancel(c->sim, f->timer);
		f->timer = 0;
		f->reset_retry = false;
		f->in_flight = false;
		f->session++;
		f->n_parts = 0;
	}
}

/* A broker's process died: the connections to it reset at once (a power loss resets
 * nothing; a response already on its way arrives before the reset and is applied, and
 * cancels the retry). A follower's fetch parked there fails now, and its fetcher tries
 * again after replica.fetch.backoff.ms (AbstractFetcherThread), instead of waiting out
 * replica.socket.timeout.ms for an answer that cannot come - while its leader, back within
 * the session and leader again, kept a high watermark nobody fetched to move. */
void broker__peer_reset(struct cluster *c, const struct broker *dead)
{
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		if (!b->up || b == dead)
			continue;
		for (int k = 0; k < b->n_fetchers; k++) {
			struct fetcher *f = &b->fetchers[k];
			if (f->leader != dead->id || !f->in_flight)
				continue;
			fetcher_backoff(c, f);
			f->reset_retry = true;
		}
	}
}

static void process_down(struct cluster *c, struct broker *b, bool lose_unflushed)
{
	b->up = false;
	b->fetch_gen++;
	if (lose_unflushed)
		net__host_down(c, b->node);
	else
		net__node_down(c, b->node);
	stop_timers(c, b);
	for (int h = 0; h < b->n_hosted; h++) {
		struct partition *p = &c->parts[b->hosted[h]];
		struct replica *r = &p->rep[b->hosted_slot[h]];
		complete_waiters(c, r, r->hw, KERR_NOT_LEADER_OR_FOLLOWER, 0);
		for (int i = 0; i < r->n_fw; i++) {
			if (!r->fw[i]->done)
				pf_complete(c, r->fw[i]);
			pf_release(c, r->fw[i]);
		}
		r->n_fw = 0;
		r->is_leader = false;
		r->leader = -1;
		r->fetcher = -1;
		r->isr_pending = 0;
		r->alter_queued = r->alter_in_req = false; /* the process's items die with it */
		if (lose_unflushed && r->log.flushed < r->log.leo) {
			int64_t from = r->log.leo;
			plog_truncate_to(&r->log, r->log.flushed);
			if (r->hw > r->log.leo)
				r->hw = r->log.leo;
			pstate_rebuild(r);
			trace_truncate(c, p, b->id, from, r->log.leo, "power-loss");
		}
	}
}

/* A broker's process stops: a crash (clean false; with lose_unflushed a power loss) or
 * the end of a controlled shutdown. The connections to it reset, unless its machine went
 * down with it; the group coordinators it hosted move (at once after a controlled
 * shutdown, which moved the leaders of their offsets partitions; after the session
 * otherwise). */
void broker__stop(struct cluster *c, struct broker *b, bool lose_unflushed, bool clean)
{
	/* a process never registered has no broker epoch to record as shut down cleanly:
	 * LogManager.shutdown writes -1, and its next registration counts as unclean */
	b->clean_stop = clean && !b->starting;
	process_down(c, b, lose_unflushed);
	b->shutting_down = false;
	if (b->shutdown_timer)
		sim_cancel(c->sim, b->shutdown_timer);
	b->shutdown_timer = 0;
	cons__coordinator_crash(c, b, clean, !lose_unflushed);
	if (!lose_unflushed) { /* a process crash resets connections at once */
		prod__broker_disconnect(c, b->id);
		broker__peer_reset(c, b);
	}
	if (trace_on(c->tr, TRACE_EVENTS)) {
		trace_begin(c->tr, sim_now(c->sim), clean ? "broker.shutdown" : "broker.crash");
		jsonw_kint(trace_w(c->tr), "broker", b->id);
		if (!clean)
			jsonw_kbool(trace_w(c->tr), "lose_unflushed", lose_unflushed);
		trace_end(c->tr);
	}
	if (b->restart_pending) { /* a `shutdown` whose `for` ended before it stopped (a crash
				   * meanwhile leaves the restart to the crash's own `for`) */
		b->restart_pending = false;
		if (clean)
			broker__restart(c, b);
	}
}

/* The new process registers before it serves: its listeners stay closed until the
 * controller accepts it, which ClusterControlManager.registerBroker refuses while the old
 * process's session lasts (DUPLICATE_BROKER_REGISTRATION). Meanwhile it reads the metadata
 * log (BrokerServer installs its metadata publishers before it waits for registration), so
 * it fetches as a follower - the old process still in the ISR, its catching up lets the
 * high watermark move - and holds what it led as leader, behind closed listeners. */
void broker__restart(struct cluster *c, struct broker *b)
{
	cluster__trace_id(c, "broker.restart", "broker", b->id);
	b->up = true;
	b->starting = true;
	b->reg_failures = 0;
	net__node_up(c, b->node);
	net__set_closed(c, b->node, true);
	b->applied_meta = 0;
	b->disk_free_ns = sim_now(c->sim);
	start_timers(c, b);
}

/* ---- retention (LogManager.cleanupLogs) ------------------------------------------------ */

void broker__retention(struct cluster *c)
{
	sim_time_ns now = sim_now(c->sim);
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		const struct topic *t = &c->topics[p->topic];
		for (int k = 0; k < p->rf; k++) {
			struct replica *r = &p->rep[k];
			struct plog *l = &r->log;
			int64_t start = l->log_start;
			size_t j = l->head;
			int64_t bytes = l->bytes;
			for (; j < l->n; j++) {
				const struct batch *bt = plog_batch(l, j);
				bool old = t->retention_ns >= 0 && bt->append_ns < now - t->retention_ns;
				bool big = t->retention_bytes >= 0 && bytes > t->retention_bytes;
				if ((!old && !big) || bt->base + bt->count > r->hw)
					break;
				bytes -= bt->bytes;
				start = bt->base + bt->count;
				if (bt->producer >= 0 && bt->producer < c->n_producers) {
					if (!p->deleted) {
						p->deleted = calloc((size_t)c->n_producers,
								    sizeof(struct rset));
						if (!p->deleted)
							abort();
					}
					rset_add(&p->deleted[bt->producer], bt->first_seq,
						 bt->first_seq + bt->count);
				}
			}
			if (start > l->log_start) {
				plog_advance_start(l, start);
				c->brokers[r->broker - 1].fetch_gen++;
			}
		}
	}
}

/* ---- dispatch and setup ---------------------------------------------------------------- */

/* What handling m reads first, asked for one event ahead (sim.h, cache warming): the
 * replicas a fetch names at either end (found by the entries' hints), the partitions, the
 * fetcher a response is for. Only reads m. */
void broker__warm(const struct cluster *c, const struct broker *b, const struct msg *m)
{
	switch (m->type) {
	case MSG_FETCH_REQ: {
		const struct fetch_req *q = (const struct fetch_req *)m;
		net__warm_link(c, m->to, m->from); /* for an answer at once */
		for (int i = 0; i < q->n && i < 8; i++) {
			const struct replica *r = q->e[i].leader_rep;
			if (r) { /* leadership and log; waiters and parked fetches */
				sim_prefetch(r, 128);
				sim_prefetch(&r->pw, 64);
			}
			if (q->e[i].leader_fv)
				sim_prefetch(q->e[i].leader_fv, sizeof(struct follower_view));
			else /* a consumer's fetch finds the replica through the partition */
				sim_prefetch(&c->parts[q->e[i].part], 64);
		}
		break;
	}
	case MSG_FETCH_RESP: {
		const struct fetch_resp *r = (const struct fetch_resp *)m;
		net__warm_link(c, m->to, m->from); /* for the next fetch */
		if (r->replica > 0)
			sim_prefetch(&b->fetchers[r->fetcher], 128); /* to its third part */
		for (int i = 0; i < r->n && i < 8; i++) {
			const struct replica *rep = r->e[i].follower_rep;
			if (rep) {
				sim_prefetch(rep, 192);
				sim_prefetch(&rep->ps0, 64); /* its first line: pstate */
			}
		}
		break;
	}
	default:
		break;
	}
}

void broker__on_msg(struct cluster *c, struct broker *b, struct msg *m)
{
	switch (m->type) {
	case MSG_PRODUCE_REQ:
		on_produce(c, b, (struct produce_req *)m);
		return;
	case MSG_FETCH_REQ:
		on_fetch(c, b, (struct fetch_req *)m);
		return;
	case MSG_FETCH_RESP:
		on_fetch_resp(c, b, (struct fetch_resp *)m);
		return;
	case MSG_GROUP: /* the group coordinator hosted on this broker */
		cons__coordinator_msg(c, b, m);
		return;
	case MSG_METADATA_PUSH:
		broker__apply_metadata(c, b, ((struct metadata_push *)m)->upto);
		break;
	case MSG_BROKER_HEARTBEAT_RESP:
		on_heartbeat_resp(c, b, (const struct broker_heartbeat_resp *)m);
		break;
	case MSG_CONNECT: { /* a live process accepts the connection */
		struct conn_msg *r = ks_alloc(c, sizeof(*r));
		r->attempt = ((const struct conn_msg *)m)->attempt;
		net__answer(c, m, &r->h, MSG_CONNECT_RESP, 64);
		break;
	}
	case MSG_ALTER_PARTITION_RESP:
		on_alter_resp(c, b, (struct alter_partition_resp *)m);
		break;
	case MSG_METADATA_REQ: {
		const struct metadata_req *q = (const struct metadata_req *)m;
		const struct topic *t = &c->topics[q->topic];
		struct metadata_resp *resp =
			ks_alloc(c, sizeof(*resp) + (size_t)t->n_partitions * sizeof(resp->p[0]));
		resp->topic = q->topic;
		resp->n = t->n_partitions;
		for (int i = 0; i < t->n_partitions; i++)
			resp->p[i].leader = broker__view_leader(c, b, t->first_partition + i,
								&resp->p[i].epoch);
		net__answer(c, m, &resp->h, MSG_METADATA_RESP, 64 + 16 * (int64_t)t->n_partitions);
		break;
	}
	default:
		break;
	}
	ks_free(m);
}

void broker__init(struct cluster *c)
{
	int nf = c->sc->cluster.num_replica_fetchers;
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		b->n_fetchers = c->n_brokers * nf;
		b->fetchers = xcalloc_aligned((size_t)b->n_fetchers, sizeof(*b->fetchers),
					      _Alignof(struct fetcher));
		for (int k = 0; k < b->n_fetchers; k++) {
			b->fetchers[k].leader = k / nf + 1;
			b->fetchers[k].cap_parts = KS_FETCH_PARTS_INLINE;
		}
		b->pp_due = dl_new(b, pp_timeout_ev);
		b->pf_due = dl_new(b, pf_timeout_ev);
		start_timers(c, b);
	}
}

void broker__release(struct cluster *c)
{
	pool_release(&c->pf_pool);
	for (int i = 0; i < c->n_brokers; i++) {
		struct broker *b = &c->brokers[i];
		for (int k = 0; k < b->n_fetchers; k++)
			if (b->fetchers[k].cap_parts > KS_FETCH_PARTS_INLINE)
				free(b->fetchers[k].parts_heap);
		free(b->fetchers);
		free(b->pp_due);
		free(b->pf_due);
		free(b->hosted);
		free(b->hosted_slot);
	}
	for (int i = 0; i < c->n_parts; i++) {
		struct partition *p = &c->parts[i];
		for (int k = 0; k < p->rf; k++) {
			struct replica *r = &p->rep[k];
			if (r->pw_cap > KS_PW_FIRST)
				free(r->pw);
			if (r->fw != r->fw_inline)
				free(r->fw);
			free(r->ps);
			plog_release(&r->log);
		}
		free(p->meta_hist);
		if (p->deleted) {
			for (int k = 0; k < c->n_producers; k++)
				rset_release(&p->deleted[k]);
			free(p->deleted);
		}
	}
}

/* A request of ours was refused: the other broker's process is down. A follower's fetcher
 * backs off for replica.fetch.backoff.ms and tries again (metadata will move it). */
void broker__on_bounce(struct cluster *c, struct broker *b, struct msg *m)
{
	if (m->type == MSG_FETCH_REQ) {
		struct fetch_req *q = (struct fetch_req *)m;
		struct fetcher *f = &b->fetchers[q->fetcher];
		if (f->in_flight && f->session == q->session)
			fetcher_backoff(c, f);
	}
	ks_free(m);
}
