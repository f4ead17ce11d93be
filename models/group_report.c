/*
 * group_report.c - what consumer groups show: lag (the leader's high watermark minus the
 * committed offset, as ConsumerGroupCommand computes LAG) in metrics.csv, the
 * kafka-consumer-groups.sh --describe table in snapshots.txt, the groups' figures in
 * summary.json, and a lag status per group in the manner of LinkedIn's Burrow.
 *
 * The status follows Burrow 1.x (storage/inmemory.go, evaluator/caching.go). Burrow reads
 * the brokers' offsets periodically (offset-refresh); here every partition's high
 * watermark is read once a second. Every committed offset the coordinator stores is an
 * observation {offset, lag = that high watermark - offset (0 if negative), time} in a
 * per-partition window of lag_window entries (Burrow's `intervals`, 10); an observation
 * less than lag_min_distance (Burrow's `min-distance`, 1s) after the newest one replaces it
 * and keeps its time. Once a second each partition with observations is judged, the first
 * rule that holds deciding:
 *   OK       the current lag (high watermark - newest committed offset) is 0, or some
 *            observation in the window had lag 0;
 *   REWIND   a committed offset went backwards within the window;
 *   STOPPED  the time since the newest observation exceeds the span of the window (the
 *            group stopped committing);
 *   STALLED  the committed offset did not move over the window although lag is non-zero;
 *   WARNING  the lag never decreased from one observation to the next (a slow consumer);
 *   OK       otherwise.
 * The group's status is the worst partition status, where anything worse than ERROR counts
 * as ERROR (OK < WARNING < ERROR); the worst partition status itself is reported too, so a
 * group in ERROR says whether it is STOPPED, STALLED or REWIND. Differences from Burrow: a
 * window needs two observations before it is judged at all (Burrow calls a single one
 * STOPPED as soon as time passes), and broker offsets refresh every second (Burrow's
 * default offset-refresh is 10s). As in Burrow, a zero-lag observation anywhere in the
 * window keeps a partition OK: a caught-up consumer that dies stays OK (its window no longer
 * changes); STOPPED shows a consumer that was behind when it stopped.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "msgs.h"
#include "summ.h"

#define STATUS_TICK_NS SIM_S

const char *grp_status_name(enum grp_status s)
{
	static const char *const names[] = { "NOTFOUND", "OK", "WARNING", "ERROR", "STOPPED",
					     "STALLED", "REWIND" };
	return (unsigned)s < ST__COUNT ? names[s] : "?";
}

/* Lag of a group on a partition: the leader's high watermark minus the committed offset
 * (ConsumerGroupCommand's LAG; with nothing committed, from the log start). */
static int64_t lag_of(const struct cluster *c, const struct group *g, int idx)
{
	const struct replica *r = grp__leader_replica(c, g, idx);
	if (!r)
		return 0;
	int64_t from = g->committed[idx] >= 0 ? g->committed[idx] : r->log.log_start;
	return r->hw > from ? r->hw - from : 0;
}

static int64_t group_lag(const struct cluster *c, const struct group *g)
{
	int64_t lag = 0;
	for (int i = 0; i < g->n_parts; i++)
		lag += lag_of(c, g, i);
	return lag;
}

/* Records below the final committed offset, from where the group started, never processed. */
static int64_t skipped_of(const struct group *g)
{
	int64_t n = 0;
	for (int i = 0; i < g->n_parts; i++) {
		int64_t lo = g->origin[i], hi = g->committed[i];
		if (lo < 0 || hi <= lo)
			continue;
		n += (hi - lo) - rset_count_in(&g->processed[i], lo, hi);
	}
	return n;
}

/* ---- Burrow ----------------------------------------------------------------------------- */

static struct bw_entry *bw_at(const struct group *g, int idx, int k)
{
	int w = g->cfg->lag_window;
	return &g->bw[(size_t)idx * (size_t)w + (size_t)((g->bw_head[idx] + k) % w)];
}

