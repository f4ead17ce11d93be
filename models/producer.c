/*
 * producer.c - the Java producer: records arrive at a rate (Poisson or constant), are
 * partitioned (murmur2 for keys, KIP-794 sticky or a partitioner.class for null keys), and
 * are appended to per-partition batches (RecordAccumulator: linger.ms, batch.size). The
 * Sender drains every partition led by a ready broker into one ProduceRequest per broker,
 * keeps at most max.in.flight.requests.per.connection requests per broker, retries
 * retriable errors with exponential backoff (retry.backoff.ms .. retry.backoff.max.ms, 20%
 * jitter) until retries or delivery.timeout.ms run out, and refreshes metadata after
 * NOT_LEADER_OR_FOLLOWER or a lost connection. With enable.idempotence batches carry
 * sequence numbers the broker de-duplicates; without it the same numbers exist only so the
 * checker can name records, and the broker never looks at them.
 *
 * Records are never objects: a batch is (partition, first sequence, count, bytes, creation
 * time, sum of arrival offsets). A record's identity is (producer, partition, sequence).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "rng.h"
#include "xmem.h"
#include "zig.h"

static void sender_kick(struct cluster *c, struct producer *p, sim_time_ns at);
static void request_metadata(struct cluster *c, struct producer *p);
static void conn_attempt_ev(struct sim *s, void *subject, void *arg);
static void expiry_arm(struct cluster *c, struct producer *p, sim_time_ns oldest);
static void expiry_ev(struct sim *s, void *subject, void *arg);

/* ---- connections and their partition lists ------------------------------------------- */

static void conn_list_add(struct producer *p, int broker, int idx)
{
	struct pconn *cn = &p->conn[broker - 1];
	if (cn->n_parts == cn->cap_parts) {
		cn->cap_parts = cn->cap_parts ? 2 * cn->cap_parts : 8;
		cn->parts = xrealloc(cn->parts, (size_t)cn->cap_parts * sizeof(int));
	}
	cn->parts[cn->n_parts++] = idx;
	p->pq[idx].listed = true;
}

static void mark_ready(struct producer *p, int broker)
{
	struct pconn *cn = &p->conn[broker - 1];
	if (!cn->ready) {
		cn->ready = true;
		p->ready[p->n_ready++] = broker;
	}
}

/* A retried batch waits out its backoff - unless the partition's leader changed since it
 * was sent (KIP-951: RecordAccumulator.shouldBackoff, hasLeaderChangedForTheOngoingRetry). */
static bool backing_off(const struct pqueue *q, const struct pbatch *b, sim_time_ns now)
{
	return b->retry_at_ns > now && b->sent_leader_epoch == q->leader_epoch;
}

/* A batch that holds a sequence of the partition's current epoch (sent before). */
static bool sequenced(const struct pqueue *q, const struct pbatch *b)
{
	return b->proto_seq >= 0 && b->epoch == q->epoch;
}

/* RecordAccumulator.ready for one connection: the first batch of some partition may go -
 * it is full (or closed), has lingered, or has another batch behind it - and is not backing
 * off. drain() then takes the first batch of every partition, lingered or not. */
static bool conn_sendable(const struct producer *p, const struct pconn *cn, sim_time_ns now)
{
	for (int k = 0; k < cn->n_parts; k++) {
		const struct pqueue *q = &p->pq[cn->parts[k]];
		const struct pbatch *b = q->head;
		if (!b || backing_off(q, b, now) || (q->seq_unresolved && !sequenced(q, b)))
			continue;
		if (q->n > 1 || b->closed || b->create_ns + p->cfg->linger_ns <= now)
			return true;
	}
	return false;
}

/* Rebuild every connection's list of partitions after a metadata change. */
static void rebuild_lists(struct cluster *c, struct producer *p)
{
	for (int b = 0; b < c->n_brokers; b++)
		p->conn[b].n_parts = 0;
	for (int i = 0; i < p->n_pq; i++) {
		p->pq[i].listed = false;
		p->avail[i] = p->pq[i].leader >= 1;
		if (p->pq[i].n > 0 && p->pq[i].leader >= 1)
			conn_list_add(p, p->pq[i].leader, i);
	}
	for (int b = 0; b < c->n_brokers; b++)
		if (conn_sendable(p, &p->conn[b], sim_now(c->psim)))
			mark_ready(p, b + 1);
}

/* ---- accumulator ------------------------------------------------------------------------ */

/* A ring whose capacity is a power of two (64, doubled when full): indexes wrap by a mask,
 * not a division. */
static void linger_push(struct producer *p, sim_time_ns at, int idx, uint64_t serial)
{
	if (p->linger_n == p->linger_cap) {
		size_t ncap = p->linger_cap ? 2 * p->linger_cap : 64;
		struct linger_entry *nl = xcalloc(ncap, sizeof(*nl));
		for (size_t i = 0; i < p->linger_n; i++)
			nl[i] = p->linger[(p->linger_head + i) & (p->linger_cap - 1)];
		free(p->linger);
		p->linger = nl;
		p->linger_head = 0;
		p->linger_cap = ncap;
	}
	p->linger[(p->linger_head + p->linger_n) & (p->linger_cap - 1)] =
		(struct linger_entry){ at, idx, serial };
	p->linger_n++;
}

static void pq_push_tail(struct producer *p, int idx, struct pbatch *b)
{
	struct pqueue *q = &p->pq[idx];
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->n++;
	if (!q->listed && q->leader >= 1)
		conn_list_add(p, q->leader, idx);
}

/* Put a batch back for a retry, in sequence order (the Sender re-enqueues in order). */
static void pq_push_retry(struct producer *p, int idx, struct pbatch *b)
{
	struct pqueue *q = &p->pq[idx];
	struct pbatch **at = &q->head;
	while (*at && (*at)->first_seq >= 0 && (*at)->first_seq < b->first_seq)
		at = &(*at)->next;
	b->next = *at;
	*at = b;
	if (!b->next)
		q->tail = b;
	q->n++;
	if (!q->listed && q->leader >= 1)
		conn_list_add(p, q->leader, idx);
}

/* A batch in flight is closed (drain_take closes what it takes, and nothing reopens). */
static bool tail_open(const struct pqueue *q)
{
	return q->tail && !q->tail->closed;
}

/* Append one record of `bytes` to partition idx; returns true if a new batch was needed. */
static void accumulate(struct cluster *c, struct producer *p, int idx, int64_t bytes,
		       sim_time_ns now)
{
	const struct producer_cfg *cfg = p->cfg;
	struct pqueue *q = &p->pq[idx];
	q->records++;
	if (tail_open(q) && q->tail->bytes + bytes <= cfg->batch_size) {
		struct pbatch *b = q->tail;
		b->count++;
		b->bytes += bytes;
		b->arrival_sum_ns += now - b->create_ns;
		b->last_arrival_ns = now;
		if (b->bytes > p->open_max)
			p->open_max = b->bytes;
		if (b->bytes >= cfg->batch_size) {
			b->closed = true;
			if (q->leader >= 1)
				mark_ready(p, q->leader);
		}
		return;
	}
	if (tail_open(q)) { /* full: the record does not fit */
		q->tail->closed = true;
		if (q->leader >= 1)
			mark_ready(p, q->leader);
	}
	struct pbatch *b = p->spare;
	if (b)
		p->spare = b->next;
	else
		b = xcalloc(1, sizeof(*b));
	/* every field stored, no clearing first: gcc clears a struct of this size with
	 * `rep stos`, whose start-up cost perf showed as 1.4% of the 3-broker bench */
	_Static_assert(sizeof(struct pbatch) == 96,
		       "a new field of struct pbatch needs its store here");
	b->next = NULL;
	b->serial = ++p->batches;
	b->part = c->topics[p->topic].first_partition + idx; /* global ids are indexes */
	b->count = 1;
	b->bytes = bytes;
	b->first_seq = -1;
	b->epoch = 0;
	b->sent_leader_epoch = -1;
	b->proto_seq = -1;
	b->create_ns = b->last_arrival_ns = now;
	b->arrival_sum_ns = 0;
	b->retry_at_ns = 0;
	b->attempts = 0;
	b->in_flight = false;
	b->closed = bytes >= cfg->batch_size;
	b->expired = false;
	if (bytes > p->open_max)
		p->open_max = bytes;
	pq_push_tail(p, idx, b);
	if (!p->expiry_timer) /* none pending: this batch is the oldest */
		expiry_arm(c, p, now);
	if (b->closed || cfg->linger_ns == 0) {
		if (q->leader >= 1)
			mark_ready(p, q->leader);
	} else {
		linger_push(p, now + cfg->linger_ns, idx, b->serial);
		sender_kick(c, p, now + cfg->linger_ns);
	}
}

