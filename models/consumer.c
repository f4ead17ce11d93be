/*
 * consumer.c - consumer group members and their poll loop (KafkaConsumer, Fetcher):
 * a member fetches from each partition leader in the background (one fetch in flight per
 * broker, fetch.min.bytes / fetch.max.wait.ms / max.partition.fetch.bytes, parked at the
 * leader until data arrives below the high watermark), and poll() hands the application at
 * most max.poll.records buffered records. Processing a poll costs a per-poll overhead plus
 * the per-record time drawn once for the whole batch. Offsets are committed as Kafka does:
 * auto-commit inside poll() of the positions already returned (auto.commit.interval.ms), or
 * after processing (sync/async), or - for teaching - before processing. A partition with no
 * committed offset, or whose offset fell out of the log, starts per auto.offset.reset.
 *
 * Every processed offset goes into the group's per-partition range set; the overlap that
 * rset_add returns is the exact number of records processed again.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "rng.h"

#define POS_RESET (-1) /* position unknown: ask the leader (auto.offset.reset) */

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

static void member_poll(struct cluster *c, struct member *mb);

static int gpid(struct cluster *c, const struct group *g, int idx)
{
	return c->topics[g->topic].first_partition + idx;
}

/* ---- fetching --------------------------------------------------------------------------- */

static void fetch_timeout_ev(struct sim *s, void *subject, void *arg);

static void send_fetches(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	if (!mb->active)
		return;
	int nb = c->n_brokers;
	for (int broker = 1; broker <= nb; broker++) {
		if (mb->fetch_session[broker - 1])
			continue;
		int n = 0;
		for (int i = 0; i < mb->n_assigned; i++) {
			int idx = mb->assigned[i];
			if (mb->meta.leader[idx] == broker && !mb->fetching[i] &&
			    mb->buf[i].head == mb->buf[i].n)
				n++;
		}
		if (n == 0)
			continue;
		struct fetch_req *q = ks_alloc(c, sizeof(*q) + (size_t)n * sizeof(q->e[0]));
		q->member = mb->idx;
		q->group = mb->g->idx;
		q->min_bytes = cfg->fetch_min_bytes;
		q->max_wait_ns = cfg->fetch_max_wait_ns;
		q->max_bytes = cfg->fetch_max_bytes;
		q->part_max_bytes = cfg->max_partition_fetch_bytes;
		q->session = ++mb->session_ctr;
		q->fetcher = broker;
		int k = 0;
		for (int i = 0; i < mb->n_assigned; i++) {
			int idx = mb->assigned[i];
			if (mb->meta.leader[idx] != broker || mb->fetching[i] ||
			    mb->buf[i].head != mb->buf[i].n)
				continue;
			q->e[k].part = gpid(c, mb->g, idx);
			q->e[k].offset = mb->position[i];
			q->e[k].current_leader_epoch = mb->meta.epoch[idx];
			mb->fetching[i] = true;
			k++;
		}
		q->n = k;
		mb->fetch_session[broker - 1] = q->session;
		net__send(c, mb->node, net__broker_node(c, broker), &q->h, MSG_FETCH_REQ,
			  64 + 32 * (int64_t)k);
		uint64_t key = (uint64_t)mb->node << 40 | q->session;
		sim_after(c->sim, cfg->fetch_max_wait_ns + 30 * SIM_S, fetch_timeout_ev, c,
			  (void *)(uintptr_t)key);
	}
	bool missing = false;
	for (int i = 0; i < mb->n_assigned; i++)
		missing |= mb->meta.leader[mb->assigned[i]] < 1;
	if (missing)
		meta__request(c, &mb->meta, mb->node, mb->g->topic);
}

static struct member *member_of_node(struct cluster *c, int node)
{
	const struct node *nd = &c->net.nodes[node];
	if (nd->kind != NODE_MEMBER)
		return NULL;
	return &c->groups[nd->group].members[nd->index];
}