void grp__status_commit(struct cluster *c, struct group *g, int idx, int64_t offset)
{
	sim_time_ns now = sim_now(c->sim);
	int64_t lag = g->bw_hw[idx] > offset ? g->bw_hw[idx] - offset : 0;
	int w = g->cfg->lag_window, n = g->bw_n[idx];
	if (n > 0) {
		struct bw_entry *last = bw_at(g, idx, n - 1);
		if (now - last->t < g->cfg->lag_min_distance_ns) {
			last->offset = offset;
			last->lag = lag;
			return;
		}
	}
	if (n == w) {
		g->bw_head[idx] = (g->bw_head[idx] + 1) % w;
		n--;
	}
	*bw_at(g, idx, n) = (struct bw_entry){ offset, lag, now };
	g->bw_n[idx] = n + 1;
}

static enum grp_status part_status(const struct cluster *c, const struct group *g, int idx,
				   sim_time_ns now)
{
	int n = g->bw_n[idx];
	(void)c;
	if (n < 2)
		return ST_OK; /* Burrow would call one observation STOPPED once time passes */
	const struct bw_entry *first = bw_at(g, idx, 0), *last = bw_at(g, idx, n - 1);
	int64_t current = g->bw_hw[idx] > last->offset ? g->bw_hw[idx] - last->offset : 0;
	bool moving = false, rewind = false, decreasing = false;
	if (current == 0)
		return ST_OK;
	for (int k = 0; k < n; k++) {
		const struct bw_entry *e = bw_at(g, idx, k), *p = k ? bw_at(g, idx, k - 1) : NULL;
		if (e->lag == 0)
			return ST_OK;
		if (p) {
			rewind |= e->offset < p->offset;
			moving |= e->offset != p->offset;
			decreasing |= e->lag < p->lag;
		}
	}
	if (rewind)
		return ST_REWIND;
	if (now - last->t > last->t - first->t)
		return ST_STOPPED;
	if (!moving)
		return ST_STALLED;
	return decreasing ? ST_OK : ST_WARNING;
}

static void status_eval(struct cluster *c, struct group *g)
{
	sim_time_ns now = sim_now(c->sim);
	enum grp_status worst = ST_OK;
	int worst_part = -1;
	for (int i = 0; i < g->n_parts; i++) {
		enum grp_status s = part_status(c, g, i, now);
		if (s > worst) {
			worst = s;
			worst_part = i;
		}
	}
	enum grp_status group = worst > ST_ERROR ? ST_ERROR : worst;
	g->status_ns[g->status] += now - g->status_last_ns;
	g->status_last_ns = now;
	if (group != g->status || worst != g->part_status) {
		TRACE_EV(c->tr, TRACE_EVENTS, now, "group.status") {
			struct jsonw *w = trace_w(c->tr);
			jsonw_kstr(w, "group", g->cfg->name);
			jsonw_kstr(w, "status", grp_status_name(group));
			jsonw_kstr(w, "partition_status", grp_status_name(worst));
			if (worst_part >= 0)
				grp__trace_part(c, g, "partition", worst_part);
			jsonw_kint(w, "lag", group_lag(c, g));
		}
	}
	g->status = group;
	g->part_status = worst;
	g->status_part = worst_part;
}

static void status_ev(struct sim *s, void *subject, void *arg)
{
	struct cluster *c = subject;
	struct group *g = arg;
	g->status_timer = sim_after(s, STATUS_TICK_NS, status_ev, c, g);
	for (int i = 0; i < g->n_parts; i++) { /* Burrow's broker offsets, refreshed */
		const struct replica *r = grp__leader_replica(c, g, i);
		if (r)
			g->bw_hw[i] = r->hw;
	}
	status_eval(c, g);
	int64_t lag = group_lag(c, g);
	if (lag > g->lag_max) {
		g->lag_max = lag;
		g->lag_max_ns = sim_now(s);
	}
	uint64_t done = g->records_processed; /* with the done part of polls in progress */
	for (int m = 0; m < g->cap_members; m++)
		if (g->members[m].active)
			done += (uint64_t)cons__work_progress(c, &g->members[m]);
	uint64_t rate = done > g->rate_last ? done - g->rate_last : 0;
	g->rate_last = done;
	if (rate > g->rate_peak)
		g->rate_peak = rate;
}