/* RecordAccumulator.allBatchesFull: no open batch, or the open one reached batch.size
 * (ProducerBatch.isFull: exactly full, not "the next record would not fit"). */
static bool batches_full(const struct pqueue *q, int64_t batch_size)
{
	return !tail_open(q) || q->tail->bytes >= batch_size;
}

/* Would appending `bytes` to partition idx need a new batch? */
static bool needs_new_batch(const struct pqueue *q, int64_t batch_size, int64_t bytes)
{
	return !tail_open(q) || q->tail->bytes + bytes > batch_size;
}

/* KafkaProducer.partition(): an explicit partition, else a custom partitioner.class (which
 * sees every record, keyed or not), else murmur2 of the key, else the built-in sticky
 * partitioner. With a partitioner.class, an append that needs a new batch is aborted and the
 * partitioner told (onNewBatch), then asked again (KIP-480's abortOnNewBatch). */
static int choose_partition(struct cluster *c, struct producer *p, int64_t bytes)
{
	const struct producer_cfg *cfg = p->cfg;
	if (p->keyed_law) /* drawn with its arrival time (arr_draw) */
		return p->arr_part[p->arr_head];
	const struct topic *t = &c->topics[p->topic];
	if (cfg->fixed_partition >= 0)
		return cfg->fixed_partition < t->n_partitions ? cfg->fixed_partition : 0;
	int idx = part_sticky_partition(&p->sticky, p->avail, p->rng_part);
	if (part_sticky_aborts_on_new_batch(&p->sticky) &&
	    needs_new_batch(&p->pq[idx], cfg->batch_size, bytes)) {
		part_sticky_on_new_batch(&p->sticky, idx, p->avail, p->rng_part);
		idx = part_sticky_partition(&p->sticky, p->avail, p->rng_part);
	}
	return idx;
}

/* One record arrives at time t (counted by the caller, catch_up). */
static void arrive(struct cluster *c, struct producer *p, sim_time_ns t)
{
	const struct producer_cfg *cfg = p->cfg;
	int ready_before = p->n_ready;
	int64_t bytes = p->const_bytes;
	if (bytes < 0) {
		double sz = dist_sample(&cfg->record_bytes, p->rng_size);
		bytes = sz < 1 ? 1 : (int64_t)(sz + 0.5); /* llround for sz >= 1 */
	}
	int idx = choose_partition(c, p, bytes);
	accumulate(c, p, idx, bytes, t);
	if (p->sticky_records)
		part_sticky_appended(&p->sticky, idx, bytes,
				     batches_full(&p->pq[idx], cfg->batch_size), p->avail,
				     p->rng_part);
	if (p->n_ready > ready_before) /* a batch filled: Sender.wakeup */
		sender_kick(c, p, t);
}

static sim_time_ns next_gap(struct producer *p)
{
	const struct producer_cfg *cfg = p->cfg;
	double gap_s = cfg->arrival == ARRIVAL_CONSTANT ? 1.0 / cfg->rate_per_s :
			zig_exp(p->rng_arrival) / cfg->rate_per_s;
	sim_time_ns gap = (sim_time_ns)(gap_s * 1e9 + 0.5); /* llround: gap_s >= 0 */
	return gap > 0 ? gap : 1;
}

/* ---- arrivals, applied lazily ---------------------------------------------------------
 *
 * Arrivals change only this producer's accumulator, which nothing reads but the producer's
 * own handlers (sender, responses, metadata, timers) and the report. So they need no event
 * each: every handler first applies the arrivals up to its instant (catch_up), each with the
 * state of its own instant since nothing else ran in between, and the arrival timer fires
 * only where an arrival matters by itself:
 *  - a record that opens a batch starts the batch's linger.ms; applied late, it still
 *    starts it on time if applied before its linger ends, so the timer is never later than
 *    the next arrival plus linger.ms;
 *  - a record that fills a batch (or does not fit in it) makes its broker ready at once.
 *    None can before the arrivals since the last look bring as many bytes as the fullest
 *    open batch lacks, so the timer is never later than the first arrival that could
 *    (record sizes with a bound - constant or uniform; otherwise every arrival is looked
 *    at, as with a linger of 0).
 * The outcome is the one an event per record would give. An arrival timer once applied
 * the arrivals after its instant too, up to the next event anywhere: no faster, and with
 * the producers on a kernel of their own (cluster.paired) not knowable without waiting for
 * the other kernel. */

#define ARR_AHEAD 256u /* arrival times drawn ahead at most (a power of two) */
#define ARR_MASK (ARR_AHEAD - 1)
#define ARR_BLOCK 32u  /* drawn at a time */

/* Draw arrival times until more than k are known (k < ARR_AHEAD), a block at a time, and
 * with a keyed law each one's key and partition (the key from its own stream, so drawing
 * ahead changes no value; the partition picked anew if the law changes, arr_repick): the
 * draws of a block depend on each other only through their running sum, so they overlap,
 * and the ring's bookkeeping is paid once a block. Picking on arrival instead, from a
 * drawn-ahead key, put the table look-up back on each record's path: pairs 0.95-0.97. */
static void arr_draw(struct producer *p, unsigned k)
{
	while (p->arr_n <= k) {
		unsigned room = ARR_AHEAD - p->arr_n, n = room < ARR_BLOCK ? room : ARR_BLOCK;
		unsigned at = p->arr_head + p->arr_n;
		sim_time_ns last = p->arr[(at - 1) & ARR_MASK];
		for (unsigned i = 0; i < n; i++) {
			last += next_gap(p);
			p->arr[(at + i) & ARR_MASK] = last;
		}
		if (p->keyed_law) {
			for (unsigned i = 0; i < n; i++) {
				double u = rng_unit(p->rng_key);
				p->arr_u[(at + i) & ARR_MASK] = u;
				p->arr_part[(at + i) & ARR_MASK] =
					(int32_t)rng_discrete_pick(p->key_parts, u);
			}
		}
		p->arr_n += n;
	}
}

/* The key law changed (the topic grew): the partitions drawn ahead are picked anew. */
static void arr_repick(struct producer *p)
{
	if (!p->keyed_law || !p->arr_part)
		return;
	for (unsigned i = 0; i < p->arr_n; i++) {
		unsigned at = (p->arr_head + i) & ARR_MASK;
		p->arr_part[at] = (int32_t)rng_discrete_pick(p->key_parts, p->arr_u[at]);
	}
}

static sim_time_ns arr_at(struct producer *p, unsigned k) /* the k-th next arrival */
{
	if (p->arr_n <= k)
		arr_draw(p, k);
	return p->arr[(p->arr_head + k) & ARR_MASK];
}

/* Apply the arrivals at or before until. */
static void catch_up(struct cluster *c, struct producer *p, sim_time_ns until)
{
	if (p->arr_n == 0)
		return;
	sim_time_ns stop = p->cfg->stop_ns;
	if (until >= stop)
		until = stop - 1;
	uint64_t n = 0; /* counted once, not per record: nothing reads the counts meanwhile */
	for (;; n++) {
		sim_time_ns t = p->arr[p->arr_head];
		if (t > until)
			break;
		arrive(c, p, t);
		if (p->arr_n == 1)
			arr_draw(p, 1);
		p->arr_head = (p->arr_head + 1) & ARR_MASK;
		p->arr_n--;
	}
	p->produced += n;
	c->records_produced += n;
	c->records_produced_iv += n;
}

/* The most bytes a record may have, or -1 without a bound. */
static int64_t record_bytes_max(const struct dist *d)
{
	double v = d->kind == DIST_CONSTANT ? d->a : d->kind == DIST_UNIFORM ? d->b : -1;
	if (v < 0)
		return -1;
	return v < 1 ? 1 : (int64_t)(v + 0.5);
}

/* Recompute open_max now and then (it only grows between scans: a drained batch leaves
 * it too high, which only arms the timer early). */
