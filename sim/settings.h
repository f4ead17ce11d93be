/*
 * settings.h - the one declarative table of every scenario setting (after Redis'
 * static_configs[]): where it sits in the YAML, its Kafka name, type, bounds, Kafka's
 * default, where it lands in models/config.h, and a line of documentation.
 *
 * The table is read by the loader (sim/scenario.c: parsing, defaults, validation messages,
 * the effective configuration written to the trace), by `kafkasim run --help`
 * (settings_print_help) and by the README reference (settings_print_markdown). A setting is
 * described once; nothing else lists names, defaults or bounds.
 */
#ifndef SIM_SETTINGS_H
#define SIM_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

/* Where a setting sits in the scenario file. Sections nest: LVL_BROKER is cluster.config. */
enum set_level {
	LVL_SCENARIO,        /* top level */
	LVL_CLUSTER,         /* cluster */
	LVL_NETWORK,         /* cluster.network */
	LVL_DISK,            /* cluster.disk */
	LVL_BROKER,          /* cluster.config: Kafka broker settings */
	LVL_TOPIC,           /* topics[] */
	LVL_TOPIC_CONFIG,    /* topics[].config: Kafka topic settings */
	LVL_PRODUCER,        /* producers[] */
	LVL_PRODUCER_CONFIG, /* producers[].config: Kafka producer settings */
	LVL_GROUP,           /* consumer_groups[] */
	LVL_PROCESSING,      /* consumer_groups[].processing */
	LVL_GROUP_CONFIG,    /* consumer_groups[].config: Kafka consumer settings */
	LVL__COUNT
};

enum set_type {
	SET_INT,        /* int */
	SET_LONG,       /* int64_t */
	SET_UINT64,     /* uint64_t */
	SET_BOOL,       /* bool */
	SET_TRIBOOL,    /* int: 0 or 1, `unset` (-1) when not given */
	SET_DOUBLE,     /* double */
	SET_MS,         /* sim_time_ns: an integer of milliseconds (as Kafka) or a duration */
	SET_S,          /* sim_time_ns: an integer of seconds (Kafka's *.seconds) or a duration */
	SET_DURATION,   /* sim_time_ns: a duration such as 30s */
	SET_BYTES,      /* int64_t: an integer of bytes or a size such as 16KiB */
	SET_BANDWIDTH,  /* int64_t bytes per second: 125MB/s; 0 = unlimited */
	SET_RATE,       /* double records per second: 2000/s */
	SET_ENUM,       /* an int-sized enum, by name (struct set_enum) */
	SET_STRATEGIES, /* enum ks_assignor[KS_MAX_STRATEGIES] at off, int count at off_count */
	SET_NAME,       /* char[KS_NAME_MAX], [A-Za-z0-9._-]+ */
	SET_TEXT,       /* char *, allocated */
	SET_DIST_NS,    /* struct dist of nanoseconds: <dist> or a bare duration */
	SET_DIST_BYTES, /* struct dist of bytes: <dist> or a bare size */
	SET_TOPIC,      /* int: index of the topic named */
	SET_KEYS,       /* producer keys: null | { count, dist: uniform|zipf, s } */
	SET_SECTION,    /* a nested mapping of level `child`, fields at base + off */
	SET_LIST,       /* a sequence of mappings of level `child` */
	SET_FAULTS,     /* the fault schedule */
	SET_SNAPSHOTS,  /* a list of durations */
	SET_EXPECTS,    /* the expectations */
};

enum set_flag {
	SF_REQUIRED = 1 << 0, /* the key must be given */
	SF_INF = 1 << 1,      /* SET_MS: -1 (and Long.MAX_VALUE) mean unlimited: SIM_TIME_MAX */
	SF_SIM = 1 << 2,      /* kafkasim's own setting inside a Kafka config section */
};

struct set_enum {
	const char *name; /* the first name of a value is the one written back */
	int value;
};

