/*
 * report.c - what a run shows: metrics.csv rows at a fixed interval, snapshot tables in the
 * layout of kafka-topics.sh --describe and kafka-consumer-groups.sh --describe, and the body
 * of summary.json (every number reachable by a stable dotted path). Floating point appears
 * only here, printed at fixed precision.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "msgs.h"

/* Per-partition columns are written up to this many partitions in all. */
#define METRICS_PART_COLUMNS_MAX 256

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static bool part_columns(const struct cluster *c)
{
	return c->n_parts <= METRICS_PART_COLUMNS_MAX;
}

void cluster_metrics_header(const struct cluster *c, FILE *out)
{
	fputs("t_s,produced,acked,consumed,produce_p50_ms,produce_p99_ms,e2e_p50_ms,e2e_p99_ms,"
	      "under_replicated,offline", out);
	cons__metrics_header(c, out, false);
	if (part_columns(c)) {
		char name[KS_NAME_MAX + 16];
		for (int i = 0; i < c->n_parts; i++) {
			part_name(c, &c->parts[i], name, sizeof(name));
			fprintf(out, ",isr_%s", name);
		}
		cons__metrics_header(c, out, true);
	}
	fputc('\n', out);
}

/* What every report does first: this cluster's kernel the current one (whatever ran last in
 * the process), and the producers' lazy arrivals caught up with its clock. */
static void report_at_now(struct cluster *c)
{
	sim_enter(c->sim);
	prod__catch_up(c);
}

void cluster_metrics_row(struct cluster *c, FILE *out)
{
	report_at_now(c);
	int urp = 0, offline = 0;
	for (int i = 0; i < c->n_parts; i++) {
		const struct partition *p = &c->parts[i];
		if (!part_exists(c, p))
			continue;
		offline += p->leader < 0;
		urp += p->leader >= 0 && popcount32(p->isr) < p->rf;
	}
	fprintf(out, "%.3f,%llu,%llu,%llu,%.3f,%.3f,%.3f,%.3f,%d,%d",
		(double)sim_now(c->sim) / 1e9, (unsigned long long)c->records_produced_iv,
		(unsigned long long)c->records_acked_iv, (unsigned long long)c->records_consumed_iv,
		ms(hist_quantile(&c->produce_lat_iv, 0.5)), ms(hist_quantile(&c->produce_lat_iv, 0.99)),
		ms(hist_quantile(&c->e2e_lat_iv, 0.5)), ms(hist_quantile(&c->e2e_lat_iv, 0.99)), urp,
		offline);
	cons__metrics_row(c, out, false);
	if (part_columns(c)) {
		for (int i = 0; i < c->n_parts; i++) {
			const struct partition *p = &c->parts[i];
			fprintf(out, ",%d", part_exists(c, p) ? popcount32(p->isr) : 0);
		}
		cons__metrics_row(c, out, true);
	}
	fputc('\n', out);
	c->records_produced_iv = c->records_acked_iv = c->records_consumed_iv = 0;
	hist_merge(&c->produce_lat, &c->produce_lat_iv);
	hist_merge(&c->e2e_lat, &c->e2e_lat_iv);
	hist_reset(&c->produce_lat_iv);
	hist_reset(&c->e2e_lat_iv);
}

/* ---- snapshots ------------------------------------------------------------------------ */

static void replica_list(const struct partition *p, uint32_t mask, bool all, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int k = 0; k < p->rf && len < n; k++)
		if (all || (mask & (1u << k)))
			len += (size_t)snprintf(buf + len, n - len, "%s%d", len ? "," : "",
						p->replicas[k]);
}

void cluster_snapshot(struct cluster *c, FILE *out)
{
	report_at_now(c);
	fprintf(out, "=== t=%.3fs ===\n$ kafka-topics.sh --describe\n",
		(double)sim_now(c->sim) / 1e9);
	for (int t = 0; t < c->n_topics; t++) {
		const struct topic *tp = &c->topics[t];
		fprintf(out, "Topic: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: "
			     "min.insync.replicas=%d\n", tp->cfg->name, tp->n_partitions,
			tp->cfg->replication_factor, tp->min_isr);
		for (int i = 0; i < tp->n_partitions; i++) {
			const struct partition *p = &c->parts[tp->first_partition + i];
			char reps[128], isr[128];
			replica_list(p, 0, true, reps, sizeof(reps));
			replica_list(p, p->isr, false, isr, sizeof(isr));
			char leader[16] = "none";
			if (p->leader >= 1)
				snprintf(leader, sizeof(leader), "%d", p->leader);
			fprintf(out, "\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\n",
				tp->cfg->name, i, leader, reps, isr);
		}
	}
	cons__snapshot(c, out);
	fputc('\n', out);
}