/* Forget the fetch in flight to `broker`: its partitions may be fetched again. */
static void fetch_forget(struct cluster *c, struct member *mb, int broker)
{
	mb->fetch_session[broker - 1] = 0;
	for (int i = 0; i < mb->n_assigned; i++)
		if (mb->meta.leader[mb->assigned[i]] == broker || mb->meta.leader[mb->assigned[i]] < 1)
			mb->fetching[i] = false;
	(void)c;
}

static void fetch_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct cluster *c = subject;
	uint64_t key = (uint64_t)(uintptr_t)arg;
	struct member *mb = member_of_node(c, (int)(key >> 40));
	uint64_t session = key & ((1ull << 40) - 1);
	if (!mb)
		return;
	for (int b = 1; b <= c->n_brokers; b++) {
		if (mb->fetch_session[b - 1] == session) {
			fetch_forget(c, mb, b);
			meta__request(c, &mb->meta, mb->node, mb->g->topic);
			send_fetches(c, mb);
		}
	}
}

static int assigned_slot(const struct member *mb, int idx)
{
	for (int i = 0; i < mb->n_assigned; i++)
		if (mb->assigned[i] == idx)
			return i;
	return -1;
}

static void buf_push(struct fbuf *f, const struct batch *b)
{
	if (f->head == f->n)
		f->head = f->n = 0;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->b = realloc(f->b, (size_t)f->cap * sizeof(*f->b));
		if (!f->b)
			abort();
	}
	f->b[f->n++] = *b;
}

static void trace_reset(struct cluster *c, struct member *mb, int idx, int64_t from, int64_t to,
			const char *why)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return;
	char name[KS_NAME_MAX + 16];
	snprintf(name, sizeof(name), "%s-%d", c->topics[mb->g->topic].cfg->name, idx);
	trace_begin(c->tr, sim_now(c->sim), from == POS_RESET ? "offset.reset" :
								  "offset.out_of_range");
	struct jsonw *w = trace_w(c->tr);
	jsonw_kstr(w, "group", mb->g->cfg->name);
	jsonw_kstr(w, "member", mb->name);
	jsonw_kstr(w, "partition", name);
	jsonw_kint(w, "from", from);
	jsonw_kint(w, "to", to);
	jsonw_kstr(w, "policy", why);
	trace_end(c->tr);
}

static void on_fetch_entry(struct cluster *c, struct member *mb, struct fetch_resp *r,
			   const struct fetch_resp_entry *e)
{
	int idx = c->parts[e->part].index, i = assigned_slot(mb, idx);
	if (i < 0)
		return;
	mb->fetching[i] = false;
	if (e->fetch_offset != mb->position[i])
		return;
	if (e->err == KERR_OFFSET_OUT_OF_RANGE) {
		enum ks_offset_reset pol = mb->g->cfg->auto_offset_reset;
		int64_t to = pol == RESET_EARLIEST ? e->log_start : e->hw;
		trace_reset(c, mb, idx, mb->position[i], to,
			    pol == RESET_EARLIEST ? "earliest" : pol == RESET_LATEST ? "latest" :
										"none");
		if (pol == RESET_NONE && mb->position[i] != POS_RESET)
			return; /* NoOffsetForPartitionException: the member stops reading it */
		mb->position[i] = to;
		mb->consumed[i] = to;
		return;
	}
	if (e->err != KERR_NONE) {
		meta__request(c, &mb->meta, mb->node, mb->g->topic);
		return;
	}
	for (int k = 0; k < e->n_batches; k++) {
		const struct batch *b = &r->b[e->first_batch + k];
		if (b->base != mb->position[i])
			break;
		buf_push(&mb->buf[i], b);
		mb->position[i] = b->base + b->count;
	}
}

static void on_fetch_resp(struct cluster *c, struct member *mb, struct fetch_resp *r)
{
	int broker = r->fetcher;
	if (broker < 1 || broker > c->n_brokers || mb->fetch_session[broker - 1] != r->session)
		return;
	mb->fetch_session[broker - 1] = 0;
	for (int i = 0; i < r->n; i++)
		on_fetch_entry(c, mb, r, &r->e[i]);
	if (mb->waiting)
		member_poll(c, mb);
	else
		send_fetches(c, mb);
}

/* ---- commits ----------------------------------------------------------------------------- */