static void open_max_scan(struct producer *p)
{
	if (p->produced < p->open_scan_at)
		return;
	p->open_max = 0;
	for (int i = 0; i < p->n_pq; i++)
		if (tail_open(&p->pq[i]) && p->pq[i].tail->bytes > p->open_max)
			p->open_max = p->pq[i].tail->bytes;
	p->open_scan_at = p->produced + (uint64_t)p->n_pq;
}

static void arrival_ev(struct sim *s, void *subject, void *arg);

static void arrival_arm(struct cluster *c, struct producer *p)
{
	const struct producer_cfg *cfg = p->cfg;
	sim_time_ns next = arr_at(p, 0), at = next;
	if (next >= cfg->stop_ns)
		return;
	int64_t rmax = record_bytes_max(&cfg->record_bytes);
	if (cfg->linger_ns > 0 && rmax > 0) {
		open_max_scan(p);
		/* arrival k (from 0) cannot fill a batch while open_max + (k + 1) * rmax stays
		 * below batch.size */
		int64_t safe = (cfg->batch_size - p->open_max + rmax - 1) / rmax - 1;
		at = next + cfg->linger_ns;
		if (safe > 0) {
			sim_time_ns fill = arr_at(p, safe < ARR_AHEAD ? (unsigned)safe : ARR_AHEAD - 1);
			if (fill < at)
				at = fill;
		} else {
			at = next;
		}
	}
	p->arrival_timer = sim_schedule(c->psim, at, arrival_ev, c, p);
}

static void arrival_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct producer *p = arg;
	p->arrival_timer = 0;
	catch_up(c, p, sim_now(s));
	arrival_arm(c, p);
}

/* The entry points other modules call work on the producers' kernel (sim_enter): with a
 * pair (cluster.paired) what they schedule must go there. */
void prod__catch_up(struct cluster *c)
{
	struct sim *was = sim_enter(c->psim);
	for (int k = 0; k < c->n_producers; k++)
		catch_up(c, &c->producers[k], sim_now(c->psim));
	sim_enter(was);
}

/* ---- sender --------------------------------------------------------------------------- */

static struct preq *preq_find(struct producer *p, uint64_t id, int *pos)
{
	for (int i = 0; i < p->n_reqs; i++) {
		if (p->reqs[i].id == id) {
			*pos = i;
			return &p->reqs[i];
		}
	}
	return NULL;
}

static void request_timeout_ev(struct sim *s, void *subject, void *arg);
static void request_expire(struct cluster *c, struct producer *p, int pos);

/* Drain the first sendable batch of every partition led by `broker` into one request. */
/* Take the first sendable batch of every partition queued for this connection (up to
 * max.request.size) into list; sequences are given on first send. Returns the count. */
static int drain_take(struct producer *p, struct pconn *cn, sim_time_ns now,
		      struct pbatch **list, int64_t *bytes)
{
	int n = 0;
	*bytes = 0;
	/* from drain_index round to it; it may lie past a list that shrank since */
	int start = cn->drain_index < cn->n_parts ? cn->drain_index :
		    cn->n_parts ? cn->drain_index % cn->n_parts : 0;
	for (int k = 0, at = start; k < cn->n_parts && *bytes < 1048576; k++, at++) {
		if (at == cn->n_parts) /* a wrap, not a division per partition */
			at = 0;
		struct pqueue *q = &p->pq[cn->parts[at]];
		struct pbatch *b = q->head;
		if (!b || backing_off(q, b, now) || (q->seq_unresolved && !sequenced(q, b)))
			continue;
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		if (b->first_seq < 0) {
			b->first_seq = q->next_seq;
			q->next_seq += b->count;
		}
		if (b->proto_seq < 0 || b->epoch != q->epoch) { /* new, or re-sequenced (KIP-360) */
			b->epoch = q->epoch;
			b->proto_seq = q->next_proto;
			q->next_proto += b->count;
		}
		b->closed = true;
		b->in_flight = true;
		b->sent_leader_epoch = q->leader_epoch;
		b->attempts++;
		list[n++] = b;
		*bytes += b->bytes;
	}
	if (cn->n_parts)
		cn->drain_index = start + 1 < cn->n_parts ? start + 1 : 0;
	int keep = 0; /* partitions whose queue emptied leave the list */
	for (int k = 0; k < cn->n_parts; k++) {
		struct pqueue *q = &p->pq[cn->parts[k]];
		if (q->n > 0)
			cn->parts[keep++] = cn->parts[k];
		else
			q->listed = false;
	}
	cn->n_parts = keep;
	return n;
}

/* Remember a request in flight; its timeout shares the producer's one timer. */
static void track_request(struct cluster *c, struct producer *p, int broker, uint64_t req_id,
			  struct pbatch **list, int n)
{
	if (p->n_reqs == p->cap_reqs) {
		int ncap = p->cap_reqs ? 2 * p->cap_reqs : 8;
		p->reqs = xrealloc(p->reqs, (size_t)ncap * sizeof(*p->reqs));
		memset(p->reqs + p->cap_reqs, 0, (size_t)(ncap - p->cap_reqs) * sizeof(*p->reqs));
		p->cap_reqs = ncap;
	}
	struct preq *pr = &p->reqs[p->n_reqs++];
	pr->id = req_id;
	pr->broker = broker;
	pr->n = n;
	if (pr->cap < n) { /* the slot keeps the array of the request it held before */
		pr->cap = n > 8 ? n : 8;
		pr->batches = xrealloc(pr->batches, (size_t)pr->cap * sizeof(*pr->batches));
	}
	memcpy(pr->batches, list, (size_t)n * sizeof(*list));
	pr->deadline = sim_time_after(sim_now(c->psim), p->cfg->request_timeout_ns);
	pr->ticket = sim_ticket_take(c->psim);
	/* every request of this producer has the same timeout, so a pending timer is never
	 * later than this deadline */
	if (!p->req_timer) {
		p->req_timer_ticket = pr->ticket;
		p->req_timer = sim_schedule_ticket(c->psim, pr->deadline, pr->ticket,
						   request_timeout_ev, c, p);
	}
	p->conn[broker - 1].in_flight++;
}

/* One ProduceRequest to `broker` with the first sendable batch of each of its partitions. */
static void drain(struct cluster *c, struct producer *p, int broker)
{
	const struct producer_cfg *cfg = p->cfg;
	struct pconn *cn = &p->conn[broker - 1];
	struct pbatch *list[cn->n_parts > 0 ? cn->n_parts : 1];
	int64_t bytes;
	int n = drain_take(p, cn, sim_now(c->psim), list, &bytes);
	if (n == 0)
		return;
	struct produce_req *r = ks_alloc(c, sizeof(*r) + (size_t)n * sizeof(r->e[0]));
	r->req_id = ++p->next_req_id;
	r->producer = p->idx;
	r->acks = cfg->acks;
	r->idempotent = cfg->enable_idempotence;
	r->conn = cn->attempt;
	cn->used = true;
	r->timeout_ns = cfg->request_timeout_ns;
	r->n = n;
	for (int i = 0; i < n; i++)
		r->e[i] = (struct produce_entry){ list[i]->part, list[i]->epoch, list[i]->count,
						  list[i]->first_seq, list[i]->bytes,
						  list[i]->create_ns, list[i]->last_arrival_ns,
						  list[i]->proto_seq };
	p->requests++;
	c->produce_requests++;
	c->batches_sent += (uint64_t)n;
	uint64_t req_id = r->req_id; /* the network may free r at once (a lost request) */
	r->h.give_up_ns = sim_now(c->psim) + cfg->request_timeout_ns;
	net__send(c, p->node, net__broker_node(c, broker), &r->h, MSG_PRODUCE_REQ, 64 + bytes);
	if (cfg->acks == ACKS_0) { /* fire and forget: complete at once */
		for (int i = 0; i < n; i++)
			prod__complete(c, p, list[i], KERR_NONE);
		return;
	}
	track_request(c, p, broker, req_id, list, n);
}

/* Is the batch a linger deadline was set for still waiting in its queue? */
static bool linger_live(const struct producer *p, const struct linger_entry *e)
{
	for (const struct pbatch *b = p->pq[e->part].head; b; b = b->next)
		if (b->serial == e->serial)
			return true;
	return false;
}