/* ---- summary -------------------------------------------------------------------------- */

void cluster_finish(struct cluster *c)
{
	report_at_now(c);
	if (c->finished)
		return;
	c->finished = true;
	ctl__finish(c);
	prod__finish(c);
	chk__run(c, &c->chk);
}

/* The whole run's latencies: the intervals folded so far and the current one. */
static void latency(struct summ *s, const char *key, const struct hist *done,
		    const struct hist *cur)
{
	struct hist all, *h = &all;
	hist_init(h);
	hist_merge(h, done);
	hist_merge(h, cur);
	summ_obj(s, key);
	summ_int(s, "count", (int64_t)h->count);
	summ_double(s, "p50", ms(hist_quantile(h, 0.5)), 3);
	summ_double(s, "p90", ms(hist_quantile(h, 0.9)), 3);
	summ_double(s, "p99", ms(hist_quantile(h, 0.99)), 3);
	summ_double(s, "p999", ms(hist_quantile(h, 0.999)), 3);
	summ_double(s, "max", ms(h->count ? h->max : 0), 3);
	summ_double(s, "mean", ms((int64_t)hist_mean(h)), 3);
	summ_end(s);
	hist_release(h);
}

static void summary_partitions(struct cluster *c, struct summ *s)
{
	summ_obj(s, "partitions");
	for (int i = 0; i < c->n_parts; i++) {
		const struct partition *p = &c->parts[i];
		if (!part_exists(c, p))
			continue;
		char name[KS_NAME_MAX + 16];
		part_name(c, p, name, sizeof(name));
		const struct replica *r = part_leader_replica(p);
		summ_obj(s, name);
		summ_int(s, "records", (int64_t)p->records_appended);
		summ_int(s, "log_end_offset", r ? r->log.leo : -1);
		summ_int(s, "high_watermark", r ? r->hw : -1);
		summ_int(s, "leader", p->leader);
		summ_int(s, "leader_epoch", p->leader_epoch);
		summ_int(s, "isr_size", popcount32(p->isr));
		cluster__json_slots(&s->w, p, "isr", p->isr);
		if (c->sc->cluster.eligible_leader_replicas_enable) {
			summ_int(s, "elr_size", popcount32(p->elr));
			cluster__json_slots(&s->w, p, "elr", p->elr);
		}
		summ_double(s, "offline_ms", ms(p->offline_ns), 3);
		summ_double(s, "write_unavailable_ms", ms(p->write_unavail_ns), 3);
		summ_double(s, "max_ack_gap_ms", ms(p->max_ack_gap_ns), 3);
		summ_end(s);
	}
	summ_end(s);
}

static void checker_figures(struct summ *s, const struct chk_figures *f)
{
	summ_int(s, "acked_records", f->acked_records);
	summ_int(s, "acked_lost", f->acked_lost);
	summ_int(s, "log_duplicates", f->log_duplicates);
	summ_int(s, "order_violations", f->order_violations);
	summ_int(s, "failed_but_written", f->failed_in_log);
}

static void summary_producers(struct cluster *c, struct summ *s)
{
	summ_obj(s, "producers");
	for (int k = 0; k < c->n_producers; k++) {
		const struct producer *p = &c->producers[k];
		summ_obj(s, p->cfg->name);
		summ_int(s, "produced", (int64_t)p->produced);
		summ_int(s, "acked", (int64_t)p->acked);
		summ_int(s, "failed", (int64_t)p->failed);
		summ_int(s, "batches", (int64_t)p->batches);
		summ_int(s, "requests", (int64_t)p->requests);
		summ_int(s, "retries", (int64_t)p->retries);
		checker_figures(s, &c->chk.per_producer[k]);
		if (p->n_pq <= METRICS_PART_COLUMNS_MAX) { /* what the partitioner chose */
			summ_obj(s, "records_per_partition");
			for (int i = 0; i < p->n_pq; i++) {
				char name[KS_NAME_MAX + 16];
				snprintf(name, sizeof(name), "%s-%d", c->topics[p->topic].cfg->name, i);
				summ_int(s, name, p->pq[i].records);
			}
			summ_end(s);
		}
		summ_end(s);
	}
	summ_end(s);
}