static void commit(struct cluster *c, struct member *mb, const char *how)
{
	struct group *g = mb->g;
	mb->last_commit_ns = sim_now(c->sim);
	for (int i = 0; i < mb->n_assigned; i++) {
		int idx = mb->assigned[i];
		if (mb->consumed[i] < 0 || mb->consumed[i] == g->committed[idx])
			continue;
		g->committed[idx] = mb->consumed[i];
		if (trace_on(c->tr, TRACE_DEBUG)) {
			trace_begin(c->tr, sim_now(c->sim), "offset.commit");
			struct jsonw *w = trace_w(c->tr);
			jsonw_kstr(w, "group", g->cfg->name);
			jsonw_kstr(w, "member", mb->name);
			jsonw_kint(w, "partition_index", idx);
			jsonw_kint(w, "offset", mb->consumed[i]);
			jsonw_kstr(w, "how", how);
			trace_end(c->tr);
		}
	}
}

/* ---- poll and processing ------------------------------------------------------------------ */

struct taken {                /* records poll() returned, being processed */
	struct member *mb;
	uint32_t incarnation;
	int n;
	struct { int idx; int64_t lo, hi; sim_time_ns create_ns; } r[];
};

static void process_done_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct taken *t = arg;
	struct member *mb = t->mb;
	struct group *g = mb->g;
	sim_time_ns now = sim_now(s);
	if (t->incarnation != mb->incarnation) { /* the member died mid-batch: no effect */
		ks_free(t);
		return;
	}
	for (int k = 0; k < t->n; k++) {
		int64_t n = t->r[k].hi - t->r[k].lo;
		int64_t dup = rset_add(&g->processed[t->r[k].idx], t->r[k].lo, t->r[k].hi);
		g->duplicates += (uint64_t)dup;
		g->records_processed += (uint64_t)n;
		g->records_per_part[t->r[k].idx] += n;
		mb->processed += (uint64_t)n;
		c->records_consumed += (uint64_t)n;
		c->records_consumed_iv += (uint64_t)n;
		hist_record_n(&c->e2e_lat, now - t->r[k].create_ns, (uint64_t)n);
		hist_record_n(&c->e2e_lat_iv, now - t->r[k].create_ns, (uint64_t)n);
	}
	ks_free(t);
	mb->processing = false;
	if (!mb->active)
		return;
	if (g->cfg->commit == COMMIT_SYNC || g->cfg->commit == COMMIT_ASYNC)
		commit(c, mb, g->cfg->commit == COMMIT_SYNC ? "sync" : "async");
	member_poll(c, mb);
}

/* Take up to max.poll.records buffered records, partition by partition. */
static struct taken *take_records(struct cluster *c, struct member *mb, int64_t *count)
{
	int64_t want = mb->g->cfg->max_poll_records;
	struct taken *t = NULL;
	int cap = 0;
	*count = 0;
	for (int j = 0; j < mb->n_assigned && want > 0; j++) {
		int i = (int)((mb->polls + (uint64_t)j) % (uint64_t)mb->n_assigned);
		struct fbuf *f = &mb->buf[i];
		while (f->head < f->n && want > 0) {
			struct batch *b = &f->b[f->head];
			int64_t n = b->count < want ? b->count : want;
			if (!t || t->n == cap) {
				cap = cap ? 2 * cap : 8;
				struct taken *nt = ks_alloc(c, sizeof(*t) + (size_t)cap * sizeof(t->r[0]));
				if (t) {
					memcpy(nt, t, sizeof(*t) + (size_t)t->n * sizeof(t->r[0]));
					ks_free(t);
				}
				t = nt;
			}
			t->r[t->n].idx = mb->assigned[i];
			t->r[t->n].lo = b->base;
			t->r[t->n].hi = b->base + n;
			t->r[t->n].create_ns = b->create_ns;
			t->n++;
			mb->consumed[i] = b->base + n;
			b->base += n;
			b->count -= (int32_t)n;
			if (b->count == 0)
				f->head++;
			want -= n;
			*count += n;
		}
	}
	return t;
}