/* Make the connections whose batches have lingered ready; returns the next deadline of a
 * batch still waiting (one drained early, with another partition's, needs no wake-up). */
static sim_time_ns pop_linger(struct cluster *c, struct producer *p, sim_time_ns now)
{
	while (p->linger_n) {
		struct linger_entry *e = &p->linger[p->linger_head];
		if (e->at > now && linger_live(p, e))
			return e->at;
		struct pqueue *q = &p->pq[e->part];
		if (q->head && q->leader >= 1 && q->head->create_ns + p->cfg->linger_ns <= now)
			mark_ready(p, q->leader);
		p->linger_head = (p->linger_head + 1) & (p->linger_cap - 1);
		p->linger_n--;
	}
	(void)c;
	return SIM_TIME_MAX;
}

static void sender_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct producer *p = arg;
	catch_up(c, p, sim_now(s));
	sim_time_ns now = sim_now(s);
	pop_linger(c, p, now); /* lingered batches make their connections ready */
	p->sender_timer = 0;
	p->sender_at = SIM_TIME_MAX;
	if (p->sticky.kind == PART_DEFAULT && p->sticky.adaptive && p->cfg->keys == KEYS_NULL) {
		for (int i = 0; i < p->n_pq; i++)
			p->qsizes[i] = p->pq[i].records ? p->pq[i].n : -1;
		part_sticky_load_stats(&p->sticky, p->qsizes, p->avail);
	}
	int keep = 0;
	for (int i = 0; i < p->n_ready; i++) {
		int broker = p->ready[i];
		struct pconn *cn = &p->conn[broker - 1];
		if (cn->down) { /* nothing goes until a new connection is made (conn_made) */
			cn->ready = false;
			if (!cn->connecting && !cn->timer) /* NetworkClient.ready: connect now */
				conn_attempt_ev(c->psim, c, cn);
		} else if (cn->in_flight < p->cfg->max_in_flight && c->net.nodes[p->node].up) {
			drain(c, p, broker);
			if (conn_sendable(p, cn, now))
				p->ready[keep++] = broker; /* more to send: the next poll drains it */
			else
				cn->ready = false;
		} else {
			p->ready[keep++] = broker; /* stays ready until a response frees a slot */
		}
	}
	p->n_ready = keep;
	/* the drains may have taken batches whose linger had not ended: the next wake-up is
	 * the deadline of one still waiting (Sender loops at once after a send, and its
	 * RecordAccumulator.ready() then sees only the batches left) */
	sim_time_ns next = pop_linger(c, p, now);
	/* batches in retry backoff make their broker ready when the backoff ends */
	keep = 0;
	for (int i = 0; i < p->n_retry; i++) {
		struct pqueue *q = &p->pq[p->retry[i].part];
		const struct pbatch *h = q->head;
		if (p->retry[i].at <= now ||
		    (h && h->serial == p->retry[i].serial && !backing_off(q, h, now))) {
			if (q->leader >= 1 && q->n > 0)
				mark_ready(p, q->leader);
			continue;
		}
		if (p->retry[i].at < next)
			next = p->retry[i].at;
		p->retry[keep++] = p->retry[i];
	}
	p->n_retry = keep;
	if (p->n_ready) { /* a drain made room or a retry came due: go round again now */
		for (int i = 0; i < p->n_ready; i++)
			if (p->conn[p->ready[i] - 1].in_flight < p->cfg->max_in_flight) {
				next = now;
				break;
			}
	}
	if (next != SIM_TIME_MAX)
		sender_kick(c, p, next);
}

static void sender_kick(struct cluster *c, struct producer *p, sim_time_ns at)
{
	if (p->sender_timer && p->sender_at <= at)
		return;
	if (p->sender_timer)
		sim_cancel(c->psim, p->sender_timer);
	p->sender_at = at;
	p->sender_timer = sim_schedule(c->psim, at, sender_ev, c, p);
}

/* ---- completion, retries, errors -------------------------------------------------------- */

/* A topic's partitions have consecutive global ids from its first_partition, so the
 * queue's index needs no read of the partition (a cache miss in a large cluster). */
static struct pqueue *pq_of(struct cluster *c, struct producer *p, int part)
{
	return &p->pq[part - c->topics[p->topic].first_partition];
}

/* The broker has batch b: the partition's acknowledged sequences reach past it. */
static void note_acked_sequence(struct pqueue *q, const struct pbatch *b)
{
	if (b->epoch == q->epoch && b->proto_seq + b->count > q->acked_proto_end)
		q->acked_proto_end = b->proto_seq + b->count;
}

/* A partition's producers waited for an acknowledgement from the later of its last one and
 * `since` (a waiting batch's creation) until now: the longest such wait is max_ack_gap. */
static void ack_wait(struct cluster *c, int part, sim_time_ns since)
{
	struct partition *gp = &c->parts[part];
	sim_time_ns now = sim_now(c->psim);
	if (gp->last_ack_ns > since)
		since = gp->last_ack_ns;
	if (now - since > gp->max_ack_gap_ns)
		gp->max_ack_gap_ns = now - since;
}

/* What a finished batch tells the user and the checker: acknowledged (err NONE) or failed. */
static void batch_outcome(struct cluster *c, struct producer *p, struct pbatch *b,
			  enum ks_error err)
{
	struct pqueue *q = pq_of(c, p, b->part);
	sim_time_ns now = sim_now(c->psim);
	if (err == KERR_NONE) {
		rset_add(&q->acked, b->first_seq, b->first_seq + b->count);
		note_acked_sequence(q, b);
		p->acked += (uint64_t)b->count;
		c->records_acked += (uint64_t)b->count;
		c->records_acked_iv += (uint64_t)b->count;
		ack_wait(c, b->part, b->create_ns);
		c->parts[b->part].last_ack_ns = now;
		sim_time_ns mean_arrival = b->create_ns + b->arrival_sum_ns / b->count;
		hist_record_n(&c->produce_lat_iv, now - mean_arrival, (uint64_t)b->count);
	} else {
		if (b->first_seq >= 0)
			rset_add(&q->failed, b->first_seq, b->first_seq + b->count);
		else
			q->unsent_failed += b->count;
		p->failed += (uint64_t)b->count;
		c->records_failed += (uint64_t)b->count;
		if (trace_on(c->ptr, TRACE_EVENTS)) {
			trace_begin(c->ptr, now, "produce.failed");
			struct jsonw *w = trace_w(c->ptr);
			jsonw_kstr(w, "producer", p->cfg->name);
			jsonw_kint(w, "partition_index", c->parts[b->part].index);
			jsonw_kint(w, "records", b->count);
			jsonw_kstr(w, "error", ks_error_name(err));
			trace_end(c->ptr);
		}
	}
}

static void batch_free(struct producer *p, struct pbatch *b)
{
	b->next = p->spare;
	p->spare = b;
}

/* A batch is finished: acknowledged (err NONE) or given up. Frees it. */
void prod__complete(struct cluster *c, struct producer *p, struct pbatch *b, enum ks_error err)
{
	batch_outcome(c, p, b, err);
	batch_free(p, b);
}

/* ExponentialBackoff.backoff: retry.backoff.ms doubled per attempt, up to
 * retry.backoff.max.ms, with 20% jitter, and the jittered value capped again (so never
 * above the maximum); a maximum not above the base is a constant backoff, no jitter. */
static sim_time_ns retry_backoff(struct producer *p, int attempts)
{
	const struct producer_cfg *cfg = p->cfg;
	double base = (double)cfg->retry_backoff_ns, max = (double)cfg->retry_backoff_max_ns;
	if (max <= base)
		return cfg->retry_backoff_ns;
	double exp = base * pow(2.0, attempts > 1 ? attempts - 1 : 0);
	if (exp > max)
		exp = max;
	double v = exp * (0.8 + 0.4 * rng_unit(p->rng_part));
	return (sim_time_ns)(v < max ? v : max);
}

static bool retriable(enum ks_error e)
{
	switch (e) {
	case KERR_NOT_LEADER_OR_FOLLOWER:
	case KERR_NOT_ENOUGH_REPLICAS:
	case KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case KERR_REQUEST_TIMED_OUT:
	case KERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
	case KERR_NETWORK_EXCEPTION:
	case KERR_LEADER_NOT_AVAILABLE:
	case KERR_INVALID_PRODUCER_EPOCH:
		return true;
	default:
		return false;
	}
}

