/*
 * cluster.c - builds the model from a scenario and runs it: nodes and their network ids,
 * replica placement as Kafka places replicas without racks (AdminUtils.assignReplicasTo-
 * Brokers: a random start and a per-partition shift), the message dispatcher, the fault
 * schedule (every fault is a pair of events: start and, with `for`, end), and the periodic
 * retention check. Metrics rows, snapshots and the summary are in report.c; the end-of-run
 * accounting in checker.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "msgs.h"
#include "rng.h"
#include "xmem.h"

static const char *const error_names[] = {
#define KS_ERR_NAME(e, s) s,
	KS_ERRORS(KS_ERR_NAME)
#undef KS_ERR_NAME
};

const char *ks_error_name(enum ks_error e)
{
	return (unsigned)e < KERR_COUNT ? error_names[e] : "UNKNOWN";
}

void cluster__count_error(struct cluster *c, enum ks_error e)
{
	if ((unsigned)e < KERR_COUNT)
		(ks__kernel(c) ? c->errors_p : c->errors)[e]++;
}

void cluster__event(struct cluster *c, enum ks_event e, int64_t amount)
{
	struct ev_stat *st = &c->events[e];
	sim_time_ns now = sim_now(sim_current());
	if (st->count++ == 0)
		st->first_ns = now;
	st->last_ns = now;
	st->amount += amount;
}

void cluster__trace_id(struct cluster *c, const char *type, const char *key, int id)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return;
	trace_begin(c->tr, sim_now(c->sim), type);
	jsonw_kint(trace_w(c->tr), key, id);
	trace_end(c->tr);
}

void cluster__json_slots(struct jsonw *w, const struct partition *p, const char *key,
			 uint32_t slots)
{
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	for (int i = 0; i < p->rf; i++)
		if (slots & (1u << i))
			jsonw_int(w, p->replicas[i]);
	jsonw_arr_end(w);
}

struct partition *cluster__part(struct cluster *c, int topic, int index)
{
	return &c->parts[c->topics[topic].first_partition + index];
}

/* ---- message dispatch ----------------------------------------------------------------- */

void cluster__deliver(struct cluster *c, struct msg *m)
{
	const struct node *to = &c->net.nodes[m->to];
	switch (to->kind) {
	case NODE_BROKER:
		broker__on_msg(c, &c->brokers[to->index - 1], m);
		break;
	case NODE_CONTROLLER:
		ctl__on_msg(c, to->index, m);
		break;
	case NODE_PRODUCER:
		prod__on_msg(c, &c->producers[to->index], m);
		break;
	case NODE_MEMBER:
		cons__on_msg(c, &c->groups[to->group].members[to->index], m);
		break;
	default:
		ks_free(m);
	}
}

void cluster__warm(const struct cluster *c, const struct msg *m)
{
	const struct node *to = &c->net.nodes[m->to];
	if (to->kind == NODE_BROKER)
		broker__warm(c, &c->brokers[to->index - 1], m);
}

void cluster__bounce(struct cluster *c, struct msg *m)
{
	const struct node *from = &c->net.nodes[m->from];
	switch (from->kind) {
	case NODE_BROKER:
		broker__on_bounce(c, &c->brokers[from->index - 1], m);
		break;
	case NODE_PRODUCER:
		prod__on_bounce(c, &c->producers[from->index], m);
		break;
	case NODE_MEMBER: /* members see their refused requests with m->bounced set */
		cons__on_msg(c, &c->groups[from->group].members[from->index], m);
		break;
	default:
		ks_free(m);
	}
}

/* ---- building ------------------------------------------------------------------------- */

/* Follower views a replica's group takes in cluster.fv_pool: one per other slot (fv_of),
 * rounded up to whole lines, so that a group never straddles one more than it must. */
static size_t fv_stride(size_t rf)
{
	size_t per_line = 64 / sizeof(struct follower_view);
	return (rf - 1 + per_line - 1) / per_line * per_line;
}
_Static_assert(64 % sizeof(struct follower_view) == 0, "follower views tile a line");

/* The largest partition count a topic reaches (add_partitions faults grow it). */
static int max_partitions(const struct scenario *sc, int t)
{
	int n = sc->topics[t].partitions;
	for (int i = 0; i < sc->n_faults; i++)
		if (sc->faults[i].kind == FAULT_ADD_PARTITIONS && sc->faults[i].topic == t &&
		    sc->faults[i].new_partitions > n)
			n = sc->faults[i].new_partitions;
	return n;
}

