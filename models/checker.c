/*
 * checker.c - what happened to every record, counted exactly from range arithmetic at the
 * end of a run:
 *  - acked_lost: sequence ranges a producer saw acknowledged that are missing from the
 *    partition's final log (the leader's log; for a leaderless partition, the longest log
 *    among its last ISR) and were not deleted by retention;
 *  - log_duplicates: records stored more than once in that log (producer retries without
 *    idempotence);
 *  - order_violations: records stored after a record the same producer sent later to the
 *    same partition;
 *  - divergent_offsets: offsets where a replica holds a different record than the final log
 *    (below both logs' ends).
 * Records are named (producer, partition, sequence); a batch names a contiguous range.
 */
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

/* The leader's replica; for an offline partition the longest log of its last ISR (with
 * KIP-966, of the replicas that may still lead: ISR, ELR and the last known leader). */
static const struct replica *final_replica(const struct partition *p)
{
	const struct replica *best = part_leader_replica(p);
	if (best)
		return best;
	uint32_t may_lead = p->isr | p->elr;
	int last = broker__slot_of(p, p->last_leader);
	if (last >= 0)
		may_lead |= 1u << last;
	for (int k = 0; k < p->rf; k++)
		if ((may_lead & (1u << k)) && (!best || p->rep[k].log.leo > best->log.leo))
			best = &p->rep[k];
	return best ? best : &p->rep[0];
}

/* Per (producer, partition) what the final log holds. */
static void check_log(const struct cluster *c, const struct plog *l, struct rset *present,
		      int64_t *max_end, struct chk_figures *per)
{
	for (size_t i = l->head; i < l->n; i++) {
		const struct batch *b = plog_batch(l, i);
		if (b->producer < 0 || b->producer >= c->n_producers)
			continue;
		int k = b->producer;
		int64_t lo = b->first_seq, hi = b->first_seq + b->count;
		if (lo < max_end[k]) {
			int64_t top = hi < max_end[k] ? hi : max_end[k];
			per[k].order_violations += (top - lo) - rset_count_in(&present[k], lo, top);
		}
		per[k].log_duplicates += rset_add(&present[k], lo, hi);
		if (hi > max_end[k])
			max_end[k] = hi;
	}
}

/* Offsets where two logs hold different records, over the range both hold. */
static int64_t diverging(const struct plog *a, const struct plog *b)
{
	int64_t lo = a->log_start > b->log_start ? a->log_start : b->log_start;
	int64_t hi = a->leo < b->leo ? a->leo : b->leo;
	int64_t n = 0;
	size_t i = plog_find(a, lo), j = plog_find(b, lo);
	while (lo < hi && i < a->n && j < b->n && i != (size_t)-1 && j != (size_t)-1) {
		const struct batch *x = plog_batch(a, i), *y = plog_batch(b, j);
		int64_t end = x->base + x->count;
		if (y->base + y->count < end)
			end = y->base + y->count;
		if (end > hi)
			end = hi;
		bool same = x->producer == y->producer &&
			    x->first_seq - x->base == y->first_seq - y->base;
		if (!same)
			n += end - lo;
		lo = end;
		if (lo >= x->base + x->count)
			i++;
		if (lo >= y->base + y->count)
			j++;
	}
	return n;
}

void chk__run(struct cluster *c, struct chk_result *out)
{
	int np = c->n_producers;
	free(out->per_producer);
	memset(out, 0, sizeof(*out));
	out->per_producer = calloc((size_t)(np ? np : 1), sizeof(*out->per_producer));
	struct chk_figures *per = out->per_producer;
	struct rset *present = calloc((size_t)(np ? np : 1), sizeof(*present));
	int64_t *max_end = calloc((size_t)(np ? np : 1), sizeof(int64_t));
	if (!present || !max_end || !per)
		abort();
	for (int i = 0; i < c->n_parts; i++) {
		const struct partition *p = &c->parts[i];
		if (!part_exists(c, p))
			continue;
		const struct replica *fin = final_replica(p);
		for (int k = 0; k < np; k++) {
			rset_clear(&present[k]);
			max_end[k] = 0;
		}
		check_log(c, &fin->log, present, max_end, per);
		for (int k = 0; p->deleted && k < np; k++) /* deleted by retention is not lost */
			for (size_t r = 0; r < p->deleted[k].n; r++) {
				struct rset_range x = rset_range_at(&p->deleted[k], r);
				rset_add(&present[k], x.lo, x.hi);
			}
		for (int k = 0; k < np; k++) {
			const struct producer *pr = &c->producers[k];
			if (pr->topic != p->topic)
				continue;
			const struct pqueue *q = &pr->pq[p->index];
			per[k].acked_records += rset_total(&q->acked);
			per[k].acked_lost += rset_count_minus(&q->acked, &present[k]);
			per[k].failed_in_log += rset_total(&q->failed) -
						rset_count_minus(&q->failed, &present[k]);
		}
		for (int k = 0; k < p->rf; k++)
			if (&p->rep[k] != fin)
				out->divergent_offsets += diverging(&fin->log, &p->rep[k].log);
	}
	for (int k = 0; k < np; k++) {
		rset_release(&present[k]);
		out->all.acked_records += per[k].acked_records;
		out->all.acked_lost += per[k].acked_lost;
		out->all.log_duplicates += per[k].log_duplicates;
		out->all.order_violations += per[k].order_violations;
		out->all.failed_in_log += per[k].failed_in_log;
	}
	free(present);
	free(max_end);
}