/* KIP-360 (TransactionManager.canRetry): OUT_OF_ORDER_SEQUENCE_NUMBER for the batch that is
 * next in line - its first sequence follows the last acknowledged one - means the broker
 * lost records (a truncation): nothing will fill the gap, so the batch fails and the
 * producer bumps its epoch, after which the broker accepts the next sequence. For any other
 * batch the gap may still fill (an earlier batch is being retried): retry. */
static bool sequence_gap_unresolvable(struct pqueue *q, const struct pbatch *b)
{
	return b->epoch == q->epoch && b->proto_seq == q->acked_proto_end;
}

/* ---- unresolved sequences (TransactionManager, KIP-360) -----------------------------------
 *
 * An idempotent producer's batch that was being retried and expired (its delivery timeout
 * ran out, queued or on the wire) leaves the partition's sequence unresolved: the broker may
 * or may not have written it (Sender.sendProducerData, markSequenceUnresolved). No new batch
 * drains to the partition while it is unresolved (shouldStopDrainingBatches), retries do;
 * once none of its batches is in flight - on the wire or queued with a sequence
 * (hasInflightBatches) - it is resolved (maybeResolveSequences): unless every sequence
 * handed out was acknowledged, the gap can never fill and the epoch is bumped, the
 * partition's new batches starting again from 0, which the broker accepts as a new epoch's
 * (ProducerAppendInfo: only from 0). Without this, every later batch met
 * OUT_OF_ORDER_SEQUENCE_NUMBER until its own delivery timeout. */
static void seq_unresolve(struct producer *p, struct pqueue *q)
{
	if (!p->cfg->enable_idempotence || q->seq_unresolved)
		return;
	q->seq_unresolved = true;
	if (p->n_unresolved == p->cap_unresolved) {
		p->cap_unresolved = p->cap_unresolved ? 2 * p->cap_unresolved : 8;
		p->unresolved = xrealloc(p->unresolved,
					 (size_t)p->cap_unresolved * sizeof(*p->unresolved));
	}
	p->unresolved[p->n_unresolved++] = (int)(q - p->pq);
}

/* TransactionManager.hasInflightBatches: on the wire, or queued for a retry with its
 * sequence (Sender.reenqueue keeps a retried batch among the in-flight ones). */
static bool part_in_flight(const struct producer *p, const struct pqueue *q, int part)
{
	for (int k = 0; k < p->n_reqs; k++)
		for (int i = 0; i < p->reqs[k].n; i++)
			if (p->reqs[k].batches[i]->part == part)
				return true;
	for (const struct pbatch *b = q->head; b; b = b->next)
		if (sequenced(q, b))
			return true;
	return false;
}

static void seq_resolve(struct cluster *c, struct producer *p)
{
	int keep = 0, first = c->topics[p->topic].first_partition;
	bool resolved = false;
	for (int k = 0; k < p->n_unresolved; k++) {
		struct pqueue *q = &p->pq[p->unresolved[k]];
		if (part_in_flight(p, q, first + p->unresolved[k])) {
			p->unresolved[keep++] = p->unresolved[k];
			continue;
		}
		q->seq_unresolved = false;
		resolved = true;
		/* maybeResolveSequences: resolved if every sequence handed out was acknowledged
		 * (an expired batch, later ones succeeded); else a new epoch, in which the
		 * batches still queued, retried ones too, are sequenced anew from 0 */
		if (q->next_proto != q->acked_proto_end) {
			q->epoch++;
			q->next_proto = 0;
			q->acked_proto_end = 0;
		}
		if (q->n > 0 && q->leader >= 1)
			mark_ready(p, q->leader);
	}
	p->n_unresolved = keep;
	if (resolved)
		sender_kick(c, p, sim_now(c->psim));
}

static void batch_failed(struct cluster *c, struct producer *p, struct pbatch *b,
			 enum ks_error err)
{
	const struct producer_cfg *cfg = p->cfg;
	sim_time_ns now = sim_now(c->psim);
	cluster__count_error(c, err);
	struct pqueue *q = pq_of(c, p, b->part);
	if (err == KERR_OUT_OF_ORDER_SEQUENCE_NUMBER && sequence_gap_unresolvable(q, b)) {
		q->epoch++;
		q->next_proto = 0;
		q->acked_proto_end = 0;
		b->in_flight = false;
		prod__complete(c, p, b, err);
		return;
	}
	if (trace_on(c->ptr, TRACE_DEBUG)) {
		trace_begin(c->ptr, now, "produce.error");
		struct jsonw *w = trace_w(c->ptr);
		jsonw_kstr(w, "producer", cfg->name);
		jsonw_kint(w, "partition_index", c->parts[b->part].index);
		jsonw_kstr(w, "error", ks_error_name(err));
		jsonw_kint(w, "attempt", b->attempts);
		trace_end(c->ptr);
	}
	b->in_flight = false;
	/* Sender.canRetry; a batch that may not be retried fails with its error
	 * (Sender.failBatch), even a retriable one whose retries or delivery.timeout.ms ran out */
	if (!retriable(err) || b->attempts > cfg->retries ||
	    now - b->create_ns >= cfg->delivery_timeout_ns) {
		/* TransactionManager.handleFailedBatch: a batch failing with OUT_OF_ORDER means
		 * a gap; the epoch is bumped (here once nothing of the partition is in flight) */
		if (err == KERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
			seq_unresolve(p, q);
		prod__complete(c, p, b, err);
		return;
	}
	p->retries++;
	b->retry_at_ns = now + retry_backoff(p, b->attempts);
	int idx = c->parts[b->part].index;
	pq_push_retry(p, idx, b);
	if (p->n_retry == p->cap_retry) {
		p->cap_retry = p->cap_retry ? 2 * p->cap_retry : 8;
		p->retry = xrealloc(p->retry, (size_t)p->cap_retry * sizeof(*p->retry));
	}
	p->retry[p->n_retry++] = (struct linger_entry){ b->retry_at_ns, idx, b->serial };
	sender_kick(c, p, b->retry_at_ns);
	if (err == KERR_NOT_LEADER_OR_FOLLOWER || err == KERR_NETWORK_EXCEPTION ||
	    err == KERR_REQUEST_TIMED_OUT || err == KERR_LEADER_NOT_AVAILABLE)
		request_metadata(c, p);
}

/* A request finished (response, timeout or disconnect): errs[i] per batch. */
static void request_done(struct cluster *c, struct producer *p, int pos,
			 const enum ks_error *errs)
{
	struct preq pr = p->reqs[pos];
	/* the freed slot (past n_reqs) keeps the batches array for the next request */
	p->reqs[pos] = p->reqs[--p->n_reqs];
	p->reqs[p->n_reqs] = pr;
	p->conn[pr.broker - 1].in_flight--;
	for (int i = 0; i < pr.n; i++) {
		struct pbatch *b = pr.batches[i];
		if (b->expired) { /* failed already (expire_in_flight); the sequence still moves */
			if (errs[i] == KERR_NONE)
				note_acked_sequence(pq_of(c, p, b->part), b);
			batch_free(p, b);
		} else if (errs[i] == KERR_NONE) {
			prod__complete(c, p, b, KERR_NONE);
		} else {
			batch_failed(c, p, b, errs[i]);
		}
	}
	if (p->n_unresolved)
		seq_resolve(c, p);
	if (conn_sendable(p, &p->conn[pr.broker - 1], sim_now(c->psim)))
		mark_ready(p, pr.broker);
	if (p->n_ready) /* a slot freed for a ready connection */
		sender_kick(c, p, sim_now(c->psim));
}

/* request.timeout.ms. One kernel timer per producer stands for the deadlines of all its
 * requests: it is armed at the earliest pending one, with that deadline's ticket, so it
 * fires exactly where a timer per request would have (sim.h, lazy timers). A request that
 * completes leaves the timer be; when it fires for a request no longer pending it only
 * re-arms. */
static void request_timeout_arm(struct cluster *c, struct producer *p)
{
	struct preq *first = NULL;
	for (int i = 0; i < p->n_reqs; i++) {
		struct preq *r = &p->reqs[i];
		if (!first || r->deadline < first->deadline ||
		    (r->deadline == first->deadline && r->ticket < first->ticket))
			first = r;
	}
	if (!first)
		return;
	p->req_timer_ticket = first->ticket;
	p->req_timer = sim_schedule_ticket(c->psim, first->deadline, first->ticket,
					   request_timeout_ev, c, p);
}

static void request_timeout_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct producer *p = arg;
	catch_up(c, p, sim_now(s));
	p->req_timer = 0;
	int pos = -1;
	for (int i = 0; i < p->n_reqs && pos < 0; i++)
		if (p->reqs[i].ticket == p->req_timer_ticket)
			pos = i;
	if (pos < 0 || p->reqs[pos].deadline > sim_now(s)) {
		request_timeout_arm(c, p);
		return;
	}
	request_expire(c, p, pos);
	request_timeout_arm(c, p);
}

