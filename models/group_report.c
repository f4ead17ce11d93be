/*
 * group_report.c - what consumer groups show: lag (the leader's high watermark minus the
 * committed offset, as ConsumerGroupCommand computes LAG) in metrics.csv, the
 * kafka-consumer-groups.sh --describe table in snapshots.txt, and the groups' figures in
 * summary.json.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "msgs.h"
#include "summ.h"

static const struct replica *leader_replica(const struct partition *p)
{
	for (int k = 0; k < p->rf; k++)
		if (p->replicas[k] == p->leader)
			return &p->rep[k];
	return NULL;
}

/* Lag of a group on a partition: the leader's high watermark minus the committed offset
 * (ConsumerGroupCommand's LAG; with nothing committed, from the log start). */
static int64_t lag_of(const struct cluster *c, const struct group *g, int idx)
{
	const struct partition *p = &c->parts[c->topics[g->topic].first_partition + idx];
	const struct replica *r = leader_replica(p);
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

void cons__metrics_header(const struct cluster *c, FILE *out, bool per_partition)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		if (!per_partition) {
			fprintf(out, ",lag_%s", gr->cfg->name);
			continue;
		}
		for (int i = 0; i < c->topics[gr->topic].max_partitions; i++)
			fprintf(out, ",lag_%s_%s-%d", gr->cfg->name, c->topics[gr->topic].cfg->name, i);
	}
}

void cons__metrics_row(const struct cluster *c, FILE *out, bool per_partition)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		if (!per_partition) {
			fprintf(out, ",%lld", (long long)group_lag(c, gr));
			continue;
		}
		for (int i = 0; i < c->topics[gr->topic].max_partitions; i++)
			fprintf(out, ",%lld", i < gr->n_parts ? (long long)lag_of(c, gr, i) : 0LL);
	}
}

void cons__snapshot(const struct cluster *c, FILE *out)
{
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		const struct topic *tp = &c->topics[gr->topic];
		fprintf(out, "\n$ kafka-consumer-groups.sh --describe --group %s\n", gr->cfg->name);
		fprintf(out, "%-20s %-20s %-9s %-14s %-14s %-8s %-24s %-10s %s\n", "GROUP", "TOPIC",
			"PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
			"CLIENT-ID");
		for (int i = 0; i < gr->n_parts; i++) {
			const struct partition *p = &c->parts[tp->first_partition + i];
			const struct replica *r = leader_replica(p);
			const char *owner = "-";
			for (int m = 0; m < gr->cap_members; m++)
				for (int k = 0; k < gr->members[m].n_assigned; k++)
					if (gr->members[m].active && gr->members[m].assigned[k] == i)
						owner = gr->members[m].name;
			char cur[32], end[32], lag[32];
			snprintf(cur, sizeof(cur), "%lld", (long long)gr->committed[i]);
			snprintf(end, sizeof(end), "%lld", r ? (long long)r->hw : -1LL);
			snprintf(lag, sizeof(lag), "%lld", (long long)lag_of(c, gr, i));
			fprintf(out, "%-20s %-20s %-9d %-14s %-14s %-8s %-24s %-10s %s\n", gr->cfg->name,
				tp->cfg->name, i, gr->committed[i] < 0 ? "-" : cur, r ? end : "-",
				gr->committed[i] < 0 ? "-" : lag, owner, strcmp(owner, "-") ? "/127.0.0.1" : "-",
				owner);
		}
	}
}

void cons__checker_summary(const struct cluster *c, struct summ *s)
{
	int64_t dup = 0;
	for (int g = 0; g < c->n_groups; g++)
		dup += (int64_t)c->groups[g].duplicates;
	summ_int(s, "delivery_duplicates", dup);
}

void cons__summary(const struct cluster *c, struct summ *s)
{
	summ_obj(s, "groups");
	for (int g = 0; g < c->n_groups; g++) {
		const struct group *gr = &c->groups[g];
		summ_obj(s, gr->cfg->name);
		summ_int(s, "records_processed", (int64_t)gr->records_processed);
		summ_int(s, "delivery_duplicates", (int64_t)gr->duplicates);
		summ_int(s, "lag", group_lag(c, gr));
		int active = 0;
		for (int m = 0; m < gr->cap_members; m++)
			active += gr->members[m].active;
		summ_int(s, "members", active);
		summ_obj(s, "per_member");
		for (int m = 0; m < gr->cap_members; m++) {
			const struct member *mb = &gr->members[m];
			if (m >= gr->cfg->members && !mb->processed && !mb->active)
				continue;
			summ_obj(s, mb->name);
			summ_int(s, "records_processed", (int64_t)mb->processed);
			summ_int(s, "partitions", mb->active ? mb->n_assigned : 0);
			summ_end(s);
		}
		summ_end(s);
		summ_obj(s, "per_partition");
		for (int i = 0; i < gr->n_parts; i++) {
			char name[KS_NAME_MAX + 16];
			snprintf(name, sizeof(name), "%s-%d", c->topics[gr->topic].cfg->name, i);
			summ_obj(s, name);
			summ_int(s, "records_processed", gr->records_per_part[i]);
			summ_int(s, "committed", gr->committed[i]);
			summ_int(s, "lag", lag_of(c, gr, i));
			summ_end(s);
		}
		summ_end(s);
		summ_end(s);
	}
	summ_end(s);
}

