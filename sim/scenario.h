/*
 * scenario.h - load a YAML scenario into struct scenario (models/config.h), validate all of
 * it before anything runs, and write the effective configuration back as JSON.
 *
 * Every mistake in a file is reported, one line each, sorted by position:
 *   FILE:LINE:COL: key.path: what is wrong; expected WHAT
 * with 1-based line and column and a key path such as topics[0].replication.factor or
 * producers[1].config.acks. Settings, their defaults and bounds come from the table in
 * sim/settings.c; this module adds the structure (lists, faults, expectations) and the
 * checks that span settings (replication factor against brokers, node names in faults,
 * Kafka's producer rules for idempotence and delivery.timeout.ms).
 *
 * Node encoding in struct ks_node: brokers and controllers by id (1-based, as in their
 * names), producers by index into scenario.producers (0-based), group members by the number
 * in their name (<group>-3 is index 3, 1-based) with .group the group index. NODE_ANY (index
 * -1) stands for "every other node" where a partition has no b side or a drop/delay no `to`.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

struct jsonw;

/* Load and validate a scenario file. Errors go to err, one line each. Returns the number of
 * errors: 0 and *out filled (release it with scenario_release), or > 0 and *out zeroed. */
int scenario_load(const char *path, struct scenario *out, FILE *err);
/* The same from text in memory; display_name stands for the file in messages. */
int scenario_load_string(const char *display_name, const char *yaml_text, struct scenario *out,
			 FILE *err);

/* Zero *sc and apply every default from the settings table (no topics, clients or faults). */
void scenario_defaults(struct scenario *sc);

/* The effective configuration as one JSON object value: every setting with defaults
 * applied, Kafka names as keys, Kafka *.ms settings in milliseconds, other durations as
 * unit strings ("60s"), distributions as {"dist":"lognormal","mu":..,"sigma":..,"unit":"ns"}. */
void scenario_write_config(const struct scenario *sc, struct jsonw *w);

/* A node's name: "broker-2", "controller-1", "checkout", "billing-3", "*" for NODE_ANY.
 * Returns buf. */
char *scenario_node_name(const struct scenario *sc, const struct ks_node *n, char *buf,
			 size_t len);

#endif