/* The whole request failed with one error (no response to read). */
static void request_fail(struct cluster *c, struct producer *p, int pos, enum ks_error err)
{
	enum ks_error errs[p->reqs[pos].n];
	for (int i = 0; i < p->reqs[pos].n; i++)
		errs[i] = err;
	request_done(c, p, pos, errs);
}

/* The connection to `broker` closed: every request in flight on it fails. */
static void connection_lost(struct cluster *c, struct producer *p, int broker)
{
	for (int k = 0; k < p->n_reqs;) {
		if (p->reqs[k].broker == broker)
			request_fail(c, p, k, KERR_NETWORK_EXCEPTION);
		else
			k++;
	}
}

/* ---- connections (NetworkClient): closed, then made anew after a backoff ---------------
 *
 * A connection closes when the broker's process dies (the reset arrives at once), when a
 * request on it times out (the client closes it), when a request or a connection attempt is
 * refused (no process listens), and when the broker closes it (acks=0 requests that failed:
 * KafkaApis closes the connection so that the producer refreshes its metadata, having no
 * response to read an error from). While it is closed nothing is drained to that broker:
 * the batches wait in the accumulator (RecordAccumulator.ready skips a node that
 * NetworkClient.ready refuses), to be sent once a new connection is made, or to another
 * broker once the metadata moves their partitions. Each close asks for fresh metadata
 * (NetworkClient.handleDisconnections); a new connection is tried after reconnect.backoff.ms,
 * doubled after each failed attempt up to reconnect.backoff.max.ms (Kafka adds 20% jitter:
 * here none), and only while there is something to send to that broker. An attempt is a
 * message to the broker: answered by a live process, refused one hop later by a host whose
 * process is down, or lost across a network split - then TCP resends its SYN after 1 s,
 * doubling, until socket.connection.setup.timeout.ms fails the attempt. */

static void conn_retry_later(struct cluster *c, struct pconn *cn)
{
	const struct producer_cfg *cfg = cn->p->cfg;
	sim_time_ns max = cfg->reconnect_backoff_max_ns > cfg->reconnect_backoff_ns ?
				  cfg->reconnect_backoff_max_ns : cfg->reconnect_backoff_ns;
	cn->connecting = false;
	if (cn->timer)
		sim_cancel(c->psim, cn->timer);
	cn->timer = sim_after(c->psim, cn->backoff_ns, conn_attempt_ev, c, cn);
	cn->backoff_ns = cn->backoff_ns > max / 2 ? max : 2 * cn->backoff_ns;
}

/* No connection to cn's broker (closed, or an attempt failed): fresh metadata, and a new
 * attempt after the backoff. */
static void conn_failed(struct cluster *c, struct pconn *cn)
{
	request_metadata(c, cn->p);
	conn_retry_later(c, cn);
}

/* The connection to `broker` closed (cause: how, for the trace): requests in flight on it
 * fail, and a new one is made after the backoff. */
static void conn_close(struct cluster *c, struct producer *p, int broker, const char *cause)
{
	meta__disconnected(c, &p->meta, broker); /* the metadata request it carried, if any */
	connection_lost(c, p, broker);
	struct pconn *cn = &p->conn[broker - 1];
	if (cn->down)
		return;
	cluster__event(c, EV_PRODUCER_DISCONNECTED, 1);
	if (trace_on(c->ptr, TRACE_EVENTS)) {
		trace_begin(c->ptr, sim_now(c->psim), "producer.disconnect");
		jsonw_kstr(trace_w(c->ptr), "producer", p->cfg->name);
		jsonw_kint(trace_w(c->ptr), "broker", broker);
		jsonw_kstr(trace_w(c->ptr), "cause", cause);
		trace_end(c->ptr);
	}
	cn->down = true;
	cn->backoff_ns = p->cfg->reconnect_backoff_ns;
	conn_failed(c, cn);
}

#define TCP_SYN_RTO_NS SIM_S /* TCP's first SYN retransmission, doubling after (RFC 6298) */

static void conn_probe(struct cluster *c, struct pconn *cn)
{
	struct conn_msg *m = ks_alloc(c, sizeof(*m));
	m->attempt = cn->attempt;
	net__send(c, cn->p->node, net__broker_node(c, cn->broker), &m->h, MSG_CONNECT, 64);
}

static void conn_retransmit_ev(struct sim *s, void *subject, void *arg);

/* Wait for the attempt's answer until the next SYN is due, or the time `left` before the
 * setup timeout if that is sooner. */
static void conn_await(struct cluster *c, struct pconn *cn, sim_time_ns left)
{
	cn->timer = sim_after(c->psim, cn->rto_ns < left ? cn->rto_ns : left, conn_retransmit_ev,
			      c, cn);
}

/* No answer yet: TCP sends the SYN again, until the setup timeout fails the attempt. */
static void conn_retransmit_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct pconn *cn = arg;
	cn->timer = 0;
	if (!cn->down || !cn->connecting)
		return;
	sim_time_ns left = cn->connect_start_ns + cn->p->cfg->connection_setup_timeout_ns -
			   sim_now(s);
	if (left <= 0) {
		conn_failed(c, cn);
		return;
	}
	conn_probe(c, cn);
	cn->rto_ns = cn->rto_ns > SIM_TIME_MAX / 4 ? cn->rto_ns : 2 * cn->rto_ns;
	conn_await(c, cn, left);
}

static void conn_attempt_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct pconn *cn = arg;
	cn->timer = 0;
	if (!cn->down || cn->n_parts == 0) /* nothing to send there: no attempt until there is */
		return;
	cn->connecting = true;
	cn->attempt++;
	cn->connect_start_ns = sim_now(s);
	cn->rto_ns = TCP_SYN_RTO_NS;
	conn_await(c, cn, cn->p->cfg->connection_setup_timeout_ns);
	conn_probe(c, cn);
}

/* The connection to the broker at network node `node`. */
static struct pconn *conn_at(const struct cluster *c, struct producer *p, int node)
{
	return &p->conn[c->net.nodes[node].index - 1];
}

/* The broker answered an attempt: the connection is up, its batches may go. */
static void conn_made(struct cluster *c, struct producer *p, const struct conn_msg *m)
{
	struct pconn *cn = conn_at(c, p, m->h.from);
	if (!cn->down || !cn->connecting || m->attempt != cn->attempt)
		return;
	cn->down = false;
	cn->connecting = false;
	if (cn->timer)
		sim_cancel(c->psim, cn->timer);
	cn->timer = 0;
	sim_time_ns now = sim_now(c->psim);
	if (conn_sendable(p, cn, now))
		mark_ready(p, cn->broker);
	sender_kick(c, p, now);
}

static void request_expire(struct cluster *c, struct producer *p, int pos)
{
	int broker = p->reqs[pos].broker;
	request_fail(c, p, pos, KERR_REQUEST_TIMED_OUT);
	/* NetworkClient closes a connection whose request timed out: the requests behind it
	 * on that connection fail too, and are retried in order. */
	conn_close(c, p, broker, "request timed out");
}