void grp__status_init(struct cluster *c, struct group *g)
{
	size_t w = (size_t)(g->cfg->lag_window > 0 ? g->cfg->lag_window : 1);
	g->bw = calloc((size_t)g->max_parts * w, sizeof(*g->bw));
	g->bw_n = calloc((size_t)g->max_parts, sizeof(int));
	g->bw_head = calloc((size_t)g->max_parts, sizeof(int));
	g->bw_hw = calloc((size_t)g->max_parts, sizeof(int64_t));
	if (!g->bw || !g->bw_n || !g->bw_head || !g->bw_hw)
		abort();
	g->status = g->part_status = ST_OK;
	g->status_part = -1;
	g->status_timer = sim_after(c->sim, STATUS_TICK_NS, status_ev, c, g);
}

void grp__status_release(struct group *g)
{
	free(g->bw);
	free(g->bw_n);
	free(g->bw_head);
	free(g->bw_hw);
}

/* ---- metrics.csv and snapshots.txt ---------------------------------------------------------- */

void cons__metrics_header(const struct cluster *c, FILE *out, bool per_partition)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		if (!per_partition) {
			fprintf(out, ",lag_%s,status_%s", gr->cfg->name, gr->cfg->name);
			continue;
		}
		for (int i = 0; i < gr->max_parts; i++)
			fprintf(out, ",lag_%s_%s-%d", gr->cfg->name,
				c->topics[gr->topic].cfg->name, i);
	}
}

void cons__metrics_row(const struct cluster *c, FILE *out, bool per_partition)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		if (!per_partition) {
			fprintf(out, ",%lld,%s", (long long)group_lag(c, gr),
				grp_status_name(gr->status));
			continue;
		}
		for (int i = 0; i < gr->max_parts; i++)
			fprintf(out, ",%lld", i < gr->n_parts ? (long long)lag_of(c, gr, i) : 0LL);
	}
}

void cons__snapshot(const struct cluster *c, FILE *out)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		const char *tname = c->topics[gr->topic].cfg->name;
		fprintf(out, "\n$ kafka-consumer-groups.sh --describe --group %s\n", gr->cfg->name);
		fprintf(out, "%-20s %-20s %-9s %-14s %-14s %-8s %-32s %-10s %s\n", "GROUP",
			"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
			"CONSUMER-ID", "HOST", "CLIENT-ID");
		for (int i = 0; i < gr->n_parts; i++) {
			const struct replica *r = grp__leader_replica(c, gr, i);
			int o = gr->owner[i];
			const struct member *mb = o >= 0 && gr->cm[o].in ? &gr->members[o] : NULL;
			char cur[32], end[32], lag[32];
			snprintf(cur, sizeof(cur), "%lld", (long long)gr->committed[i]);
			snprintf(end, sizeof(end), "%lld", r ? (long long)r->hw : -1LL);
			snprintf(lag, sizeof(lag), "%lld", (long long)lag_of(c, gr, i));
			const char *id = mb && mb->member_id[0] ? mb->member_id : "-";
			fprintf(out, "%-20s %-20s %-9d %-14s %-14s %-8s %-32s %-10s %s\n",
				gr->cfg->name, tname, i, gr->committed[i] < 0 ? "-" : cur,
				r ? end : "-", gr->committed[i] < 0 ? "-" : lag, id,
				mb ? "/127.0.0.1" : "-", mb ? mb->name : "-");
		}
		fprintf(out, "# state %s, generation %d, status %s\n",
			gr->state == GS_STABLE ? "Stable" : gr->state == GS_EMPTY ? "Empty" :
			gr->state == GS_PREPARING ? "PreparingRebalance" : "CompletingRebalance",
			gr->generation, grp_status_name(gr->status));
	}
}

/* ---- summary.json ---------------------------------------------------------------------------- */