static void member_poll(struct cluster *c, struct member *mb)
{
	const struct group_cfg *cfg = mb->g->cfg;
	sim_time_ns now = sim_now(c->sim);
	if (!mb->active || mb->processing)
		return;
	mb->polls++;
	if (cfg->enable_auto_commit && now - mb->last_commit_ns >= cfg->auto_commit_interval_ns)
		commit(c, mb, "auto");
	int64_t n;
	struct taken *t = take_records(c, mb, &n);
	send_fetches(c, mb); /* prefetch for partitions whose buffer emptied */
	if (n == 0) {
		ks_free(t);
		mb->waiting = true;
		return;
	}
	mb->waiting = false;
	t->mb = mb;
	t->incarnation = mb->incarnation;
	if (cfg->commit == COMMIT_BEFORE_PROCESS)
		commit(c, mb, "before-process");
	double cost = (dist_sample(&cfg->poll_overhead_ns, mb->g->rng) +
		       dist_sample_sum(&cfg->record_ns, (uint64_t)n, mb->g->rng)) * mb->slow_factor;
	mb->processing = true;
	sim_after(c->sim, cost > 0 ? (sim_time_ns)cost : 0, process_done_ev, c, t);
}

void cons__on_msg(struct cluster *c, struct member *mb, struct msg *m)
{
	if (m->type == MSG_FETCH_RESP) {
		on_fetch_resp(c, mb, (struct fetch_resp *)m);
	} else if (m->type == MSG_METADATA_RESP) {
		meta__apply(c, &mb->meta, m);
		for (int b = 1; b <= c->n_brokers; b++)
			if (mb->fetch_session[b - 1] == 0)
				fetch_forget(c, mb, b);
		send_fetches(c, mb);
	}
	ks_free(m);
}

/* ---- assignment and setup ------------------------------------------------------------------ */

static void member_assign(struct member *mb, const int *parts, int n)
{
	free(mb->assigned);
	free(mb->position);
	free(mb->consumed);
	free(mb->fetching);
	for (int i = 0; i < mb->n_assigned; i++)
		free(mb->buf[i].b);
	free(mb->buf);
	mb->n_assigned = n;
	mb->assigned = xcalloc((size_t)n, sizeof(int));
	mb->position = xcalloc((size_t)n, sizeof(int64_t));
	mb->consumed = xcalloc((size_t)n, sizeof(int64_t));
	mb->fetching = xcalloc((size_t)n, sizeof(bool));
	mb->buf = xcalloc((size_t)n, sizeof(struct fbuf));
	for (int i = 0; i < n; i++) {
		int idx = parts[i];
		mb->assigned[i] = idx;
		mb->position[i] = mb->g->committed[idx] >= 0 ? mb->g->committed[idx] : POS_RESET;
		mb->consumed[i] = mb->position[i];
	}
}

/* RangeAssignor over one topic with members ordered by name (as Java strings). */
static int cmp_member_name(const void *a, const void *b)
{
	const struct member *x = *(struct member *const *)a, *y = *(struct member *const *)b;
	return strcmp(x->name, y->name);
}

/* Until the group coordinator exists: every active member gets a RangeAssignor share at
 * once, with no rebalance protocol in between. */
static void range_assign(struct group *g)
{
	int P = g->n_parts, C = 0;
	struct member **order = xcalloc((size_t)g->cap_members, sizeof(*order));
	for (int i = 0; i < g->cap_members; i++) {
		if (g->members[i].active)
			order[C++] = &g->members[i];
		else
			member_assign(&g->members[i], NULL, 0);
	}
	qsort(order, (size_t)C, sizeof(*order), cmp_member_name);
	int *parts = xcalloc((size_t)P, sizeof(int)), next = 0;
	for (int k = 0; k < C; k++) {
		int n = P / C + (k < P % C ? 1 : 0);
		for (int j = 0; j < n; j++)
			parts[j] = next++;
		member_assign(order[k], parts, n);
	}
	free(parts);
	free(order);
}