static void host(struct broker *b, int pid, int slot)
{
	if (b->n_hosted == b->cap_hosted) {
		b->cap_hosted = b->cap_hosted ? 2 * b->cap_hosted : 16;
		b->hosted = realloc(b->hosted, (size_t)b->cap_hosted * sizeof(int));
		b->hosted_slot = realloc(b->hosted_slot, (size_t)b->cap_hosted * sizeof(int));
		if (!b->hosted || !b->hosted_slot)
			abort();
	}
	b->hosted[b->n_hosted] = pid;
	b->hosted_slot[b->n_hosted] = slot;
	b->n_hosted++;
}

/* AdminUtils.assignReplicasToBrokersRackUnaware. */
static void place_replicas(struct cluster *c, int t, int from, int to, gsl_rng *r)
{
	int n = c->n_brokers;
	struct topic *tp = &c->topics[t];
	int start = (int)rng_below(r, (uint64_t)n), shift = (int)rng_below(r, (uint64_t)n);
	for (int i = from; i < to; i++) {
		struct partition *p = &c->parts[tp->first_partition + i];
		if (i > 0 && i % n == 0)
			shift++;
		int first = (i + start) % n;
		p->rf = tp->cfg->replication_factor;
		p->replicas[0] = first + 1;
		for (int j = 0; j < p->rf - 1; j++)
			p->replicas[j + 1] = (first + 1 + (shift + j) % (n - 1)) % n + 1;
		for (int j = 0; j < p->rf; j++) {
			plog_init(&p->rep[j].log);
			p->rep[j].log.flush_left = p->rep[j].flush_messages = tp->flush_messages;
			p->rep[j].broker = p->replicas[j];
			p->rep[j].leader = -1;
			p->rep[j].fetcher = -1;
			p->rep[j].fw = p->rep[j].fw_inline;
			p->rep[j].ps0.producer = -1; /* no producer state yet (pstate_of) */
			p->rep[j].slot = (uint8_t)j;
			p->rep[j].rf = (uint8_t)p->rf;
			p->rep[j].min_isr = (uint8_t)tp->min_isr;
			host(&c->brokers[p->replicas[j] - 1], p->id, j);
		}
	}
}

static void build_topics(struct cluster *c)
{
	const struct scenario *sc = c->sc;
	c->n_topics = sc->n_topics;
	c->topics = xcalloc((size_t)c->n_topics, sizeof(*c->topics));
	int total = 0;
	size_t n_rep = 0, n_fv = 0; /* replicas, follower views */
	for (int t = 0; t < sc->n_topics; t++) {
		int maxp = max_partitions(sc, t);
		size_t rf = (size_t)sc->topics[t].replication_factor;
		total += maxp;
		n_rep += (size_t)maxp * rf;
		n_fv += (size_t)maxp * rf * fv_stride(rf);
	}
	c->parts = xcalloc_huge((size_t)total, sizeof(*c->parts), _Alignof(struct partition));
	c->n_parts = 0;
	c->rep_pool = xcalloc_huge(n_rep, sizeof(*c->rep_pool), _Alignof(struct replica));
	c->warm = n_rep * sizeof(*c->rep_pool) > KS_WARM_BYTES;
	c->fv_pool = xcalloc_huge(n_fv, sizeof(*c->fv_pool), 64);
	c->pw_pool = xcalloc_huge(n_rep * KS_PW_FIRST, sizeof(*c->pw_pool), 64);
	for (size_t i = 0; i < n_rep; i++) {
		c->rep_pool[i].pw = &c->pw_pool[i * KS_PW_FIRST];
		c->rep_pool[i].pw_cap = KS_PW_FIRST;
	}
	n_rep = n_fv = 0;
	for (int t = 0; t < sc->n_topics; t++) {
		struct topic *tp = &c->topics[t];
		const struct topic_cfg *cfg = &sc->topics[t];
		int maxp = max_partitions(sc, t);
		tp->cfg = cfg;
		tp->first_partition = c->n_parts;
		tp->n_partitions = cfg->partitions;
		tp->max_partitions = maxp;
		int min_isr = cfg->min_insync_replicas >= 0 ? cfg->min_insync_replicas :
							      sc->cluster.min_insync_replicas;
		tp->min_isr = min_isr < cfg->replication_factor ? min_isr : cfg->replication_factor;
		tp->unclean = cfg->unclean_leader_election_enable >= 0 ?
				      cfg->unclean_leader_election_enable :
				      sc->cluster.unclean_leader_election_enable;
		tp->retention_ns = cfg->retention_ns >= 0 ? cfg->retention_ns :
							  sc->cluster.log_retention_ns;
		tp->retention_bytes = cfg->retention_bytes >= -1 ? cfg->retention_bytes :
								  sc->cluster.log_retention_bytes;
		tp->flush_ns = cfg->flush_ns >= 0 ? cfg->flush_ns : sc->cluster.log_flush_interval_ns;
		tp->flush_messages = cfg->flush_messages >= 1 ? cfg->flush_messages :
								sc->cluster.log_flush_interval_messages;
		for (int i = 0; i < maxp; i++) {
			struct partition *p = &c->parts[c->n_parts];
			p->id = c->n_parts++;
			p->topic = t;
			p->index = i;
			int rf = cfg->replication_factor;
			p->rep = &c->rep_pool[n_rep];
			for (int j = 0; j < rf; j++)
				p->rep[j].fv = &c->fv_pool[n_fv + (size_t)j * fv_stride((size_t)rf)];
			n_rep += (size_t)rf;
			n_fv += (size_t)rf * fv_stride((size_t)rf);
		}
		char name[KS_NAME_MAX + 32];
		snprintf(name, sizeof(name), "placement/%s", cfg->name);
		gsl_rng *r = rng_stream_new(c->seed, name);
		place_replicas(c, t, 0, cfg->partitions, r);
		gsl_rng_free(r);
	}
}