void cons__checker_summary(const struct cluster *c, struct summ *s)
{
	int64_t dup = 0, skipped = 0, eff[3] = { 0, 0, 0 };
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		dup += (int64_t)gr->duplicates;
		skipped += skipped_of(gr);
		eff[gr->cfg->idempotence] += (int64_t)gr->dup_effects;
	}
	summ_int(s, "delivery_duplicates", dup);
	summ_int(s, "skipped", skipped);
	summ_obj(s, "duplicate_effects");
	summ_int(s, "none", eff[IDEM_NONE]);
	summ_int(s, "dedupe_in_batch", eff[IDEM_DEDUPE_IN_BATCH]);
	summ_int(s, "processed_table", eff[IDEM_PROCESSED_TABLE]);
	summ_end(s);
}

static void summary_members(const struct cluster *c, const struct group *g, struct summ *s)
{
	(void)c;
	summ_obj(s, "per_member");
	for (int m = 0; m < g->cap_members; m++) {
		const struct member *mb = &g->members[m];
		if (m >= g->cfg->members && !mb->processed && !mb->active && !mb->polls)
			continue;
		summ_obj(s, mb->name);
		summ_int(s, "records_processed", (int64_t)mb->processed);
		summ_int(s, "partitions", mb->active ? mb->n_p : 0);
		summ_bool(s, "active", mb->active);
		summ_int(s, "polls", (int64_t)mb->polls);
		summ_int(s, "commits", (int64_t)mb->commits);
		summ_int(s, "commits_failed", (int64_t)mb->commits_failed);
		summ_double(s, "rebalance_pause_ms", (double)mb->pause_ns / 1e6, 3);
		summ_end(s);
	}
	summ_end(s);
}

static void summary_partitions(const struct cluster *c, const struct group *g, struct summ *s)
{
	summ_obj(s, "per_partition");
	for (int i = 0; i < g->n_parts; i++) {
		char name[KS_NAME_MAX + 16];
		snprintf(name, sizeof(name), "%s-%d", c->topics[g->topic].cfg->name, i);
		summ_obj(s, name);
		summ_int(s, "records_processed", g->records_per_part[i]);
		summ_int(s, "committed", g->committed[i]);
		summ_int(s, "lag", lag_of(c, g, i));
		summ_int(s, "owner", g->owner[i] >= 0 ? g->owner[i] + 1 : 0);
		summ_end(s);
	}
	summ_end(s);
}

#define RB_LOG_MAX 50

static void summary_rebalances(const struct group *g, struct summ *s)
{
	sim_time_ns total = 0;
	for (int i = 0; i < g->n_rb; i++)
		total += g->rb[i].end_ns - g->rb[i].start_ns;
	summ_int(s, "rebalances", (int64_t)g->rebalances);
	summ_double(s, "rebalance_time_ms", (double)total / 1e6, 3);
	summ_double(s, "rebalance_pause_ms", (double)g->pause_ns / 1e6, 3);
	summ_double(s, "partition_pause_ms", (double)g->part_pause_ns / 1e6, 3);
	summ_int(s, "partitions_moved", (int64_t)g->moved);
	summ_int(s, "partitions_revoked", (int64_t)g->revoked);
	summ_obj(s, "rebalance_log");
	for (int i = 0; i < g->n_rb && i < RB_LOG_MAX; i++) {
		const struct rb_record *r = &g->rb[i];
		char key[16];
		snprintf(key, sizeof(key), "%d", i + 1);
		summ_obj(s, key);
		summ_int(s, "generation", r->generation);
		summ_double(s, "start_ms", (double)r->start_ns / 1e6, 3);
		summ_double(s, "end_ms", (double)r->end_ns / 1e6, 3);
		summ_double(s, "duration_ms", (double)(r->end_ns - r->start_ns) / 1e6, 3);
		summ_int(s, "members", r->members);
		summ_int(s, "moved", r->moved);
		summ_int(s, "revoked", r->revoked);
		summ_end(s);
	}
	summ_end(s);
}