static void member_trace(struct cluster *c, struct member *mb, const char *type)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return;
	trace_begin(c->tr, sim_now(c->sim), type);
	jsonw_kstr(trace_w(c->tr), "group", mb->g->cfg->name);
	jsonw_kstr(trace_w(c->tr), "member", mb->name);
	trace_end(c->tr);
}

static void member_stop(struct cluster *c, struct member *mb)
{
	mb->active = false;
	mb->processing = false;
	mb->waiting = false;
	mb->incarnation++;
	for (int b = 0; b < c->n_brokers; b++)
		mb->fetch_session[b] = 0;
}

static void reassign_and_poll(struct cluster *c, struct group *g)
{
	range_assign(g);
	for (int m = 0; m < g->cap_members; m++) {
		struct member *mb = &g->members[m];
		for (int b = 0; b < c->n_brokers; b++)
			mb->fetch_session[b] = 0;
		if (mb->active && !mb->processing)
			member_poll(c, mb);
	}
}

void cons__member_crash(struct cluster *c, int group, int member)
{
	struct member *mb = &c->groups[group].members[member];
	if (!mb->active)
		return;
	member_stop(c, mb);
	net__node_down(c, mb->node);
	member_trace(c, mb, "consumer.crash");
	reassign_and_poll(c, mb->g);
}

void cons__member_restart(struct cluster *c, int group, int member)
{
	struct member *mb = &c->groups[group].members[member];
	if (mb->active)
		return;
	mb->active = true;
	net__node_up(c, mb->node);
	member_trace(c, mb, "member.join");
	reassign_and_poll(c, mb->g);
}

void cons__member_slow(struct cluster *c, int group, int member, double factor)
{
	(void)c;
	c->groups[group].members[member].slow_factor = factor;
}

static void reset_offsets(struct cluster *c, const struct fault_cfg *f)
{
	struct group *g = &c->groups[f->group];
	for (int i = 0; i < g->n_parts; i++) {
		const struct partition *p = &c->parts[gpid(c, g, i)];
		int64_t start = 0, end = 0;
		for (int k = 0; k < p->rf; k++) {
			if (p->replicas[k] == p->leader) {
				start = p->rep[k].log.log_start;
				end = p->rep[k].hw;
			}
		}
		int64_t to = g->committed[i] < 0 ? start : g->committed[i];
		switch (f->reset) {
		case RESET_TO_EARLIEST: to = start; break;
		case RESET_TO_LATEST: to = end; break;
		case RESET_TO_OFFSET: to = f->reset_value; break;
		case RESET_SHIFT_BY: to += f->reset_value; break;
		case RESET_TO_DATETIME: to = end; break;
		}
		g->committed[i] = to < start ? start : to > end ? end : to;
	}
	reassign_and_poll(c, g);
}

void cons__fault(struct cluster *c, const struct fault_cfg *f, bool start)
{
	switch (f->kind) {
	case FAULT_PAUSE: {
		struct member *mb = &c->groups[f->target.group].members[f->target.index - 1];
		if (start) {
			member_stop(c, mb);
			member_trace(c, mb, "consumer.pause");
		} else {
			mb->active = true;
			member_trace(c, mb, "consumer.resume");
			reassign_and_poll(c, mb->g);
		}
		break;
	}
	case FAULT_JOIN: { /* members beyond the configured count join in order */
		struct group *g = &c->groups[f->group];
		int m = g->cfg->members + g->n_joined++;
		if (m < g->cap_members)
			cons__member_restart(c, f->group, m);
		break;
	}
	case FAULT_LEAVE: {
		struct member *mb = &c->groups[f->target.group].members[f->target.index - 1];
		commit(c, mb, "leave");
		member_stop(c, mb);
		member_trace(c, mb, "member.leave");
		reassign_and_poll(c, mb->g);
		break;
	}
	case FAULT_RESET_OFFSETS:
		reset_offsets(c, f);
		break;
	default:
		break;
	}
}

