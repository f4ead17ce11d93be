/*
 * meta.c - a client's metadata for one topic (org.apache.kafka.clients.Metadata): which
 * broker leads each partition at which leader epoch. Refreshed by asking a reachable broker,
 * which answers from the metadata it has applied, so a client can learn stale leadership
 * from a broker the controller's updates have not reached. An answer never moves a
 * partition back to an older leader epoch. An unanswered request is asked again when it
 * times out (NetworkClient's in-flight metadata request). A paused client (a consumer's GC
 * pause stops every thread of its JVM) sends nothing: a refresh or retry due meanwhile
 * goes out when it resumes.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

void meta__init(struct client_meta *m, int n, sim_time_ns backoff_ns, sim_time_ns max_age_ns,
		sim_time_ns request_timeout_ns)
{
	memset(m, 0, sizeof(*m));
	m->backoff_ns = backoff_ns;
	m->max_age_ns = max_age_ns;
	m->request_timeout_ns = request_timeout_ns;
	meta__grow(m, n);
}

void meta__grow(struct client_meta *m, int n)
{
	int *l = realloc(m->leader, (size_t)(n > 0 ? n : 1) * sizeof(int));
	int32_t *e = realloc(m->epoch, (size_t)(n > 0 ? n : 1) * sizeof(int32_t));
	if (!l || !e)
		abort();
	for (int i = m->n; i < n; i++) {
		l[i] = -1;
		e[i] = -1;
	}
	m->leader = l;
	m->epoch = e;
	m->n = n;
}

void meta__release(struct client_meta *m)
{
	free(m->leader);
	free(m->epoch);
	memset(m, 0, sizeof(*m));
}

/* A debug-level line about the client's metadata (its kernel's trace: cluster.ptr for a
 * producer on a kernel of its own); broker 0: none. */
static void meta_trace(struct cluster *c, const struct client_meta *m, const char *type,
		       int broker)
{
	const struct node *n = &c->net.nodes[m->node];
	struct trace *t = n->sim == c->psim ? c->ptr : c->tr;
	TRACE_EV(t, TRACE_DEBUG, sim_now(n->sim), type) {
		jsonw_kstr(trace_w(t), "client", n->name);
		if (broker > 0)
			jsonw_kint(trace_w(t), "broker", broker);
	}
}

/* A request that went out waits for its answer until it times out (NetworkClient keeps
 * one metadata request in flight, for request.timeout.ms); the timeout closes the connection
 * it went on (the client's timed_out), and the update, failed, is asked again after the
 * backoff, as after any other closed connection. A request waits at least 1 ms, so that
 * simulated time moves (with retry.backoff.ms 0 a request and its retry stood at one
 * instant for ever, until the event queue filled). */
static sim_time_ns at_least_1ms(sim_time_ns t)
{
	return t > SIM_MS ? t : SIM_MS;
}

static void meta_retry_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct client_meta *m = arg;
	m->timer = 0;
	m->pending = false;
	meta__request(subject, m, m->node, m->topic);
}

/* The request in flight failed (why: the trace line's type): still pending - what else
 * asks meanwhile waits - until the retry after the backoff. Returns the broker asked. */
static int fail_update(struct cluster *c, struct client_meta *m, const char *why)
{
	int broker = m->asked;
	m->asked = 0;
	meta_trace(c, m, why, broker);
	if (m->timer)
		sim_cancel(sim_current(), m->timer);
	m->timer = sim_after(sim_current(), m->backoff_ns, meta_retry_ev, c, m);
	return broker;
}

static void meta_time_out(struct cluster *c, struct client_meta *m)
{
	int broker = fail_update(c, m, "metadata.timeout");
	if (m->timed_out) /* the close this asks for finds the request failed already */
		m->timed_out(c, m, broker);
}

static void meta_timeout_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct client_meta *m = arg;
	m->timer = 0;
	if (m->frozen) { /* a paused client reads what came before it looks at the clock */
		m->timeout_held = true;
		return;
	}
	meta_time_out(subject, m);
}

void meta__reset(struct client_meta *m)
{
	if (m->timer)
		sim_cancel(sim_current(), m->timer);
	m->timer = 0;
	m->pending = m->frozen = m->deferred = m->timeout_held = false;
	m->asked = 0;
}