/* key-<k> -> partition for every key a producer of the topic may draw. */
static void build_key_tables(struct cluster *c)
{
	for (int t = 0; t < c->n_topics; t++) {
		struct topic *tp = &c->topics[t];
		uint32_t n = 0;
		for (int k = 0; k < c->sc->n_producers; k++)
			if (c->sc->producers[k].topic == t && c->sc->producers[k].key_count > n)
				n = c->sc->producers[k].key_count;
		free(tp->key_partition);
		tp->key_partition = xcalloc(n, sizeof(int));
		tp->key_table_n = n;
		char key[24];
		for (uint32_t k = 0; k < n; k++)
			tp->key_partition[k] = part_for_key(key, part_key_name(k, key), tp->n_partitions);
	}
}

static int group_capacity(const struct scenario *sc, int g)
{
	int n = sc->groups[g].members;
	for (int i = 0; i < sc->n_faults; i++)
		if (sc->faults[i].kind == FAULT_JOIN && sc->faults[i].group == g)
			n++;
	return n;
}

static void build_nodes(struct cluster *c)
{
	const struct scenario *sc = c->sc;
	int n = sc->cluster.brokers + sc->cluster.controllers + sc->n_producers;
	for (int g = 0; g < sc->n_groups; g++)
		n += group_capacity(sc, g);
	c->net.nodes = xcalloc((size_t)n, sizeof(struct node));
	c->net.n_nodes = n;
	int k = 0;
	for (int i = 1; i <= sc->cluster.brokers; i++, k++) {
		struct node *nd = &c->net.nodes[k];
		*nd = (struct node){ .kind = NODE_BROKER, .index = i, .up = true,
				     .bytes_per_s = sc->cluster.net_bytes_per_s };
		snprintf(nd->name, sizeof(nd->name), "broker-%d", i);
	}
	c->first_controller_node = k;
	for (int i = 1; i <= sc->cluster.controllers; i++, k++) {
		struct node *nd = &c->net.nodes[k];
		*nd = (struct node){ .kind = NODE_CONTROLLER, .index = i, .up = true };
		snprintf(nd->name, sizeof(nd->name), "controller-%d", i);
	}
	c->first_producer_node = k;
	for (int i = 0; i < sc->n_producers; i++, k++) {
		struct node *nd = &c->net.nodes[k];
		*nd = (struct node){ .kind = NODE_PRODUCER, .index = i, .up = true };
		snprintf(nd->name, sizeof(nd->name), "%s", sc->producers[i].name);
	}
	c->first_member_node = k;
	for (int g = 0; g < sc->n_groups; g++) {
		int cap = group_capacity(sc, g);
		for (int i = 0; i < cap; i++, k++) {
			struct node *nd = &c->net.nodes[k];
			*nd = (struct node){ .kind = NODE_MEMBER, .index = i, .group = g,
					     .up = i < sc->groups[g].members };
			snprintf(nd->name, sizeof(nd->name), "%s-%d", sc->groups[g].name, i + 1);
		}
	}
}

/* kafka-topics.sh --alter --partitions: new partitions get replicas and leaders, keys
 * remap (murmur2 modulo the new count), clients learn of them by metadata. */