static void on_produce_resp(struct cluster *c, struct producer *p, struct produce_resp *r)
{
	int pos;
	struct preq *pr = preq_find(p, r->req_id, &pos);
	if (!pr || pr->n != r->n || r->n < 1) /* a request carries a batch at least */
		return;
	enum ks_error errs[r->n];
	for (int i = 0; i < r->n; i++)
		errs[i] = r->e[i].err;
	request_done(c, p, pos, errs);
	/* KIP-951 (Sender.handleProduceResponse, Metadata.updatePartitionLeadership): a newer
	 * leader a NOT_LEADER_OR_FOLLOWER answer names is taken at once; the metadata refresh
	 * the error asked for still goes */
	bool moved = false;
	for (int i = 0; i < r->n; i++) {
		const struct produce_resp_entry *e = &r->e[i];
		int idx = c->parts[e->part].index;
		if (e->err != KERR_NOT_LEADER_OR_FOLLOWER ||
		    !meta__take_leader(&p->meta, idx, e->leader, e->leader_epoch))
			continue;
		p->pq[idx].leader = e->leader;
		p->pq[idx].leader_epoch = e->leader_epoch;
		moved = true;
	}
	if (moved) {
		rebuild_lists(c, p);
		sender_kick(c, p, sim_now(c->psim));
	}
}

/* A request of ours was refused (the broker's process is down): the connection is closed
 * (NETWORK_EXCEPTION for a produce request in flight on it; an acks=0 request's records
 * are lost), a connection attempt failed; another broker for a metadata request. */
void prod__on_bounce(struct cluster *c, struct producer *p, struct msg *m)
{
	catch_up(c, p, sim_now(c->psim));
	if (m->type == MSG_PRODUCE_REQ) {
		conn_close(c, p, conn_at(c, p, m->to)->broker, "refused");
	} else if (m->type == MSG_CONNECT) {
		const struct conn_msg *q = (const struct conn_msg *)m;
		struct pconn *cn = conn_at(c, p, m->to);
		if (cn->down && cn->connecting && q->attempt == cn->attempt)
			conn_failed(c, cn);
	} else if (m->type == MSG_METADATA_REQ) {
		meta__disconnected(c, &p->meta, conn_at(c, p, m->to)->broker);
	}
	ks_free(m);
}

void prod__broker_disconnect(struct cluster *c, int broker_id)
{
	prod__catch_up(c);
	for (int k = 0; k < c->n_producers; k++) {
		struct producer *p = &c->producers[k];
		if (p->conn[broker_id - 1].used) /* conn_close fails its metadata request too */
			conn_close(c, p, broker_id, "reset");
		else /* a producer with no connection there sees nothing but that */
			meta__disconnected(c, &p->meta, broker_id);
	}
}

/* ---- metadata ------------------------------------------------------------------------- */

static void request_metadata(struct cluster *c, struct producer *p)
{
	meta__request(c, &p->meta, p->node, p->topic);
}

/* meta.c's timed_out: the metadata request went on the connection to `broker`, where the
 * producer's requests go too (NetworkClient's one connection a node); its timeout closes it. */
static void metadata_timed_out(struct cluster *c, struct client_meta *m, int broker)
{
	struct producer *p = (struct producer *)((char *)m - offsetof(struct producer, meta));
	if (p->conn[broker - 1].used)
		conn_close(c, p, broker, "request timed out");
}

static void on_metadata(struct cluster *c, struct producer *p, struct msg *m)
{
	meta__apply(c, &p->meta, m);
	for (int i = 0; i < p->n_pq && i < p->meta.n; i++) {
		p->pq[i].leader = p->meta.leader[i];
		p->pq[i].leader_epoch = p->meta.epoch[i];
	}
	rebuild_lists(c, p);
	sender_kick(c, p, sim_now(c->psim));
}

void prod__on_msg(struct cluster *c, struct producer *p, struct msg *m)
{
	catch_up(c, p, sim_now(c->psim));
	if (m->type == MSG_PRODUCE_RESP)
		on_produce_resp(c, p, (struct produce_resp *)m);
	else if (m->type == MSG_METADATA_RESP)
		on_metadata(c, p, m);
	else if (m->type == MSG_CONNECT_RESP)
		conn_made(c, p, (const struct conn_msg *)m);
	else if (m->type == MSG_CONN_CLOSED && /* this connection's, not an earlier one's */
		 ((const struct conn_msg *)m)->attempt == conn_at(c, p, m->from)->attempt)
		conn_close(c, p, conn_at(c, p, m->from)->broker, "closed by the broker");
	ks_free(m);
}

/* Sender.getExpiredInflightBatches: a batch in flight past its delivery deadline fails
 * now (TimeoutException), its request going on; what the request brings back for it is
 * ignored (ProducerBatch.done keeps the first final state), but for the sequence it moves
 * (TransactionManager.handleCompletedBatch). Written after all, its records count as failed
 * but written. */
static void expire_in_flight(struct cluster *c, struct producer *p, sim_time_ns now)
{
	for (int k = 0; k < p->n_reqs; k++) {
		const struct preq *r = &p->reqs[k];
		for (int i = 0; i < r->n; i++) {
			struct pbatch *b = r->batches[i];
			if (b->expired || now - b->create_ns < p->cfg->delivery_timeout_ns)
				continue;
			b->expired = true;
			cluster__count_error(c, KERR_DELIVERY_TIMEOUT);
			batch_outcome(c, p, b, KERR_DELIVERY_TIMEOUT);
			if (b->attempts > 1) /* expiredBatch.inRetry() */
				seq_unresolve(p, pq_of(c, p, b->part));
		}
	}
}

/* The batches still waiting for an outcome that may be the oldest of their partition: each
 * queue's head (a queue's oldest) and every batch in flight not expired yet. */
typedef void waiting_fn(void *ctx, const struct pbatch *b);
static void each_waiting(const struct producer *p, waiting_fn *fn, void *ctx)
{
	for (int i = 0; i < p->n_pq; i++)
		if (p->pq[i].head)
			fn(ctx, p->pq[i].head);
	for (int k = 0; k < p->n_reqs; k++)
		for (int i = 0; i < p->reqs[k].n; i++)
			if (!p->reqs[k].batches[i]->expired)
				fn(ctx, p->reqs[k].batches[i]);
}

static void note_oldest(void *ctx, const struct pbatch *b)
{
	sim_time_ns *t = ctx;
	if (b->create_ns < *t)
		*t = b->create_ns;
}

/* The oldest batch still waiting, queued or in flight. */
static sim_time_ns oldest_batch(const struct producer *p)
{
	sim_time_ns t = SIM_TIME_MAX;
	each_waiting(p, note_oldest, &t);
	return t;
}

/* Wake at the delivery deadline of the batch created at `oldest` (Sender's poll timeout
 * is bounded by RecordAccumulator.nextExpiryTimeMs): a batch created later has a later
 * deadline, so one timer serves them all; none while no batch waits. */
static void expiry_arm(struct cluster *c, struct producer *p, sim_time_ns oldest)
{
	sim_time_ns limit = p->cfg->delivery_timeout_ns;
	if (oldest == SIM_TIME_MAX)
		return;
	p->expiry_timer = sim_schedule(c->psim, sim_time_plus(oldest, limit), expiry_ev, c, p);
}

/* delivery.timeout.ms, at the oldest batch's deadline: batches that never left the
 * accumulator (no leader, no connection) and batches in flight */
static void expiry_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct producer *p = arg;
	p->expiry_timer = 0;
	catch_up(c, p, sim_now(s));
	sim_time_ns now = sim_now(s);
	for (int i = 0; i < p->n_pq; i++) {
		struct pqueue *q = &p->pq[i];
		while (q->head && now - q->head->create_ns >= p->cfg->delivery_timeout_ns) {
			struct pbatch *b = q->head;
			q->head = b->next;
			if (!q->head)
				q->tail = NULL;
			q->n--;
			cluster__count_error(c, KERR_DELIVERY_TIMEOUT);
			if (b->proto_seq >= 0) /* sent before, maybe written */
				seq_unresolve(p, q);
			prod__complete(c, p, b, KERR_DELIVERY_TIMEOUT);
		}
	}
	expire_in_flight(c, p, now);
	if (p->n_unresolved)
		seq_resolve(c, p);
	if (p->expiry_timer) /* a batch the catch-up made armed it, for its own deadline */
		sim_cancel(c->psim, p->expiry_timer);
	p->expiry_timer = 0;
	expiry_arm(c, p, oldest_batch(p));
}

/* ---- setup ------------------------------------------------------------------------------ */

