/*
 * faults.c - the fault schedule. Every scenario fault is a start event and, with `for`, an
 * end event; each acts on model state through the modules' own entry points (a crash is
 * broker__stop, a network split is a rule the network consults), never through special
 * cases inside the models. Every start and end is a trace event (fault.start / fault.end),
 * and the windows are what later plots shade.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

struct fault_state {
	int rule;                 /* index into net.rules, -1 none */
	bool active;
	bool took;                /* shutdown: it began one (its end restarts the broker) */
};

static const char *fault_kind_name(enum ks_fault_kind k)
{
	static const char *const names[] = {
		"crash", "restart", "slow", "partition", "drop", "delay", "pause", "join",
		"leave", "reset_offsets", "add_partitions", "shutdown",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

int cluster__node_of(const struct cluster *c, const struct ks_node *n)
{
	switch (n->kind) {
	case NODE_BROKER:
		return n->index - 1;
	case NODE_CONTROLLER:
		return c->first_controller_node + n->index - 1;
	case NODE_PRODUCER:
		return c->first_producer_node + n->index;
	case NODE_MEMBER: /* member names count from 1: <group>-1 is node index 0 */
		for (int i = c->first_member_node; i < c->net.n_nodes; i++) {
			const struct node *nd = &c->net.nodes[i];
			if (nd->group == n->group && nd->index == n->index - 1)
				return i;
		}
		return -1;
	default:
		return -1;
	}
}

static void trace_fault(struct cluster *c, const struct fault_cfg *f, const char *type)
{
	if (!trace_on(c->tr, TRACE_EVENTS))
		return;
	trace_begin(c->tr, sim_now(c->sim), type);
	struct jsonw *w = trace_w(c->tr);
	jsonw_kstr(w, "fault", fault_kind_name(f->kind));
	if (f->kind != FAULT_PARTITION && f->kind != FAULT_DROP && f->kind != FAULT_DELAY &&
	    f->kind != FAULT_ADD_PARTITIONS && f->kind != FAULT_RESET_OFFSETS &&
	    f->kind != FAULT_JOIN) {
		int node = cluster__node_of(c, &f->target);
		if (node >= 0)
			jsonw_kstr(w, "target", c->net.nodes[node].name);
	}
	if (f->for_ns > 0)
		jsonw_kint(w, "for_ns", f->for_ns);
	trace_end(c->tr);
}

static void make_rule(struct cluster *c, const struct fault_cfg *f, struct fault_state *st)
{
	struct net *n = &c->net;
	n->rules = realloc(n->rules, (size_t)(n->n_rules + 1) * sizeof(*n->rules));
	if (!n->rules)
		abort();
	struct net_rule *r = &n->rules[n->n_rules];
	memset(r, 0, sizeof(*r));
	r->a = calloc((size_t)n->n_nodes, 1);
	r->b = calloc((size_t)n->n_nodes, 1);
	if (!r->a || !r->b)
		abort();
	bool any_b = f->n_b == 0;
	for (int i = 0; i < f->n_a; i++)
		if (f->a[i].kind != NODE_ANY)
			r->a[cluster__node_of(c, &f->a[i])] = 1;
	for (int i = 0; i < f->n_b; i++) {
		if (f->b[i].kind == NODE_ANY)
			any_b = true;
		else
			r->b[cluster__node_of(c, &f->b[i])] = 1;
	}
	if (any_b) /* `b` / `to` left out: every other node */
		for (int i = 0; i < n->n_nodes; i++)
			r->b[i] = !r->a[i];
	r->kind = f->kind == FAULT_PARTITION ? RULE_PARTITION :
		  f->kind == FAULT_DROP ? RULE_DROP : RULE_DELAY;
	r->one_way = f->one_way;
	r->fraction = f->fraction;
	r->extra_ns = f->extra_ns;
	st->rule = n->n_rules++;
}

static void crash(struct cluster *c, const struct fault_cfg *f)
{
	switch (f->target.kind) {
	case NODE_BROKER: {
		struct broker *b = &c->brokers[f->target.index - 1];
		if (b->up)
			broker__stop(c, b, f->lose_unflushed, false);
		return;
	}
	case NODE_CONTROLLER:
		if (c->ctl.up[f->target.index])
			ctl__crash(c, f->target.index);
		return;
	case NODE_MEMBER:
		cons__member_crash(c, f->target.group, f->target.index - 1);
		return;
	default:
		return;
	}
}

static void restart(struct cluster *c, const struct ks_node *t)
{
	switch (t->kind) {
	case NODE_BROKER: {
		struct broker *b = &c->brokers[t->index - 1];
		if (b->up)
			b->restart_pending = b->shutting_down; /* when it has stopped */
		else
			broker__restart(c, b);
		return;
	}
	case NODE_CONTROLLER:
		if (!c->ctl.up[t->index])
			ctl__restart(c, t->index);
		return;
	case NODE_MEMBER:
		cons__member_restart(c, t->group, t->index - 1);
		return;
	default:
		return;
	}
}

static void slow(struct cluster *c, const struct fault_cfg *f, bool start)
{
	if (f->target.kind == NODE_MEMBER) {
		cons__member_slow(c, f->target.group, f->target.index - 1,
				  start ? f->slow_factor : 1.0);
		return;
	}
	int node = cluster__node_of(c, &f->target);
	if (node < 0)
		return;
	if (f->target.kind == NODE_BROKER && f->disk_stall) {
		struct broker *b = &c->brokers[f->target.index - 1];
		sim_time_ns until = f->for_ns > 0 ? sim_time_plus(sim_now(c->sim), f->for_ns) :
						    SIM_TIME_MAX;
		b->stall_until_ns = start ? until : sim_now(c->sim);
		return;
	}
	c->net.nodes[node].slow_extra_ns = start ? f->extra_ns : 0;
}

static void fault_ev(struct sim *s, void *subject, void *arg, bool start)
{
	(void)s;
	struct cluster *c = subject;
	int i = (int)(intptr_t)arg;
	const struct fault_cfg *f = &c->sc->faults[i];
	struct fault_state *st = &c->faults[i];
	trace_fault(c, f, start ? "fault.start" : "fault.end");
	st->active = start;
	switch (f->kind) {
	case FAULT_CRASH:
		if (start)
			crash(c, f);
		else
			restart(c, &f->target);
		break;
	case FAULT_RESTART:
		if (start)
			restart(c, &f->target);
		break;
	case FAULT_SHUTDOWN:
		if (start)
			st->took = broker__shutdown(c, &c->brokers[f->target.index - 1]);
		else if (st->took) /* not the end of a shutdown that found it stopping */
			restart(c, &f->target);
		break;
	case FAULT_SLOW:
		slow(c, f, start);
		break;
	case FAULT_PARTITION:
	case FAULT_DROP:
	case FAULT_DELAY:
		c->net.rules[st->rule].active = start;
		c->net.n_active_rules += start ? 1 : -1;
		if (!start && f->kind == FAULT_PARTITION)
			net__healed(c);
		break;
	case FAULT_ADD_PARTITIONS:
		cluster__add_partitions(c, f->topic, f->new_partitions);
		break;
	default:
		cons__fault(c, f, start);
		break;
	}
}

static void fault_start_ev(struct sim *s, void *subject, void *arg)
{
	fault_ev(s, subject, arg, true);
}

static void fault_end_ev(struct sim *s, void *subject, void *arg)
{
	fault_ev(s, subject, arg, false);
}

void faults__schedule(struct cluster *c)
{
	const struct scenario *sc = c->sc;
	c->faults = calloc((size_t)(sc->n_faults ? sc->n_faults : 1), sizeof(*c->faults));
	if (!c->faults)
		abort();
	for (int i = 0; i < sc->n_faults; i++) {
		const struct fault_cfg *f = &sc->faults[i];
		c->faults[i].rule = -1;
		if (f->kind == FAULT_PARTITION || f->kind == FAULT_DROP || f->kind == FAULT_DELAY)
			make_rule(c, f, &c->faults[i]);
		sim_schedule(c->sim, f->at_ns, fault_start_ev, c, (void *)(intptr_t)i);
		if (f->for_ns > 0 && f->kind != FAULT_RESTART && f->kind != FAULT_JOIN &&
		    f->kind != FAULT_LEAVE && f->kind != FAULT_RESET_OFFSETS &&
		    f->kind != FAULT_ADD_PARTITIONS)
			sim_schedule(c->sim, f->at_ns + f->for_ns, fault_end_ev, c, (void *)(intptr_t)i);
	}
}

void faults__release(struct cluster *c)
{
	free(c->faults);
	c->faults = NULL;
}