void meta__disconnected(struct cluster *c, struct client_meta *m, int broker)
{
	if (m->pending && m->asked == broker)
		fail_update(c, m, "metadata.failed");
}

void meta__request(struct cluster *c, struct client_meta *m, int node, int topic)
{
	m->node = node;
	m->topic = topic;
	if (m->pending || !c->net.nodes[node].up)
		return;
	if (m->frozen) { /* whoever asks (a timer, the topic growing): at the resume */
		m->deferred = true;
		return;
	}
	m->pending = true;
	m->asked = 0;
	for (int k = 0; k < c->n_brokers; k++) {
		int id = (m->rr + k) % c->n_brokers + 1;
		int bnode = net__broker_node(c, id);
		if (!net__open(c, bnode) || !net__reachable(c, node, bnode))
			continue;
		m->rr = id % c->n_brokers;
		struct metadata_req *q = ks_alloc(c, sizeof(*q));
		q->topic = topic;
		q->h.give_up_ns = sim_now(sim_current()) + m->request_timeout_ns;
		net__send(c, node, bnode, &q->h, MSG_METADATA_REQ, 64);
		m->asked = id;
		break;
	}
	meta_trace(c, m, "metadata.request", m->asked);
	if (m->timer)
		sim_cancel(sim_current(), m->timer);
	if (m->asked)
		m->timer = sim_after(sim_current(), at_least_1ms(m->request_timeout_ns),
				     meta_timeout_ev, c, m);
	else /* no broker to ask: the reconnect backoff, at its 1 s cap (ten retry backoffs) */
		m->timer = sim_after(sim_current(), at_least_1ms(10 * m->backoff_ns), meta_retry_ev,
				     c, m);
}

static void meta_refresh_ev(struct sim *s, void *subject, void *arg)
{
	(void)s;
	struct client_meta *m = arg;
	m->refresh_timer = 0;
	meta__request(subject, m, m->node, m->topic);
}

void meta__thaw(struct cluster *c, struct client_meta *m)
{
	m->frozen = false;
	if (m->timeout_held) { /* unanswered still, after what the pause held was read */
		m->timeout_held = false;
		if (m->pending && m->asked)
			meta_time_out(c, m);
	}
	if (m->deferred) {
		m->deferred = false;
		meta__request(c, m, m->node, m->topic);
	}
}

void meta__refresh_arm(struct cluster *c, struct client_meta *m, int node, int topic)
{
	m->node = node;
	m->topic = topic;
	if (m->refresh_timer)
		sim_cancel(sim_current(), m->refresh_timer);
	m->refresh_timer = sim_after(sim_current(), m->max_age_ns, meta_refresh_ev, c, m);
}

bool meta__take_leader(struct client_meta *m, int i, int leader, int32_t epoch)
{
	if (leader < 1 || epoch <= m->epoch[i])
		return false;
	m->leader[i] = leader;
	m->epoch[i] = epoch;
	return true;
}

bool meta__apply(struct cluster *c, struct client_meta *m, const struct msg *msg)
{
	const struct metadata_resp *r = (const struct metadata_resp *)msg;
	bool missing = false;
	int from = c->net.nodes[msg->from].index;
	if (!m->pending || m->asked != from) /* an answer to a request that failed: its
					       * connection is closed, nothing reads it */
		return false;
	meta_trace(c, m, "metadata.update", from);
	m->pending = m->timeout_held = false;
	m->asked = 0;
	if (m->timer)
		sim_cancel(sim_current(), m->timer);
	m->timer = 0;
	for (int i = 0; i < r->n && i < m->n; i++) {
		if (r->p[i].epoch < m->epoch[i])
			continue;
		m->leader[i] = r->p[i].leader;
		m->epoch[i] = r->p[i].epoch;
	}
	for (int i = 0; i < m->n; i++)
		missing |= m->leader[i] < 1;
	if (missing) /* LEADER_NOT_AVAILABLE: ask again after the backoff */
		m->timer = sim_after(sim_current(), m->backoff_ns, meta_retry_ev, c, m);
	meta__refresh_arm(c, m, m->node, m->topic);
	return missing;
}