void cluster__add_partitions(struct cluster *c, int t, int n)
{
	struct topic *tp = &c->topics[t];
	if (n <= tp->n_partitions || n > tp->max_partitions)
		return;
	char name[KS_NAME_MAX + 32];
	snprintf(name, sizeof(name), "placement/%s/grow", tp->cfg->name);
	gsl_rng *r = rng_stream_new(c->seed, name);
	int from = tp->n_partitions;
	place_replicas(c, t, from, n, r);
	gsl_rng_free(r);
	tp->n_partitions = n;
	for (int i = from; i < n; i++) {
		struct partition *p = &c->parts[tp->first_partition + i];
		p->offline_since = p->write_unavail_since = -1;
		p->leader_epoch = -1;
		ctl__elect_new(c, p);
	}
	build_key_tables(c);
	prod__topic_grew(c, t);
	cons__topic_grew(c, t);
}

/* ---- invariants (trace level debug) ---------------------------------------------------- */

_Noreturn static void broken(const struct cluster *c, const struct partition *p,
			     const char *what)
{
	fprintf(stderr, "kafkasim: invariant broken at t=%lld ns: %s-%d: %s\n"
			"reproduce: kafkasim run %s --seed %llu --trace-level debug\n",
		(long long)sim_now(c->sim), c->topics[p->topic].cfg->name, p->index, what,
		c->sc->file ? c->sc->file : "SCENARIO", (unsigned long long)c->seed);
	exit(3);
}

/* HW <= LEO on every replica; the controller's leader is in its ISR and the ISR within the
 * replicas; no two live brokers lead one partition in the same leader epoch; the controller
 * counts the partitions off their preferred leader right (leader balancing). */
static void check_invariants(const struct cluster *c)
{
	int imbalanced = 0;
	for (int i = 0; i < c->n_parts; i++) {
		const struct partition *p = &c->parts[i];
		if (!part_exists(c, p))
			continue;
		imbalanced += p->leader != p->replicas[0];
		if (p->isr & ~((1u << p->rf) - 1))
			broken(c, p, "ISR names a broker that holds no replica");
		int leader_slot = broker__slot_of(p, p->leader);
		if (p->leader >= 1 && (leader_slot < 0 || !(p->isr & (1u << leader_slot))))
			broken(c, p, "the leader is not in the ISR");
		for (int k = 0; k < p->rf; k++) {
			const struct replica *r = &p->rep[k];
			if (r->hw > r->log.leo)
				broken(c, p, "a replica's high watermark is above its log end");
			if (r->log.n > r->log.head &&
			    r->log.tail.base + r->log.tail.count != r->log.leo)
				broken(c, p, "a log's last batch does not end at its log end");
			for (int j = k + 1; j < p->rf; j++) {
				const struct replica *o = &p->rep[j];
				if (r->is_leader && o->is_leader && r->leader_epoch == o->leader_epoch &&
				    c->brokers[r->broker - 1].up && c->brokers[o->broker - 1].up)
					broken(c, p, "two leaders in one leader epoch");
			}
		}
	}
	if (imbalanced != c->ctl.n_imbalanced) /* what leader balancing counts on */
		broken(c, &c->parts[0], "the count of partitions off their preferred leader is wrong");
}

static void invariants_ev(struct sim *s, void *subject, void *arg)
{
	(void)arg;
	struct cluster *c = subject;
	check_invariants(c);
	sim_after(s, 10 * SIM_MS, invariants_ev, c, NULL);
}

static void retention_ev(struct sim *s, void *subject, void *arg)
{
	(void)arg;
	struct cluster *c = subject;
	c->retention_timer = sim_after(s, c->sc->cluster.log_retention_check_interval_ns,
				       retention_ev, c, NULL);
	broker__retention(c);
}

/* The producers on a kernel of their own, paired with the cluster's and run on a second
 * thread (sim.h, kafka.h's cluster.paired), when that pays and nothing stands in its way
 * (KAFKASIM_PAIR=1 or 0 in the environment overrides the first condition, for tests):
 * the replicas outgrow the caches (the warming's threshold: a run waits on memory, and the
 * producers' share of it moves to the other core), and no fault is scheduled (a fault acts
 * on both sides at once). The outcome depends on this choice, made from the scenario alone,
 * and never on the threads: events at one nanosecond keep their order by the sequence each
 * kernel gives (even and odd), and a producer works its arrivals off lazily (sim_horizon). */