static void summary_status(const struct group *g, struct summ *s, sim_time_ns now)
{
	summ_str(s, "status", grp_status_name(g->status));
	summ_int(s, "status_code", g->status);
	summ_str(s, "partition_status", grp_status_name(g->part_status));
	summ_int(s, "partition_status_code", g->part_status);
	summ_obj(s, "status_s");
	for (int k = ST_OK; k <= ST_ERROR; k++) {
		sim_time_ns t = g->status_ns[k] + (g->status == (enum grp_status)k ?
						    now - g->status_last_ns : 0);
		summ_double(s, grp_status_name((enum grp_status)k), (double)t / 1e9, 3);
	}
	summ_end(s);
}

static void summary_group(const struct cluster *c, const struct group *g, struct summ *s)
{
	uint64_t polls = 0, commits = 0, failed = 0;
	for (int m = 0; m < g->cap_members; m++) {
		polls += g->members[m].polls;
		commits += g->members[m].commits;
		failed += g->members[m].commits_failed;
	}
	summ_int(s, "records_processed", (int64_t)g->records_processed);
	summ_int(s, "delivery_duplicates", (int64_t)g->duplicates);
	summ_int(s, "skipped", skipped_of(g));
	static const char *const idem[] = { "none", "dedupe_in_batch", "processed_table" };
	summ_str(s, "idempotence", idem[g->cfg->idempotence]);
	summ_int(s, "duplicate_effects", (int64_t)g->dup_effects);
	summ_int(s, "duplicates_prevented", (int64_t)g->effects_prevented);
	summ_int(s, "in_batch_duplicates_dropped", (int64_t)g->in_batch_dropped);
	summ_int(s, "lag", group_lag(c, g));
	summ_int(s, "lag_max", g->lag_max);
	summ_double(s, "lag_max_at_s", (double)g->lag_max_ns / 1e9, 3);
	summ_int(s, "peak_records_per_s", (int64_t)g->rate_peak);
	summ_int(s, "members", g->n_in - g->n_ghosts);
	summ_int(s, "generation", g->generation);
	summ_int(s, "coordinator", g->coord);
	summ_str(s, "protocol", g->cooperative ? "cooperative" : "eager");
	summ_int(s, "polls", (int64_t)polls);
	summ_double(s, "records_per_poll", polls ? (double)g->records_processed / (double)polls : 0,
		    2);
	summ_int(s, "commits", (int64_t)commits);
	summ_int(s, "offset_commits_stored", (int64_t)g->commits_stored);
	summ_int(s, "commits_failed", (int64_t)failed);
	summ_int(s, "offset_resets", (int64_t)(g->resets_no_offset + g->resets_out_of_range));
	summ_int(s, "offset_out_of_range", (int64_t)g->resets_out_of_range);
	/* KIP-320: positions checked after a leader change, and logs found truncated under them */
	summ_int(s, "position_validations", (int64_t)g->validations);
	summ_int(s, "truncations_detected", (int64_t)g->truncations);
	summ_double(s, "crash_detection_ms", g->detect_ns_last >= 0 ?
				(double)g->detect_ns_last / 1e6 : -1, 3);
	summ_double(s, "crash_detection_ms_max", g->detect_ns_max >= 0 ?
				(double)g->detect_ns_max / 1e6 : -1, 3);
	summ_int(s, "joins", (int64_t)g->joins);
	summ_int(s, "leaves", (int64_t)g->leaves);
	summ_int(s, "expirations", (int64_t)g->expirations);
	summary_rebalances(g, s);
	summary_status(g, s, sim_now(c->sim));
	summary_members(c, g, s);
	summary_partitions(c, g, s);
}

void cons__summary(const struct cluster *c, struct summ *s)
{
	summ_obj(s, "groups");
	for (int g = 0; g < c->n_groups; g++) {
		summ_obj(s, c->groups[g].cfg->name);
		summary_group(c, &c->groups[g], s);
		summ_end(s);
	}
	summ_end(s);
}