struct setting {
	enum set_level level;
	const char *name;     /* the YAML key: Kafka's name inside config sections */
	enum set_type type;
	unsigned flags;       /* enum set_flag */
	int64_t min, max;     /* integer kinds, in the stored unit (ns, bytes) */
	double dmin, dmax;    /* SET_DOUBLE, SET_RATE */
	const char *def;      /* default in YAML syntax; NULL: `unset` is stored */
	int64_t unset;        /* stored when def is NULL and the key is absent */
	const char *def_doc;  /* the default as documented when def is NULL */
	const struct set_enum *names; /* SET_ENUM */
	enum set_level child; /* SET_SECTION, SET_LIST */
	size_t off;           /* destination: offset from the level's base struct */
	size_t off_count;     /* SET_LIST, SET_STRATEGIES: int count */
	size_t elem_size;     /* SET_LIST: element struct size */
	size_t off_loc;       /* SET_LIST: struct ks_loc within the element */
	const char *doc;
};

/* Fault actions: each fault entry has `at`, one action key and some of `keys`. */
enum { FAULT_KEYS_MAX = 6 };
struct fault_action {
	const char *name;           /* the action key: crash, slow, partition, ... */
	enum ks_fault_kind kind;
	unsigned targets;           /* node kinds the action takes (1u << NODE_*); 0: not a node */
	const char *arg;            /* what the action key's value is, for messages and docs */
	const char *keys[FAULT_KEYS_MAX]; /* optional keys besides `at` and the action */
	const char *doc;
};

/* Keys a fault entry may carry besides its action, documented once. */
struct fault_key {
	const char *name;
	const char *type;
	const char *doc;
};

/* The whole table, in document order. */
const struct setting *settings_all(size_t *n);
/* The setting called name at level, or NULL. */
const struct setting *settings_find(enum set_level lvl, const char *name);
/* A Kafka config level other than lvl that has a setting called name, or NULL. */
const struct setting *settings_elsewhere(enum set_level lvl, const char *name);
/* The YAML path of a level: "producers[].config". */
const char *settings_level_path(enum set_level lvl);
/* The key names of a level (up to max), in table order; returns how many. */
size_t settings_level_keys(enum set_level lvl, const char **out, size_t max);

/* A near miss of key among cands (edit distance <= 2, or a shared prefix), or NULL. */
const char *settings_suggest(const char *key, const char *const *cands, size_t n);
/* Levenshtein distance with adjacent transpositions, capped at cap + 1. */
int settings_distance(const char *a, const char *b, int cap);

/* Enum names: 0 and *value set, or -1. Case-insensitive. */
int settings_enum_lookup(const struct set_enum *e, const char *name, int *value);
const char *settings_enum_name(const struct set_enum *e, int value);
/* "a, b or c" (the first name of each value). */
void settings_enum_list(const struct set_enum *e, char *buf, size_t n);

/* Assignors by short name (range, roundrobin, sticky, cooperative-sticky) or Java class. */
int settings_assignor_lookup(const char *name, enum ks_assignor *out);
const char *settings_assignor_name(enum ks_assignor a);

/* Kafka's unit of an integer time: SIM_MS for *.ms settings (SET_MS), SIM_S for *.seconds
 * ones (SET_S), 0 for any other setting. */
int64_t settings_time_unit(const struct setting *st);
/* What a value of this setting must be: "an integer from 1 to 1000". */
void settings_expected(const struct setting *st, char *buf, size_t n);
/* The documented default: "30000", "[range, cooperative-sticky]", "cluster value". */
const char *settings_default_doc(const struct setting *st);

/* Stored value of an integer-like setting (INT, LONG, UINT64, BOOL, TRIBOOL, MS, DURATION,
 * BYTES, BANDWIDTH, ENUM, TOPIC), and storing one. */
int64_t settings_get_int(const struct setting *st, const void *base);
void settings_put_int(const struct setting *st, void *base, int64_t v);

const struct fault_action *settings_fault_actions(size_t *n);
const struct fault_action *settings_fault_action(const char *name);
const struct fault_key *settings_fault_keys(size_t *n);
const struct fault_key *settings_fault_key(const char *name);

/* The settings listing for `kafkasim run --help`. */
void settings_print_help(FILE *f);
/* The scenario reference in markdown for the README. */
void settings_print_markdown(FILE *f);

#endif