/* Totals over partitions: the controller's view (offline, below min ISR) and the
 * producers' (the longest wait between two acknowledgements of one partition). */
static void summary_availability(struct cluster *c, struct summ *s)
{
	sim_time_ns offline = 0, wunavail = 0, gap = 0;
	int offline_parts = 0;
	for (int i = 0; i < c->n_parts; i++) {
		const struct partition *p = &c->parts[i];
		if (!part_exists(c, p))
			continue;
		offline += p->offline_ns;
		wunavail += p->write_unavail_ns;
		offline_parts += p->leader < 0;
		if (p->max_ack_gap_ns > gap)
			gap = p->max_ack_gap_ns;
	}
	summ_obj(s, "availability");
	summ_double(s, "offline_ms", ms(offline), 3);
	summ_double(s, "write_unavailable_ms", ms(wunavail), 3);
	summ_double(s, "max_ack_gap_ms", ms(gap), 3);
	summ_int(s, "offline_partitions_at_end", offline_parts);
	summ_end(s);
}

static void summary_events(struct cluster *c, struct summ *s)
{
	static const char *const names[EV_COUNT] = {
		"leader_elected", "unclean_election", "isr_shrink", "isr_expand", "broker_fenced",
		"log_truncated", "controller_failover", "producer_disconnected",
		"broker_unfenced", "registration_refused", "controlled_shutdown",
	};
	summ_obj(s, "events");
	for (int e = 0; e < EV_COUNT; e++) {
		const struct ev_stat *st = &c->events[e];
		summ_obj(s, names[e]);
		summ_int(s, "count", st->count);
		summ_double(s, "first_s", st->count ? (double)st->first_ns / 1e9 : -1, 3);
		summ_double(s, "last_s", st->count ? (double)st->last_ns / 1e9 : -1, 3);
		if (e == EV_LOG_TRUNCATED)
			summ_int(s, "records", st->amount);
		summ_end(s);
	}
	summ_end(s);
}

void cluster_summary(struct cluster *c, struct summ *s)
{
	cluster_finish(c);
	summ_obj(s, "records");
	summ_int(s, "produced", (int64_t)c->records_produced);
	summ_int(s, "acked", (int64_t)c->records_acked);
	summ_int(s, "failed", (int64_t)c->records_failed);
	summ_int(s, "consumed", (int64_t)c->records_consumed);
	summ_end(s);
	summ_obj(s, "requests");
	summ_int(s, "produce", (int64_t)c->produce_requests);
	summ_int(s, "produce_batches", (int64_t)c->batches_sent);
	summ_double(s, "records_per_batch",
		    c->batches_sent ? (double)c->records_acked / (double)c->batches_sent : 0, 2);
	summ_int(s, "fetch", (int64_t)c->fetch_requests);
	summ_int(s, "network_messages", (int64_t)(c->net.count[0].sent + c->net.count[1].sent));
	summ_int(s, "network_lost",
		 (int64_t)(c->net.count[0].dropped + c->net.count[1].dropped));
	summ_end(s);
	summ_obj(s, "latency_ms");
	latency(s, "produce", &c->produce_lat, &c->produce_lat_iv);
	latency(s, "end_to_end", &c->e2e_lat, &c->e2e_lat_iv);
	summ_end(s);
	summ_obj(s, "checker");
	checker_figures(s, &c->chk.all);
	summ_int(s, "divergent_offsets", c->chk.divergent_offsets);
	cons__checker_summary(c, s);
	summ_end(s);
	summ_obj(s, "errors");
	for (int e = 1; e < KERR_COUNT; e++)
		summ_int(s, ks_error_name(e), (int64_t)(c->errors[e] + c->errors_p[e]));
	summ_end(s);
	summary_availability(c, s);
	summary_partitions(c, s);
	summary_producers(c, s);
	summary_events(c, s);
	cons__summary(c, s);
}