static void pair_maybe(struct cluster *c)
{
	const char *force = getenv("KAFKASIM_PAIR");
	if (c->sc->n_faults > 0 || c->sc->n_producers == 0 || !(force ? force[0] == '1' : c->warm))
		return;
	c->paired = true;
	c->psim = sim_new(c->seed);
	c->ptr = xcalloc(1, sizeof(*c->ptr));
	trace_init(c->ptr, c->tr ? c->tr->out : NULL, c->tr ? c->tr->level : TRACE_SUMMARY);
	for (int i = 0; i < c->net.n_nodes; i++)
		if (c->net.nodes[i].kind == NODE_PRODUCER)
			c->net.nodes[i].sim = c->psim;
	net__pair(c);
}

struct cluster *cluster_new(const struct scenario *sc, uint64_t seed, struct trace *tr)
{
	struct cluster *c = xcalloc_aligned(1, sizeof(*c), _Alignof(struct cluster));
	c->sc = sc;
	c->seed = seed;
	c->tr = c->ptr = tr;
	c->checks = trace_on(tr, TRACE_DEBUG);
	c->sim = c->psim = sim_new(seed);
	sim_enter(c->sim);
	cluster_set_threads(c, sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1);
	hist_init(&c->produce_lat);
	hist_init(&c->e2e_lat);
	hist_init(&c->produce_lat_iv);
	hist_init(&c->e2e_lat_iv);
	c->n_brokers = sc->cluster.brokers;
	c->brokers = xcalloc((size_t)c->n_brokers, sizeof(*c->brokers));
	build_nodes(c);
	for (int i = 0; i < c->net.n_nodes; i++)
		c->net.nodes[i].sim = c->sim; /* producers' may move (pair_maybe) */
	net__init(c);
	for (int i = 0; i < c->n_brokers; i++) {
		c->brokers[i].id = i + 1;
		c->brokers[i].node = i;
		c->brokers[i].up = true;
	}
	build_topics(c);
	pair_maybe(c);
	if (c->warm)
		net__warm_start(c);
	build_key_tables(c);
	broker__init(c);
	ctl__init(c);
	prod__init(c);
	cons__init(c);
	faults__schedule(c);
	prod__start(c);
	cons__start(c);
	c->retention_timer = sim_after(c->sim, sc->cluster.log_retention_check_interval_ns,
				       retention_ev, c, NULL);
	if (trace_on(tr, TRACE_DEBUG))
		sim_after(c->sim, 10 * SIM_MS, invariants_ev, c, NULL);
	return c;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	cons__release(c);
	prod__release(c);
	broker__release(c);
	ctl__release(c);
	for (int t = 0; t < c->n_topics; t++)
		free(c->topics[t].key_partition);
	free(c->topics);
	free(c->parts);
	free(c->rep_pool);
	free(c->fv_pool);
	free(c->pw_pool);
	free(c->brokers);
	faults__release(c);
	free(c->chk.per_producer);
	net__release(c);
	ks_free_all(c);
	hist_release(&c->produce_lat);
	hist_release(&c->e2e_lat);
	hist_release(&c->produce_lat_iv);
	hist_release(&c->e2e_lat_iv);
	if (c->paired) {
		sim_free(c->psim);
		trace_release(c->ptr);
		free(c->ptr);
	}
	sim_free(c->sim);
	free(c);
}

void cluster_set_threads(struct cluster *c, int threads)
{
	c->threads = threads >= 2 ? 2 : 1;
}

bool cluster_paired(const struct cluster *c)
{
	return c->paired;
}

void cluster_run_until(struct cluster *c, sim_time_ns t)
{
	if (!c->paired) {
		sim_run(c->sim, t);
		return;
	}
	/* the trace lines a paired run holds are merged after it: with a trace on, runs of at
	 * most 100 ms, so that what is held stays small (a run's length changes nothing) */
	sim_time_ns step = trace_on(c->tr, TRACE_EVENTS) ? 100 * SIM_MS : SIM_TIME_MAX;
	trace_hold(c->tr, true);
	trace_hold(c->ptr, true);
	sim_time_ns now = sim_now(c->sim);
	do { /* at least once: events scheduled for now since the last run fire now */
		now = t - now > step ? now + step : t;
		sim_pair_run(c->sim, now, c->threads);
		trace_merge(c->tr, c->ptr);
	} while (now < t);
	trace_hold(c->tr, false);
	trace_hold(c->ptr, false);
	sim_enter(c->sim);
}

sim_time_ns cluster_now(const struct cluster *c)
{
	return sim_now(c->sim);
}

uint64_t cluster_events(const struct cluster *c)
{
	return sim_events_fired(c->sim) + (c->paired ? sim_events_fired(c->psim) : 0);
}