void cons__init(struct cluster *c)
{
	c->n_groups = c->sc->n_groups;
	c->groups = xcalloc((size_t)c->n_groups, sizeof(*c->groups));
	int node = c->first_member_node;
	for (int gi = 0; gi < c->n_groups; gi++) {
		struct group *g = &c->groups[gi];
		const struct group_cfg *cfg = &c->sc->groups[gi];
		char name[KS_NAME_MAX + 32];
		g->cfg = cfg;
		g->idx = gi;
		g->topic = cfg->topic;
		g->n_parts = c->topics[g->topic].n_partitions;
		snprintf(name, sizeof(name), "group/%s", cfg->name);
		g->rng = rng_stream_new(c->seed, name);
		g->committed = xcalloc((size_t)g->n_parts, sizeof(int64_t));
		g->processed = xcalloc((size_t)g->n_parts, sizeof(struct rset));
		g->records_per_part = xcalloc((size_t)g->n_parts, sizeof(int64_t));
		for (int i = 0; i < g->n_parts; i++) {
			g->committed[i] = -1;
			rset_init(&g->processed[i]);
		}
		g->n_members = cfg->members;
		g->cap_members = 0;
		for (int i = 0; i < c->net.n_nodes; i++)
			g->cap_members += c->net.nodes[i].kind == NODE_MEMBER &&
					  c->net.nodes[i].group == gi;
		g->members = xcalloc((size_t)g->cap_members, sizeof(*g->members));
		for (int m = 0; m < g->cap_members; m++) {
			struct member *mb = &g->members[m];
			mb->idx = m;
			mb->g = g;
			mb->node = node++;
			mb->active = m < g->n_members;
			mb->slow_factor = 1.0;
			snprintf(mb->name, sizeof(mb->name), "%s-%d", cfg->name, m + 1);
			mb->fetch_session = xcalloc((size_t)c->n_brokers, sizeof(uint64_t));
			meta__init(&mb->meta, g->n_parts, 100 * SIM_MS);
			for (int i = 0; i < g->n_parts; i++) {
				const struct partition *p = &c->parts[gpid(c, g, i)];
				mb->meta.leader[i] = p->leader;
				mb->meta.epoch[i] = p->leader_epoch;
			}
		}
		range_assign(g);
	}
}

void cons__start(struct cluster *c)
{
	for (int gi = 0; gi < c->n_groups; gi++)
		for (int m = 0; m < c->groups[gi].n_members; m++)
			member_poll(c, &c->groups[gi].members[m]);
}

void cons__release(struct cluster *c)
{
	for (int gi = 0; gi < c->n_groups; gi++) {
		struct group *g = &c->groups[gi];
		for (int m = 0; m < g->cap_members; m++) {
			struct member *mb = &g->members[m];
			member_assign(mb, NULL, 0);
			free(mb->assigned);
			free(mb->position);
			free(mb->consumed);
			free(mb->fetching);
			free(mb->buf);
			free(mb->fetch_session);
			meta__release(&mb->meta);
		}
		for (int i = 0; i < g->n_parts; i++)
			rset_release(&g->processed[i]);
		free(g->members);
		free(g->committed);
		free(g->processed);
		free(g->records_per_part);
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
		int n = c->topics[topic].n_partitions;
		g->committed = realloc(g->committed, (size_t)n * sizeof(int64_t));
		g->processed = realloc(g->processed, (size_t)n * sizeof(struct rset));
		g->records_per_part = realloc(g->records_per_part, (size_t)n * sizeof(int64_t));
		if (!g->committed || !g->processed || !g->records_per_part)
			abort();
		for (int i = g->n_parts; i < n; i++) {
			g->committed[i] = -1;
			rset_init(&g->processed[i]);
			g->records_per_part[i] = 0;
		}
		g->n_parts = n;
		for (int m = 0; m < g->cap_members; m++) {
			meta__grow(&g->members[m].meta, n);
			meta__request(c, &g->members[m].meta, g->members[m].node, topic);
		}
		reassign_and_poll(c, g);
	}
}

void cons__coordinator_msg(struct cluster *c, struct broker *b, struct msg *m)
{
	(void)c;
	(void)b;
	ks_free(m); /* no coordinator yet: groups are assigned directly */
}

void cons__coordinator_crash(struct cluster *c, struct broker *b)
{
	(void)c;
	(void)b;
}
