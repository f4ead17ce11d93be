/*
 * cluster.h - the Kafka model as the program sees it: build a cluster from a validated
 * scenario, advance simulated time, and read out metrics rows, snapshots and the summary.
 * A run is a pure function of (scenario, seed): no global state, so several clusters may
 * live in one process.
 */
#ifndef MODELS_CLUSTER_H
#define MODELS_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "sim.h"
#include "summ.h"
#include "trace.h"

struct cluster;

/* tr may be a sink with no file. The cluster keeps pointers to sc and tr. */
struct cluster *cluster_new(const struct scenario *sc, uint64_t seed, struct trace *tr);
void cluster_free(struct cluster *c);
/* The threads a run may use: 2 (the default when the machine has two CPUs or more) runs the
 * producers' kernel beside the cluster's when the cluster has paired them (cluster_paired);
 * 1 runs both on one. Never changes an outcome. */
void cluster_set_threads(struct cluster *c, int threads);
/* Are the producers on a kernel of their own (kafka.h, cluster.paired)? */
bool cluster_paired(const struct cluster *c);
/* Run every event up to and including time t. */
void cluster_run_until(struct cluster *c, sim_time_ns t);
sim_time_ns cluster_now(const struct cluster *c);
uint64_t cluster_events(const struct cluster *c);
/* End of run: close open windows and run the checker. Call once, after the last run. */
void cluster_finish(struct cluster *c);

/* metrics.csv: the header line, then one row per sample interval (interval counters reset). */
void cluster_metrics_header(const struct cluster *c, FILE *out);
void cluster_metrics_row(struct cluster *c, FILE *out);
/* snapshots.txt: kafka-topics.sh --describe and kafka-consumer-groups.sh --describe tables. */
void cluster_snapshot(struct cluster *c, FILE *out);
/* The body of summary.json (inside the outer object the caller opened). */
void cluster_summary(struct cluster *c, struct summ *s);

#endif