static void pq_alloc(struct producer *p, int n)
{
	struct pqueue *pq = xcalloc_huge((size_t)n, sizeof(*pq), _Alignof(struct pqueue));
	if (p->n_pq)
		memcpy(pq, p->pq, (size_t)p->n_pq * sizeof(*pq));
	free(p->pq);
	p->pq = pq;
	p->avail = xrealloc(p->avail, (size_t)n * sizeof(*p->avail));
	p->qsizes = xrealloc(p->qsizes, (size_t)n * sizeof(*p->qsizes));
	for (int i = p->n_pq; i < n; i++) {
		memset(&p->pq[i], 0, sizeof(p->pq[i]));
		p->pq[i].leader = -1;
		p->pq[i].leader_epoch = -1;
		rset_init(&p->pq[i].acked);
		rset_init(&p->pq[i].failed);
		p->avail[i] = false;
	}
	p->n_pq = n;
}

/* A keyed record's key is uniform (or Zipf) over key_count keys and its partition is
 * murmur2(key) modulo the partition count (cluster.c's key table). Only the partition
 * matters to the model, so a record draws it straight from the law the keys induce over the
 * partitions (an alias table: one uniform, O(1)): the same distribution as drawing a key and
 * looking it up, without a walk over a key table too large for the cache. */
static void key_parts_build(struct cluster *c, struct producer *p)
{
	const struct producer_cfg *cfg = p->cfg;
	const struct topic *t = &c->topics[p->topic];
	if (cfg->keys == KEYS_NULL)
		return;
	double *w = xcalloc((size_t)t->n_partitions, sizeof(*w));
	for (uint32_t k = 0; k < cfg->key_count; k++)
		w[t->key_partition[k]] += cfg->keys == KEYS_ZIPF ?
						  zipf_weight(k, cfg->key_zipf_s) : 1.0;
	if (p->key_parts)
		gsl_ran_discrete_free(p->key_parts);
	p->key_parts = gsl_ran_discrete_preproc((size_t)t->n_partitions, w);
	SIM_ASSERT(p->key_parts != NULL);
	free(w);
}

void prod__init(struct cluster *c)
{
	c->producers = xcalloc((size_t)c->sc->n_producers, sizeof(*c->producers));
	c->n_producers = c->sc->n_producers;
	for (int k = 0; k < c->n_producers; k++) {
		struct producer *p = &c->producers[k];
		const struct producer_cfg *cfg = &c->sc->producers[k];
		char name[KS_NAME_MAX + 32];
		p->cfg = cfg;
		p->idx = k;
		p->node = c->first_producer_node + k;
		p->topic = cfg->topic;
		snprintf(name, sizeof(name), "producer/%s/arrival", cfg->name);
		p->rng_arrival = rng_stream_new(c->seed, name);
		snprintf(name, sizeof(name), "producer/%s/key", cfg->name);
		p->rng_key = rng_stream_new(c->seed, name);
		snprintf(name, sizeof(name), "producer/%s/size", cfg->name);
		p->rng_size = rng_stream_new(c->seed, name);
		snprintf(name, sizeof(name), "producer/%s/partition", cfg->name);
		p->rng_part = rng_stream_new(c->seed, name);
		key_parts_build(c, p);
		const struct topic *t = &c->topics[p->topic];
		part_sticky_init(&p->sticky, cfg->partitioner, t->n_partitions, cfg->batch_size,
				 cfg->partitioner_adaptive);
		/* what arrive() asks of every record, decided once */
		bool keyed = cfg->keys != KEYS_NULL && !cfg->partitioner_ignore_keys;
		p->keyed_law = cfg->fixed_partition < 0 && keyed && cfg->partitioner == PART_DEFAULT;
		p->sticky_records = !keyed && p->sticky.kind == PART_DEFAULT &&
				    cfg->fixed_partition < 0;
		p->const_bytes = cfg->record_bytes.kind == DIST_CONSTANT ?
					 record_bytes_max(&cfg->record_bytes) : -1;
		pq_alloc(p, t->n_partitions);
		p->conn = xcalloc((size_t)c->n_brokers, sizeof(*p->conn));
		for (int b = 0; b < c->n_brokers; b++) {
			p->conn[b].p = p;
			p->conn[b].broker = b + 1;
		}
		p->ready = xcalloc((size_t)c->n_brokers, sizeof(int));
		p->sender_at = SIM_TIME_MAX;
		/* bootstrap: the producer starts with the metadata of time 0 */
		meta__init(&p->meta, t->n_partitions, cfg->retry_backoff_ns,
			   cfg->metadata_max_age_ns, cfg->request_timeout_ns);
		p->meta.timed_out = metadata_timed_out;
		for (int i = 0; i < t->n_partitions; i++) {
			const struct partition *gp = &c->parts[t->first_partition + i];
			p->pq[i].leader = p->meta.leader[i] = gp->leader;
			p->pq[i].leader_epoch = p->meta.epoch[i] = gp->leader_epoch;
		}
		rebuild_lists(c, p);
	}
}

void prod__topic_grew(struct cluster *c, int topic)
{
	prod__catch_up(c);
	for (int k = 0; k < c->n_producers; k++) {
		struct producer *p = &c->producers[k];
		if (p->topic != topic)
			continue;
		int n = c->topics[topic].n_partitions;
		pq_alloc(p, n);
		key_parts_build(c, p);
		arr_repick(p);
		meta__grow(&p->meta, n);
		part_sticky_grow(&p->sticky, n);
		request_metadata(c, p);
	}
}

void prod__start(struct cluster *c)
{
	struct sim *was = sim_enter(c->psim);
	for (int k = 0; k < c->n_producers; k++) {
		struct producer *p = &c->producers[k];
		const struct producer_cfg *cfg = p->cfg;
		if (cfg->rate_per_s > 0) {
			p->arr = xcalloc(ARR_AHEAD, sizeof(*p->arr));
			if (p->keyed_law) {
				p->arr_u = xcalloc(ARR_AHEAD, sizeof(*p->arr_u));
				p->arr_part = xcalloc(ARR_AHEAD, sizeof(*p->arr_part));
			}
			p->arr[ARR_MASK] = cfg->start_ns; /* before the first: it follows a gap */
			arr_draw(p, 0);
			arrival_arm(c, p);
		}
		meta__refresh_arm(c, &p->meta, p->node, p->topic);
	}
	sim_enter(was);
}

/* A wait for an acknowledgement still open when the run ends counts among the longest: from
 * the later of the partition's last acknowledgement and its oldest batch still waiting. */
static void note_open_wait(void *ctx, const struct pbatch *b)
{
	ack_wait(ctx, b->part, b->create_ns);
}

void prod__finish(struct cluster *c)
{
	struct sim *was = sim_enter(c->psim);
	for (int k = 0; k < c->n_producers; k++)
		each_waiting(&c->producers[k], note_open_wait, c);
	sim_enter(was);
}

void prod__release(struct cluster *c)
{
	for (int k = 0; k < c->n_producers; k++) {
		struct producer *p = &c->producers[k];
		for (int i = 0; i < p->n_pq; i++) {
			struct pbatch *b = p->pq[i].head;
			while (b) {
				struct pbatch *nx = b->next;
				free(b);
				b = nx;
			}
			rset_release(&p->pq[i].acked);
			rset_release(&p->pq[i].failed);
		}
		for (int i = 0; i < p->n_reqs; i++)
			for (int j = 0; j < p->reqs[i].n; j++)
				free(p->reqs[i].batches[j]);
		for (int i = 0; i < p->cap_reqs; i++)
			free(p->reqs[i].batches);
		while (p->spare) {
			struct pbatch *nx = p->spare->next;
			free(p->spare);
			p->spare = nx;
		}
		for (int b = 0; b < c->n_brokers; b++)
			free(p->conn[b].parts);
		free(p->conn);
		free(p->ready);
		free(p->unresolved);
		free(p->reqs);
		free(p->retry);
		free(p->linger);
		free(p->arr);
		free(p->arr_u);
		free(p->arr_part);
		free(p->pq);
		free(p->avail);
		free(p->qsizes);
		part_sticky_release(&p->sticky);
		meta__release(&p->meta);
		if (p->key_parts)
			gsl_ran_discrete_free(p->key_parts);
		gsl_rng_free(p->rng_arrival);
		gsl_rng_free(p->rng_key);
		gsl_rng_free(p->rng_size);
		gsl_rng_free(p->rng_part);
	}
	free(c->producers);
}
