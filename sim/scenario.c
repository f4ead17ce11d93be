/*
 * scenario.c - YAML scenario -> struct scenario, through the settings table.
 *
 * The file is parsed with libyaml's document API (every node keeps its start mark, so every
 * message has a line and column). Loading never stops at the first mistake: each one is
 * collected with its position, and all are printed at the end, sorted by position. Defaults
 * are applied first, from the table's default texts through the same code that reads the
 * file, then the file's values on top, then checks that span several settings. Top-level
 * keys are processed in table order (cluster before topics before clients before faults),
 * whatever their order in the file, so references always resolve against what they name.
 *
 * Kafka rules mirrored: ProducerConfig.postProcessAndValidateIdempotenceConfigs (explicit
 * enable.idempotence with acks != all, retries 0 or more than 5 in flight is an error;
 * the default is silently dropped instead), KafkaProducer.configureDeliveryTimeout
 * (delivery.timeout.ms >= linger.ms + request.timeout.ms), the consumer's Heartbeat check
 * (heartbeat.interval.ms < session.timeout.ms), and the group coordinator's JoinGroup check
 * (INVALID_SESSION_TIMEOUT unless group.min.session.timeout.ms <= session.timeout.ms <=
 * group.max.session.timeout.ms): a member that could never join is a scenario error.
 */
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "dist.h"
#include "jsonw.h"
#include "settings.h"
#include "units.h"

#define PATH_LEN 512
#define EXPECT_LEN 512

struct diag {
	int line, col;
	size_t seq;
	char *text; /* "key.path: what is wrong; expected WHAT" */
};

/* A join fault, for naming the members it adds: the k-th join of a group (by time, then
 * file order) adds member M + k. */
struct join {
	sim_time_ns at;
	int group, item;
};

struct ld {
	const char *file;
	yaml_document_t *doc;
	struct scenario *sc;
	struct diag *diags;
	size_t n_diags, cap_diags;
	const char *in_default; /* the setting whose default is being applied: errors are bugs */
	struct join *joins;
	int n_joins;
};

/* ---- diagnostics ---- */

static void add_diag(struct ld *ld, int line, int col, const char *text)
{
	if (ld->n_diags == ld->cap_diags) {
		size_t cap = ld->cap_diags ? 2 * ld->cap_diags : 16;
		struct diag *d = realloc(ld->diags, cap * sizeof *d);
		if (!d)
			abort();
		ld->diags = d;
		ld->cap_diags = cap;
	}
	ld->diags[ld->n_diags] = (struct diag){ line, col, ld->n_diags, strdup(text) };
	if (!ld->diags[ld->n_diags].text)
		abort();
	ld->n_diags++;
}

/* Report at node n (NULL: line 1, column 1) under key path `path`. */
static void lerr(struct ld *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void lerr(struct ld *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char msg[1024], text[PATH_LEN + 1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ld->in_default) {
		fprintf(stderr, "kafkasim: BUG: the default of %s is invalid: %s\n", ld->in_default,
			msg);
		abort();
	}
	snprintf(text, sizeof text, "%s: %s", *path ? path : "(top level)", msg);
	add_diag(ld, n ? (int)n->start_mark.line + 1 : 1, n ? (int)n->start_mark.column + 1 : 1,
		 text);
}

static int diag_cmp(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Print every diagnostic sorted by position, free them, return how many there were. */
static int flush_diags(struct ld *ld, FILE *err)
{
	int n = (int)ld->n_diags;

	if (ld->n_diags)
		qsort(ld->diags, ld->n_diags, sizeof *ld->diags, diag_cmp);
	for (size_t i = 0; i < ld->n_diags; i++) {
		if (err)
			fprintf(err, "%s:%d:%d: %s\n", ld->file, ld->diags[i].line,
				ld->diags[i].col, ld->diags[i].text);
		free(ld->diags[i].text);
	}
	free(ld->diags);
	ld->diags = NULL;
	ld->n_diags = ld->cap_diags = 0;
	return n;
}

/* ---- YAML nodes ---- */

static yaml_node_t *node(struct ld *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static bool is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

static bool is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

#define FOR_PAIRS(m, p)                                                            \
	for (yaml_node_pair_t *p = (m)->data.mapping.pairs.start;                  \
	     p < (m)->data.mapping.pairs.top; p++)
#define FOR_ITEMS(s, it)                                                           \
	for (yaml_node_item_t *it = (s)->data.sequence.items.start;                \
	     it < (s)->data.sequence.items.top; it++)

static int seq_len(const yaml_node_t *s)
{
	return (int)(s->data.sequence.items.top - s->data.sequence.items.start);
}

/* The value of key in mapping m (the first, if repeated), or NULL. */
static yaml_node_t *map_get(struct ld *ld, const yaml_node_t *m, const char *key)
{
	if (!is_map(m))
		return NULL;
	FOR_PAIRS(m, p) {
		const char *k = scalar(node(ld, p->key));
		if (k && strcmp(k, key) == 0)
			return node(ld, p->value);
	}
	return NULL;
}

/* Like map_get, but a null value counts as absent. */
static yaml_node_t *map_given(struct ld *ld, const yaml_node_t *m, const char *key)
{
	yaml_node_t *v = map_get(ld, m, key);
	return v && !is_null(v) ? v : NULL;
}

/* Key paths: parent.key and parent[i]; a path longer than PATH_LEN is cut short. */
static void path_key(char *buf, const char *parent, const char *key)
{
	char tmp[PATH_LEN];

	if (snprintf(tmp, sizeof tmp, "%s%s%s", parent, *parent ? "." : "", key) < 0)
		tmp[0] = '\0';
	memcpy(buf, tmp, sizeof tmp);
}

static void path_idx(char *buf, const char *parent, int i)
{
	char tmp[PATH_LEN];

	if (snprintf(tmp, sizeof tmp, "%s[%d]", parent, i) < 0)
		tmp[0] = '\0';
	memcpy(buf, tmp, sizeof tmp);
}

static struct ks_loc loc_of(const yaml_node_t *n)
{
	struct ks_loc l = { (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
	return l;
}

/* ---- keys: duplicates, unknown keys, suggestions ---- */

/* "a, b or c" of names into buf. */
static void join_names(const char *const *names, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, names[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

static void unknown_key(struct ld *ld, const yaml_node_t *k, const char *path,
			const char *const *names, size_t n, int lvl, const char *ctx)
{
	const char *key = scalar(k), *near = settings_suggest(key, names, n);
	const struct setting *other = lvl >= 0 ? settings_elsewhere((enum set_level)lvl, key)
					       : NULL;
	const char *here = settings_level_path((enum set_level)lvl);
	char list[EXPECT_LEN];

	join_names(names, n, list, sizeof list);
	if (ctx && (settings_fault_key(key) || settings_fault_action(key)))
		lerr(ld, k, path, "does not apply to %s; expected one of %s", ctx, list);
	else if (other)
		lerr(ld, k, path, "unknown key: %s is a %s setting, not a %s one; expected one "
				  "of the %s settings%s%s%s", key,
		     settings_level_path(other->level), here, here,
		     near ? ", did you mean '" : "", near ? near : "", near ? "'?" : "");
	else if (near)
		lerr(ld, k, path, "unknown key; did you mean '%s'?", near);
	else if (n <= 14)
		lerr(ld, k, path, "unknown key; expected one of %s", list);
	else
		lerr(ld, k, path, "unknown key; expected one of the %s settings that "
				  "`kafkasim run --help` lists", here);
}

/* Reports non-scalar, duplicate and unknown keys of mapping m under path. lvl is the
 * settings level (-1 if none), ctx names a fault kind for "does not apply to". */
static void check_keys(struct ld *ld, const yaml_node_t *m, const char *path,
		       const char *const *names, size_t n, int lvl, const char *ctx)
{
	char kpath[PATH_LEN];

	FOR_PAIRS(m, p) {
		yaml_node_t *k = node(ld, p->key);
		const char *key = scalar(k);
		bool known = false;
		if (!key) {
			lerr(ld, k, path, "found %s as a key; expected a plain key", kind_name(k));
			continue;
		}
		path_key(kpath, path, key);
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node(ld, q->key);
			if (scalar(k2) && strcmp(scalar(k2), key) == 0) {
				lerr(ld, k, kpath, "duplicate key (first at %d:%d); expected each "
						   "key once", (int)k2->start_mark.line + 1,
				     (int)k2->start_mark.column + 1);
				known = true;
				break;
			}
		}
		for (size_t i = 0; i < n && !known; i++)
			known = strcmp(names[i], key) == 0;
		if (!known)
			unknown_key(ld, k, kpath, names, n, lvl, ctx);
	}
}

/* ---- scalar readers: each reports its own error and returns false ---- */

static const char *want_scalar(struct ld *ld, const yaml_node_t *n, const char *path,
			       const char *expected)
{
	if (n->type == YAML_SCALAR_NODE)
		return (const char *)n->data.scalar.value;
	lerr(ld, n, path, "found %s; expected %s", kind_name(n), expected);
	return NULL;
}

/* [+-]digits into *out: 0, -1 not an integer, -2 overflow. */
static int parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v = 0, lim;

	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (lim - (uint64_t)(*s - '0')) / 10)
			return -2;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static bool check_range(struct ld *ld, const yaml_node_t *n, const char *path, const char *s,
			int64_t v, int64_t lo, int64_t hi, const char *expected)
{
	if (v < lo) {
		lerr(ld, n, path, "%s is below the minimum; expected %s", s, expected);
		return false;
	}
	if (v > hi) {
		lerr(ld, n, path, "%s is above the maximum; expected %s", s, expected);
		return false;
	}
	return true;
}

static bool read_int(struct ld *ld, const yaml_node_t *n, const char *path, int64_t lo,
		     int64_t hi, const char *expected, int64_t *out)
{
	const char *s = want_scalar(ld, n, path, expected);
	int64_t v;
	int rc;

	if (!s)
		return false;
	if ((rc = parse_i64(s, &v)) < 0) {
		lerr(ld, n, path, "'%s' is %s; expected %s", s,
		     rc == -2 ? "too large" : "not an integer", expected);
		return false;
	}
	if (!check_range(ld, n, path, s, v, lo, hi, expected))
		return false;
	*out = v;
	return true;
}

static bool read_u64(struct ld *ld, const yaml_node_t *n, const char *path,
		     const char *expected, uint64_t *out)
{
	const char *s = want_scalar(ld, n, path, expected);
	uint64_t v = 0;

	if (!s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			lerr(ld, n, path, "'%s' is not an unsigned 64-bit integer; expected %s", s,
			     expected);
			return false;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!*s) {
		lerr(ld, n, path, "the value is empty; expected %s", expected);
		return false;
	}
	*out = v;
	return true;
}

static bool read_bool(struct ld *ld, const yaml_node_t *n, const char *path, bool *out)
{
	const char *s = want_scalar(ld, n, path, "true or false");

	if (!s)
		return false;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
		*out = strcasecmp(s, "true") == 0;
		return true;
	}
	lerr(ld, n, path, "'%s' is not a boolean; expected true or false", s);
	return false;
}

static bool read_double(struct ld *ld, const yaml_node_t *n, const char *path, double lo,
			double hi, bool lo_open, const char *expected, double *out)
{
	const char *s = want_scalar(ld, n, path, expected);
	char *end;
	double v;

	if (!s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(v)) {
		lerr(ld, n, path, "'%s' is not a number; expected %s", s, expected);
		return false;
	}
	if (v < lo || (lo_open && v == lo) || v > hi) {
		lerr(ld, n, path, "%s is out of range; expected %s", s, expected);
		return false;
	}
	*out = v;
	return true;
}

enum unit_kind { U_DURATION, U_MS, U_SIZE, U_BANDWIDTH, U_S };

/* A duration, Kafka milliseconds (SF_INF: -1 = SIM_TIME_MAX), a size or a bandwidth. */
static bool read_unit(struct ld *ld, const yaml_node_t *n, const char *path,
		      enum unit_kind kind, unsigned flags, int64_t lo, int64_t hi,
		      const char *expected, int64_t *out)
{
	static const char *const what[] = { "a duration", "a duration", "a size", "a bandwidth",
					    "a duration" };
	const int64_t unit = kind == U_S ? SIM_S : SIM_MS; /* of an integer time */
	const char *s = want_scalar(ld, n, path, expected);
	int64_t v = 0;
	int rc, irc;

	if (!s)
		return false;
	irc = kind == U_MS || kind == U_S || kind == U_SIZE ? parse_i64(s, &v) : -1;
	if (irc != -1) { /* an integer: milliseconds, seconds or bytes */
		rc = 0;
		if (irc == -2 && (kind == U_SIZE || *s == '-'))
			rc = UNITS_ERANGE;
		else if (kind == U_SIZE)
			rc = 0;
		else if (irc == -2 || v > INT64_MAX / unit || (v == -1 && (flags & SF_INF)))
			v = SIM_TIME_MAX; /* -1, Long.MAX_VALUE and the like: never */
		else if (v < INT64_MIN / unit)
			v = INT64_MIN;
		else
			v *= unit;
	} else if (kind == U_SIZE) {
		rc = units_parse_size(s, &v);
	} else if (kind == U_BANDWIDTH) {
		rc = units_parse_bandwidth(s, &v);
	} else {
		rc = units_parse_duration(s, &v);
	}
	if (rc < 0) {
		lerr(ld, n, path, "'%s' is not %s: %s; expected %s", s, what[kind],
		     units_strerror(rc), expected);
		return false;
	}
	if (!check_range(ld, n, path, s, v, lo, hi, expected))
		return false;
	*out = v;
	return true;
}

static bool read_rate(struct ld *ld, const yaml_node_t *n, const char *path, double lo,
		      double hi, const char *expected, double *out)
{
	const char *s = want_scalar(ld, n, path, expected);
	double v;
	int rc;

	if (!s)
		return false;
	if ((rc = units_parse_rate(s, &v)) < 0) {
		lerr(ld, n, path, "'%s' is not a rate: %s; expected %s", s, units_strerror(rc),
		     expected);
		return false;
	}
	if (v < lo || v > hi) {
		lerr(ld, n, path, "%s is out of range; expected %s", s, expected);
		return false;
	}
	*out = v;
	return true;
}

static bool read_duration(struct ld *ld, const yaml_node_t *n, const char *path, int64_t lo,
			  const char *expected, sim_time_ns *out)
{
	return read_unit(ld, n, path, U_DURATION, 0, lo, SIM_TIME_MAX, expected, out);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static bool read_name(struct ld *ld, const yaml_node_t *n, const char *path,
		      const char *expected, char out[KS_NAME_MAX])
{
	const char *s = want_scalar(ld, n, path, expected);

	if (!s)
		return false;
	if (!valid_name(s)) {
		lerr(ld, n, path, "'%s' is not a valid name; expected %s", s, expected);
		return false;
	}
	if (strlen(s) >= KS_NAME_MAX) {
		lerr(ld, n, path, "'%s' is longer than %d characters; expected %s", s,
		     KS_NAME_MAX - 1, expected);
		return false;
	}
	snprintf(out, KS_NAME_MAX, "%s", s);
	return true;
}

static bool read_enum(struct ld *ld, const yaml_node_t *n, const char *path,
		      const struct set_enum *names, const char *expected, int *out)
{
	const char *s = want_scalar(ld, n, path, expected);

	if (!s)
		return false;
	if (settings_enum_lookup(names, s, out) < 0) {
		lerr(ld, n, path, "'%s' is not a valid choice; expected %s", s, expected);
		return false;
	}
	return true;
}

/* The index of the name n among names (a topic, a group), or -1 after an error. */
static int find_named(struct ld *ld, const yaml_node_t *n, const char *path, const char *what,
		      const char *const *names, int count)
{
	const char *s, *near, **named = calloc((size_t)count + 1, sizeof *named);
	char list[EXPECT_LEN], exp[96];
	size_t k = 0;

	if (!named)
		abort();
	snprintf(exp, sizeof exp, "the name of a %s", what);
	if (!(s = want_scalar(ld, n, path, exp)))
		return free(named), -1;
	for (int i = 0; i < count; i++) {
		if (strcmp(names[i], s) == 0)
			return free(named), i;
		if (names[i][0]) /* not one that failed to load */
			named[k++] = names[i];
	}
	join_names(named, k, list, sizeof list);
	near = settings_suggest(s, named, k);
	free(named);
	if (near)
		lerr(ld, n, path, "unknown %s '%s'; did you mean '%s'?", what, s, near);
	else if (k)
		lerr(ld, n, path, "unknown %s '%s'; expected one of %s", what, s, list);
	else
		lerr(ld, n, path, "unknown %s '%s'; expected the name of a %s defined in the "
		     "scenario", what, s, what);
	return -1;
}

static int read_topic(struct ld *ld, const yaml_node_t *n, const char *path)
{
	const struct scenario *sc = ld->sc;
	const char **names = calloc((size_t)sc->n_topics + 1, sizeof *names);
	int r;

	if (!names)
		abort();
	for (int i = 0; i < sc->n_topics; i++)
		names[i] = sc->topics[i].name;
	r = find_named(ld, n, path, "topic", names, sc->n_topics);
	free(names);
	return r;
}

static int read_group(struct ld *ld, const yaml_node_t *n, const char *path)
{
	const struct scenario *sc = ld->sc;
	const char **names = calloc((size_t)sc->n_groups + 1, sizeof *names);
	int r;

	if (!names)
		abort();
	for (int i = 0; i < sc->n_groups; i++)
		names[i] = sc->groups[i].name;
	r = find_named(ld, n, path, "consumer group", names, sc->n_groups);
	free(names);
	return r;
}

/* ---- distributions ---- */

static const struct dist_form {
	enum dist_kind kind;
	const char *params[4];
} dist_forms[] = {
	{ DIST_CONSTANT, { "value" } },
	{ DIST_UNIFORM, { "min", "max" } },
	{ DIST_EXPONENTIAL, { "mean" } },
	{ DIST_NORMAL, { "mean", "stddev" } },
	{ DIST_LOGNORMAL, { "mu", "sigma", "median", "p99" } },
	{ DIST_GAMMA, { "shape", "scale", "mean" } },
	{ DIST_PARETO, { "shape", "scale" } },
};

#define N_FORMS (sizeof dist_forms / sizeof dist_forms[0])

/* mu, sigma and shape are plain numbers; the other parameters are durations or sizes. */
static bool plain_param(const char *name)
{
	return !strcmp(name, "mu") || !strcmp(name, "sigma") || !strcmp(name, "shape");
}

/* Parameter `name` of dist mapping m: 1 read, 0 absent (reported if required), -1 bad. */
static int dist_param(struct ld *ld, const yaml_node_t *m, const char *path, const char *name,
		      bool bytes, bool required, double *out)
{
	yaml_node_t *v = map_given(ld, m, name);
	const char *exp = plain_param(name) ? "a number"
			  : bytes ? "a size such as 100B or 4KiB" : "a duration such as 2ms";
	char p[PATH_LEN];
	int64_t x;

	path_key(p, path, name);
	if (!v) {
		if (required)
			lerr(ld, m, p, "missing required key; expected %s", exp);
		return required ? -1 : 0;
	}
	if (plain_param(name))
		return read_double(ld, v, p, -1e300, 1e300, false, exp, out) ? 1 : -1;
	if (!read_unit(ld, v, p, bytes ? U_SIZE : U_DURATION, 0, 0, INT64_MAX, exp, &x))
		return -1;
	*out = (double)x;
	return 1;
}

/* A positive parameter, else an error. */
static bool positive(struct ld *ld, const yaml_node_t *m, const char *path, const char *name,
		     double v)
{
	char p[PATH_LEN];

	if (v > 0)
		return true;
	path_key(p, path, name);
	lerr(ld, map_get(ld, m, name), p, "%s is not positive; expected a value above 0",
	     scalar(map_get(ld, m, name)));
	return false;
}

static bool dist_lognormal(struct ld *ld, const yaml_node_t *m, const char *path, bool bytes,
			   struct dist *out)
{
	bool by_mu = map_given(ld, m, "mu") || map_given(ld, m, "sigma");
	bool by_median = map_given(ld, m, "median") || map_given(ld, m, "p99");
	double a = 0, b = 0;
	char p[PATH_LEN];

	if (by_mu && by_median) {
		lerr(ld, m, path, "both mu/sigma and median/p99 are given; expected one pair");
		return false;
	}
	if (by_mu) {
		if ((dist_param(ld, m, path, "mu", bytes, true, &a) |
		     dist_param(ld, m, path, "sigma", bytes, true, &b)) < 0 ||
		    !positive(ld, m, path, "sigma", b))
			return false;
		*out = (struct dist){ DIST_LOGNORMAL, a, b };
		return true;
	}
	if ((dist_param(ld, m, path, "median", bytes, true, &a) |
	     dist_param(ld, m, path, "p99", bytes, true, &b)) < 0 ||
	    !positive(ld, m, path, "median", a))
		return false;
	if (dist_lognormal_median_p99(a, b, out) < 0) {
		path_key(p, path, "p99");
		lerr(ld, map_get(ld, m, "p99"), p, "p99 %s is not above the median %s; expected "
		     "p99 > median", scalar(map_get(ld, m, "p99")),
		     scalar(map_get(ld, m, "median")));
		return false;
	}
	return true;
}

static bool dist_gamma(struct ld *ld, const yaml_node_t *m, const char *path, bool bytes,
		       struct dist *out)
{
	double k = 0, scale = 0, mean = 0;
	int rs, rm;

	if (dist_param(ld, m, path, "shape", bytes, true, &k) < 0 ||
	    !positive(ld, m, path, "shape", k))
		return false;
	rs = dist_param(ld, m, path, "scale", bytes, false, &scale);
	rm = dist_param(ld, m, path, "mean", bytes, false, &mean);
	if (rs < 0 || rm < 0)
		return false;
	if (rs + rm != 1) {
		lerr(ld, m, path, "%s; expected exactly one of scale and mean",
		     rs ? "both scale and mean are given" : "scale is missing");
		return false;
	}
	if (!positive(ld, m, path, rs ? "scale" : "mean", rs ? scale : mean))
		return false;
	*out = (struct dist){ DIST_GAMMA, k, rs ? scale : mean / k };
	return true;
}

/* The distribution of mapping m (its kind already checked). */
static bool dist_build(struct ld *ld, const yaml_node_t *m, const char *path,
		       enum dist_kind kind, bool bytes, struct dist *out)
{
	double a = 0, b = 0;
	char p[PATH_LEN];

	switch (kind) {
	case DIST_CONSTANT:
		if (dist_param(ld, m, path, "value", bytes, true, &a) < 0)
			return false;
		*out = dist_constant(a);
		return true;
	case DIST_UNIFORM:
		if ((dist_param(ld, m, path, "min", bytes, true, &a) |
		     dist_param(ld, m, path, "max", bytes, true, &b)) < 0)
			return false;
		if (b < a) {
			path_key(p, path, "max");
			lerr(ld, map_get(ld, m, "max"), p, "max %s is below min %s; expected "
			     "max >= min", scalar(map_get(ld, m, "max")),
			     scalar(map_get(ld, m, "min")));
			return false;
		}
		break;
	case DIST_EXPONENTIAL:
		if (dist_param(ld, m, path, "mean", bytes, true, &a) < 0 ||
		    !positive(ld, m, path, "mean", a))
			return false;
		break;
	case DIST_NORMAL:
		if ((dist_param(ld, m, path, "mean", bytes, true, &a) |
		     dist_param(ld, m, path, "stddev", bytes, true, &b)) < 0)
			return false;
		break;
	case DIST_LOGNORMAL:
		return dist_lognormal(ld, m, path, bytes, out);
	case DIST_GAMMA:
		return dist_gamma(ld, m, path, bytes, out);
	case DIST_PARETO:
		if ((dist_param(ld, m, path, "shape", bytes, true, &a) |
		     dist_param(ld, m, path, "scale", bytes, true, &b)) < 0 ||
		    !positive(ld, m, path, "shape", a) || !positive(ld, m, path, "scale", b))
			return false;
		break;
	}
	*out = (struct dist){ kind, a, b };
	return true;
}

static bool parse_dist(struct ld *ld, const yaml_node_t *v, const char *path, bool bytes,
		       const char *expected, struct dist *out)
{
	const char *names[N_FORMS], *keys[5] = { "dist" };
	char list[EXPECT_LEN], p[PATH_LEN];
	const struct dist_form *form = NULL;
	yaml_node_t *k;
	size_t nk = 1;
	int64_t x;

	if (v->type == YAML_SCALAR_NODE) {
		if (!read_unit(ld, v, path, bytes ? U_SIZE : U_DURATION, 0, 0, INT64_MAX,
			       expected, &x))
			return false;
		*out = dist_constant((double)x);
		return true;
	}
	if (!is_map(v))
		return lerr(ld, v, path, "found %s; expected %s", kind_name(v), expected), false;
	for (size_t i = 0; i < N_FORMS; i++)
		names[i] = dist_kind_name(dist_forms[i].kind);
	join_names(names, N_FORMS, list, sizeof list);
	path_key(p, path, "dist");
	if (!(k = map_given(ld, v, "dist")))
		return lerr(ld, v, p, "missing required key; expected one of %s", list), false;
	for (size_t i = 0; i < N_FORMS && scalar(k); i++)
		if (strcmp(scalar(k), names[i]) == 0)
			form = &dist_forms[i];
	if (!form) {
		lerr(ld, k, p, "'%s' is not a distribution; expected one of %s",
		     scalar(k) ? scalar(k) : kind_name(k), list);
		return false;
	}
	for (int i = 0; i < 4 && form->params[i]; i++)
		keys[nk++] = form->params[i];
	check_keys(ld, v, path, keys, nk, -1, NULL);
	return dist_build(ld, v, path, form->kind, bytes, out);
}

/* ---- producer keys and assignors ---- */

static void apply_keys(struct ld *ld, const yaml_node_t *v, struct producer_cfg *pr,
		       const char *path)
{
	static const char *const names[] = { "count", "dist", "s" };
	static const struct set_enum kinds[] = {
		{ "uniform", KEYS_UNIFORM }, { "zipf", KEYS_ZIPF }, { NULL, 0 },
	};
	const char *exp = "null, { count: N } or { count: N, dist: zipf, s: 1.1 }";
	yaml_node_t *n;
	char p[PATH_LEN];
	int64_t count = 0;
	int kind = KEYS_UNIFORM;
	double s = 1.0;
	bool ok = true;

	if (!is_map(v)) {
		lerr(ld, v, path, "found %s; expected %s", kind_name(v), exp);
		return;
	}
	check_keys(ld, v, path, names, 3, -1, NULL);
	path_key(p, path, "count");
	if (!(n = map_given(ld, v, "count")))
		ok = (lerr(ld, v, p, "missing required key; expected a key count from 1 to "
				     "4294967295"), false);
	else
		ok = read_int(ld, n, p, 1, UINT32_MAX, "a key count from 1 to 4294967295", &count);
	path_key(p, path, "dist");
	if ((n = map_given(ld, v, "dist")))
		ok &= read_enum(ld, n, p, kinds, "uniform or zipf", &kind);
	path_key(p, path, "s");
	if ((n = map_given(ld, v, "s"))) {
		if (kind != KEYS_ZIPF)
			ok = (lerr(ld, n, p, "applies only to dist: zipf; expected no s for "
					     "uniform keys"), false);
		else
			ok &= read_double(ld, n, p, 0, 100, true, "a Zipf exponent above 0", &s);
	}
	if (!ok)
		return;
	pr->keys = (enum ks_keydist)kind;
	pr->key_count = (uint32_t)count;
	pr->key_zipf_s = s;
}

static bool add_strategy(struct ld *ld, const yaml_node_t *n, const char *path,
			 const char *name, enum ks_assignor *list, int *count, const char *exp)
{
	enum ks_assignor a;

	if (settings_assignor_lookup(name, &a) < 0)
		return lerr(ld, n, path, "'%s' is not an assignor; expected %s", name, exp), false;
	for (int i = 0; i < *count; i++)
		if (list[i] == a)
			return lerr(ld, n, path, "%s is listed twice; expected each assignor once",
				    settings_assignor_name(a)), false;
	if (*count == KS_MAX_STRATEGIES)
		return lerr(ld, n, path, "more than %d assignors; expected at most %d",
			    KS_MAX_STRATEGIES, KS_MAX_STRATEGIES), false;
	list[(*count)++] = a;
	return true;
}

/* A comma-separated string (Kafka's properties form) or a YAML list of assignors. */
static void apply_strategies(struct ld *ld, const struct setting *st, const yaml_node_t *v,
			     void *base, const char *path)
{
	enum ks_assignor list[KS_MAX_STRATEGIES];
	char exp[EXPECT_LEN], buf[1024], *save = NULL;
	int n = 0;
	bool ok = true;

	settings_expected(st, exp, sizeof exp);
	if (scalar(v)) {
		snprintf(buf, sizeof buf, "%s", scalar(v));
		for (char *t = strtok_r(buf, ", ", &save); t && ok; t = strtok_r(NULL, ", ", &save))
			ok = add_strategy(ld, v, path, t, list, &n, exp);
	} else if (is_seq(v)) {
		FOR_ITEMS(v, it) {
			yaml_node_t *item = node(ld, *it);
			const char *s = want_scalar(ld, item, path, exp);
			ok = s && add_strategy(ld, item, path, s, list, &n, exp) && ok;
		}
	} else {
		lerr(ld, v, path, "found %s; expected %s", kind_name(v), exp);
		return;
	}
	if (ok && n == 0)
		ok = (lerr(ld, v, path, "the list is empty; expected %s", exp), false);
	if (!ok)
		return;
	memcpy((char *)base + st->off, list, (size_t)n * sizeof list[0]);
	memcpy((char *)base + st->off_count, &n, sizeof n);
}

/* ---- applying the settings table ---- */

static void apply_map(struct ld *ld, const yaml_node_t *m, enum set_level lvl, void *base,
		      const char *path);
static void apply_list(struct ld *ld, const struct setting *st, const yaml_node_t *v,
		       void *base, const char *path);
static void parse_faults(struct ld *ld, const yaml_node_t *v, const char *path);
static void parse_snapshots(struct ld *ld, const yaml_node_t *v, const char *path);
static void parse_expects(struct ld *ld, const yaml_node_t *v, const char *path);

static enum unit_kind unit_kind_of(enum set_type t)
{
	return t == SET_MS ? U_MS : t == SET_S ? U_S : t == SET_DURATION ? U_DURATION
		: t == SET_BYTES ? U_SIZE : U_BANDWIDTH;
}

/* Scalar-valued settings. */
static void apply_scalar(struct ld *ld, const struct setting *st, const yaml_node_t *v,
			 void *base, const char *path, const char *exp)
{
	char *dst = (char *)base + st->off;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	int e;

	switch (st->type) {
	case SET_INT: case SET_LONG:
		if (read_int(ld, v, path, st->min, st->max, exp, &i))
			settings_put_int(st, base, i);
		break;
	case SET_UINT64:
		if (read_u64(ld, v, path, exp, &u))
			memcpy(dst, &u, sizeof u);
		break;
	case SET_BOOL: case SET_TRIBOOL:
		if (read_bool(ld, v, path, &b))
			settings_put_int(st, base, b);
		break;
	case SET_MS: case SET_S: case SET_DURATION: case SET_BYTES: case SET_BANDWIDTH:
		if (read_unit(ld, v, path, unit_kind_of(st->type), st->flags, st->min, st->max,
			      exp, &i))
			settings_put_int(st, base, i);
		break;
	case SET_DOUBLE:
		if (read_double(ld, v, path, st->dmin, st->dmax, false, exp, &d))
			memcpy(dst, &d, sizeof d);
		break;
	case SET_RATE:
		if (read_rate(ld, v, path, st->dmin, st->dmax, exp, &d))
			memcpy(dst, &d, sizeof d);
		break;
	case SET_ENUM:
		if (read_enum(ld, v, path, st->names, exp, &e))
			settings_put_int(st, base, e);
		break;
	case SET_NAME:
		read_name(ld, v, path, exp, dst);
		break;
	case SET_TOPIC:
		settings_put_int(st, base, read_topic(ld, v, path));
		break;
	default:
		break;
	}
}

static void apply_setting(struct ld *ld, const struct setting *st, const yaml_node_t *v,
			  void *base, const char *path)
{
	char exp[EXPECT_LEN];
	struct dist d;

	settings_expected(st, exp, sizeof exp);
	if (is_null(v)) { /* null: keep the default */
		if (st->flags & SF_REQUIRED)
			lerr(ld, v, path, "the value is empty; expected %s", exp);
		return;
	}
	switch (st->type) {
	case SET_STRATEGIES:
		apply_strategies(ld, st, v, base, path);
		break;
	case SET_TEXT: {
		char **dst = (char **)(void *)((char *)base + st->off);
		const char *s = want_scalar(ld, v, path, exp);
		if (s) {
			free(*dst);
			*dst = strdup(s);
		}
		break;
	}
	case SET_DIST_NS: case SET_DIST_BYTES:
		if (parse_dist(ld, v, path, st->type == SET_DIST_BYTES, exp, &d))
			memcpy((char *)base + st->off, &d, sizeof d);
		break;
	case SET_KEYS:
		apply_keys(ld, v, (struct producer_cfg *)base, path);
		break;
	case SET_SECTION:
		apply_map(ld, v, st->child, (char *)base + st->off, path);
		break;
	case SET_LIST:
		apply_list(ld, st, v, base, path);
		break;
	case SET_FAULTS:
		parse_faults(ld, v, path);
		break;
	case SET_SNAPSHOTS:
		parse_snapshots(ld, v, path);
		break;
	case SET_EXPECTS:
		parse_expects(ld, v, path);
		break;
	default:
		apply_scalar(ld, st, v, base, path, exp);
		break;
	}
}

static void apply_map(struct ld *ld, const yaml_node_t *m, enum set_level lvl, void *base,
		      const char *path)
{
	const char *names[64];
	size_t n = settings_level_keys(lvl, names, 64), count;
	const struct setting *all = settings_all(&count);
	char p[PATH_LEN], exp[EXPECT_LEN];

	if (!is_map(m)) {
		if (lvl == LVL_SCENARIO)
			lerr(ld, m, path, "found %s; expected a mapping with name, duration, "
			     "cluster, topics, ...", kind_name(m));
		else
			lerr(ld, m, path, "found %s; expected a mapping of %s keys", kind_name(m),
			     settings_level_path(lvl));
		return;
	}
	check_keys(ld, m, path, names, n, (int)lvl, NULL);
	for (size_t i = 0; i < count; i++) {
		const struct setting *st = &all[i];
		yaml_node_t *v;
		if (st->level != lvl)
			continue;
		path_key(p, path, st->name);
		if ((v = map_get(ld, m, st->name))) {
			apply_setting(ld, st, v, base, p);
		} else if (st->flags & SF_REQUIRED) {
			settings_expected(st, exp, sizeof exp);
			lerr(ld, m, p, "missing required key; expected %s", exp);
		}
	}
}

/* Apply one default text (YAML) through the same code as a value from a file. */
static void apply_default_text(struct ld *ld, const struct setting *st, void *base)
{
	yaml_parser_t parser;
	yaml_document_t doc, *saved = ld->doc;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)st->def, strlen(st->def));
	if (!yaml_parser_load(&parser, &doc) || !(root = yaml_document_get_root_node(&doc))) {
		fprintf(stderr, "kafkasim: BUG: the default of %s does not parse\n", st->name);
		abort();
	}
	ld->doc = &doc;
	ld->in_default = st->name;
	apply_setting(ld, st, root, base, st->name);
	ld->in_default = NULL;
	ld->doc = saved;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

static void apply_defaults(struct ld *ld, enum set_level lvl, void *base)
{
	size_t count;
	const struct setting *all = settings_all(&count);

	for (size_t i = 0; i < count; i++) {
		const struct setting *st = &all[i];
		if (st->level != lvl)
			continue;
		if (st->type == SET_SECTION)
			apply_defaults(ld, st->child, (char *)base + st->off);
		else if (st->def)
			apply_default_text(ld, st, base);
		else if (st->type == SET_TOPIC)
			settings_put_int(st, base, -1);
		else
			settings_put_int(st, base, st->unset); /* no-op for non-integer kinds */
	}
}

/* ---- topics, producers, groups: checks across settings ---- */

/* The node at m.k1.k2 (k2 may be NULL), or fallback. */
static const yaml_node_t *find2(struct ld *ld, const yaml_node_t *m, const char *k1,
				const char *k2, const yaml_node_t *fallback)
{
	const yaml_node_t *v = map_get(ld, m, k1);

	if (v && k2)
		v = map_get(ld, v, k2);
	return v ? v : fallback;
}

static void check_topic(struct ld *ld, int i, const yaml_node_t *m, const char *path)
{
	const struct topic_cfg *t = &ld->sc->topics[i];
	int brokers = ld->sc->cluster.brokers;
	char p[PATH_LEN];

	path_key(p, path, "replication.factor");
	if (t->replication_factor > brokers)
		lerr(ld, find2(ld, m, "replication.factor", NULL, m), p, "%d exceeds the %d "
		     "brokers; expected at most %d", t->replication_factor, brokers, brokers);
	for (int j = 0; j < i; j++) {
		if (t->name[0] && strcmp(ld->sc->topics[j].name, t->name) == 0) {
			path_key(p, path, "name");
			lerr(ld, find2(ld, m, "name", NULL, m), p, "duplicate topic name '%s' "
			     "(first at %d:%d); expected unique names", t->name,
			     ld->sc->topics[j].loc.line, ld->sc->topics[j].loc.column);
			break;
		}
	}
}

/* Kafka's ProducerConfig: idempotence needs acks=all, retries > 0 and at most 5 in flight.
 * Given explicitly, a conflict is an error; by default idempotence is turned off. */
static void check_idempotence(struct ld *ld, struct producer_cfg *pr, const yaml_node_t *m,
			      const char *path)
{
	const yaml_node_t *cfg = map_get(ld, m, "config");
	bool explicit_on = map_given(ld, cfg, "enable.idempotence") != NULL;
	char p[PATH_LEN];

	if (!pr->enable_idempotence)
		return;
	if (!explicit_on) {
		if (pr->acks != ACKS_ALL || pr->retries == 0 || pr->max_in_flight > 5)
			pr->enable_idempotence = false;
		return;
	}
	if (pr->acks != ACKS_ALL) {
		path_key(p, path, "config.acks");
		lerr(ld, find2(ld, m, "config", "acks", m), p, "acks %s conflicts with "
		     "enable.idempotence: true; expected acks all (or enable.idempotence: false)",
		     pr->acks == ACKS_1 ? "1" : "0");
	}
	if (pr->retries == 0) {
		path_key(p, path, "config.retries");
		lerr(ld, find2(ld, m, "config", "retries", m), p, "retries 0 conflicts with "
		     "enable.idempotence: true; expected retries above 0");
	}
	if (pr->max_in_flight > 5) {
		path_key(p, path, "config.max.in.flight.requests.per.connection");
		lerr(ld, find2(ld, m, "config", "max.in.flight.requests.per.connection", m), p,
		     "%d conflicts with enable.idempotence: true; expected at most 5",
		     pr->max_in_flight);
	}
}

/* KafkaProducer.configureDeliveryTimeout: delivery.timeout.ms >= linger.ms +
 * request.timeout.ms; given explicitly, less is an error; by default it is raised. */
static void check_delivery_timeout(struct ld *ld, struct producer_cfg *pr,
				   const yaml_node_t *m, const char *path)
{
	const yaml_node_t *cfg = map_get(ld, m, "config");
	sim_time_ns need = pr->linger_ns > SIM_TIME_MAX - pr->request_timeout_ns
				   ? SIM_TIME_MAX : pr->linger_ns + pr->request_timeout_ns;
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF];

	if (pr->delivery_timeout_ns >= need)
		return;
	if (!map_given(ld, cfg, "delivery.timeout.ms")) {
		pr->delivery_timeout_ns = need;
		return;
	}
	path_key(p, path, "config.delivery.timeout.ms");
	lerr(ld, find2(ld, m, "config", "delivery.timeout.ms", m), p, "%s is below linger.ms + "
	     "request.timeout.ms (%s); expected at least %s",
	     units_format_duration(pr->delivery_timeout_ns, a), units_format_duration(need, b),
	     b);
}

static void check_producer(struct ld *ld, int i, const yaml_node_t *m, const char *path)
{
	struct producer_cfg *pr = &ld->sc->producers[i];
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF];

	for (int j = 0; j < i; j++) {
		if (pr->name[0] && strcmp(ld->sc->producers[j].name, pr->name) == 0) {
			path_key(p, path, "name");
			lerr(ld, find2(ld, m, "name", NULL, m), p, "duplicate producer name '%s' "
			     "(first at %d:%d); expected unique names", pr->name,
			     ld->sc->producers[j].loc.line, ld->sc->producers[j].loc.column);
			break;
		}
	}
	if (pr->stop_ns != SIM_TIME_MAX && pr->stop_ns <= pr->start_ns) {
		path_key(p, path, "stop");
		lerr(ld, find2(ld, m, "stop", NULL, m), p, "stop %s is not after start %s; "
		     "expected a later time", units_format_duration(pr->stop_ns, a),
		     units_format_duration(pr->start_ns, b));
	}
	if (pr->topic >= 0 && pr->fixed_partition >= ld->sc->topics[pr->topic].partitions) {
		const struct topic_cfg *t = &ld->sc->topics[pr->topic];
		path_key(p, path, "partition");
		lerr(ld, find2(ld, m, "partition", NULL, m), p, "partition %d does not exist: %s "
		     "has %d partitions; expected 0 to %d", pr->fixed_partition, t->name,
		     t->partitions, t->partitions - 1);
	}
	check_idempotence(ld, pr, m, path);
	check_delivery_timeout(ld, pr, m, path);
	/* KafkaProducer takes batch.size 0 (batching off, as documented) as a batch of at most
	 * 1 byte: each record a batch of its own */
	if (pr->batch_size < 1)
		pr->batch_size = 1;
	if (pr->retry_backoff_max_ns < pr->retry_backoff_ns) /* KIP-580: a constant backoff */
		pr->retry_backoff_max_ns = pr->retry_backoff_ns;
}

/* commit: auto needs enable.auto.commit; the manual styles turn it off unless the file
 * sets it true. Without commit:, enable.auto.commit: false means commit: sync. */
static void check_commit(struct ld *ld, struct group_cfg *g, const yaml_node_t *m,
			 const char *path)
{
	const yaml_node_t *commit = map_given(ld, m, "commit");
	const yaml_node_t *eac = map_given(ld, map_get(ld, m, "config"), "enable.auto.commit");
	char p[PATH_LEN];

	path_key(p, path, "commit");
	if (!commit) {
		if (eac && !g->enable_auto_commit)
			g->commit = COMMIT_SYNC;
	} else if (g->commit == COMMIT_AUTO) {
		if (eac && !g->enable_auto_commit)
			lerr(ld, commit, p, "commit: auto conflicts with enable.auto.commit: "
			     "false; expected commit sync, async or before-process, or "
			     "enable.auto.commit: true");
	} else if (eac && g->enable_auto_commit) {
		lerr(ld, commit, p, "commit: %s conflicts with enable.auto.commit: true; "
		     "expected commit: auto, or enable.auto.commit: false", scalar(commit));
	} else {
		g->enable_auto_commit = false;
	}
}

/* GroupCoordinator.handleJoinGroup answers INVALID_SESSION_TIMEOUT outside the broker's
 * bounds. Bounds that cross each other are reported once, at the cluster. */
static void check_session_timeout(struct ld *ld, const struct group_cfg *g, const yaml_node_t *m,
				  const char *path)
{
	const struct cluster_cfg *cl = &ld->sc->cluster;
	sim_time_ns lo = cl->group_min_session_timeout_ns, hi = cl->group_max_session_timeout_ns;
	sim_time_ns v = g->session_timeout_ns;
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF];

	if (lo > hi || (v >= lo && v <= hi))
		return;
	units_format_duration(lo, b);
	units_format_duration(hi, c);
	path_key(p, path, "config.session.timeout.ms");
	const yaml_node_t *at = find2(ld, m, "config", "session.timeout.ms", NULL);
	lerr(ld, at ? at : m, p, "%s%s is %s the cluster's group.%s.session.timeout.ms %s "
	     "(JoinGroup fails with INVALID_SESSION_TIMEOUT); expected %s to %s",
	     units_format_duration(v, a), at ? "" : " (the default)", v < lo ? "below" : "above",
	     v < lo ? "min" : "max", v < lo ? b : c, b, c);
}

static void check_group(struct ld *ld, int i, const yaml_node_t *m, const char *path)
{
	struct group_cfg *g = &ld->sc->groups[i];
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF];

	for (int j = 0; j < i; j++) {
		if (g->name[0] && strcmp(ld->sc->groups[j].name, g->name) == 0) {
			path_key(p, path, "name");
			lerr(ld, find2(ld, m, "name", NULL, m), p, "duplicate group name '%s' "
			     "(first at %d:%d); expected unique names", g->name,
			     ld->sc->groups[j].loc.line, ld->sc->groups[j].loc.column);
			break;
		}
	}
	if (!strcmp(g->name, "broker") || !strcmp(g->name, "controller")) {
		path_key(p, path, "name");
		lerr(ld, find2(ld, m, "name", NULL, m), p, "'%s' is reserved: its members would "
		     "be named like %ss; expected another name", g->name, g->name);
	}
	check_commit(ld, g, m, path);
	check_session_timeout(ld, g, m, path);
	if (g->heartbeat_interval_ns >= g->session_timeout_ns) {
		path_key(p, path, "config.heartbeat.interval.ms");
		lerr(ld, find2(ld, m, "config", "heartbeat.interval.ms", m), p, "%s is not below "
		     "session.timeout.ms %s; expected less than %s",
		     units_format_duration(g->heartbeat_interval_ns, a),
		     units_format_duration(g->session_timeout_ns, b), b);
	}
}

static void check_element(struct ld *ld, enum set_level lvl, int i, const yaml_node_t *m,
			  const char *path)
{
	if (lvl == LVL_TOPIC)
		check_topic(ld, i, m, path);
	else if (lvl == LVL_PRODUCER)
		check_producer(ld, i, m, path);
	else if (lvl == LVL_GROUP)
		check_group(ld, i, m, path);
}

static void apply_list(struct ld *ld, const struct setting *st, const yaml_node_t *v,
		       void *base, const char *path)
{
	char p[PATH_LEN];
	char *arr;
	int n, i = 0;

	if (!is_seq(v)) {
		lerr(ld, v, path, "found %s; expected a list of %s entries", kind_name(v),
		     settings_level_path(st->child));
		return;
	}
	if ((n = seq_len(v)) == 0)
		return;
	if (!(arr = calloc((size_t)n, st->elem_size)))
		abort();
	memcpy((char *)base + st->off, &arr, sizeof arr);
	memcpy((char *)base + st->off_count, &n, sizeof n);
	FOR_ITEMS(v, it) {
		yaml_node_t *item = node(ld, *it);
		char *elem = arr + (size_t)i * st->elem_size;
		struct ks_loc loc = loc_of(item);
		path_idx(p, path, i);
		apply_defaults(ld, st->child, elem);
		memcpy(elem + st->off_loc, &loc, sizeof loc);
		apply_map(ld, item, st->child, elem, p);
		if (is_map(item))
			check_element(ld, st->child, i, item, p);
		i++;
	}
}

/* ---- node names ---- */

/* s is prefix followed by a decimal number (digits only): *out = the number. */
static bool numbered(const char *s, const char *prefix, int *out)
{
	size_t n = strlen(prefix);
	int64_t v;

	if (strncmp(s, prefix, n) != 0 || s[n] < '0' || s[n] > '9' || parse_i64(s + n, &v) < 0 ||
	    v > 1000000000)
		return false;
	*out = (int)v;
	return true;
}

/* s is <group>-<k> for a group of the scenario. */
static bool member_name(const struct scenario *sc, const char *s, int *group, int *k)
{
	const char *dash = strrchr(s, '-');
	char prefix[KS_NAME_MAX + 1];
	size_t len;

	if (!dash || (len = (size_t)(dash - s) + 1) > KS_NAME_MAX)
		return false;
	memcpy(prefix, s, len);
	prefix[len] = 0;
	for (int g = 0; g < sc->n_groups; g++) {
		char want[KS_NAME_MAX + 2];
		snprintf(want, sizeof want, "%s-", sc->groups[g].name);
		if (strcmp(want, prefix) == 0 && numbered(s, prefix, k)) {
			*group = g;
			return true;
		}
	}
	return false;
}

/* Members of group g at time t: the initial ones plus those joined by then. */
static int members_at(const struct ld *ld, int g, sim_time_ns t)
{
	int n = ld->sc->groups[g].members;

	for (int i = 0; i < ld->n_joins; i++)
		if (ld->joins[i].group == g && ld->joins[i].at <= t)
			n++;
	return n;
}

static void kinds_text(unsigned kinds, char *buf, size_t len)
{
	static const char *const names[] = { "a broker", "a controller", "a producer",
					      "a group member" };
	const char *list[4];
	size_t n = 0;

	for (int k = NODE_BROKER; k <= NODE_MEMBER; k++)
		if (kinds & (1u << k))
			list[n++] = names[k];
	join_names(list, n, buf, len);
}

/* Candidate node names near s, for "did you mean". */
static const char *suggest_node(const struct ld *ld, const char *s, char *buf, size_t len)
{
	const struct scenario *sc = ld->sc;
	enum { CAP = 400 };
	char (*names)[KS_NAME_MAX + 16] = calloc(CAP, sizeof *names);
	const char *ptrs[CAP], *near;
	size_t n = 0;

	if (!names)
		abort();
	for (int i = 1; i <= sc->cluster.brokers && n < CAP; i++)
		snprintf(names[n++], sizeof names[0], "broker-%d", i);
	for (int i = 1; i <= sc->cluster.controllers && n < CAP; i++)
		snprintf(names[n++], sizeof names[0], "controller-%d", i);
	for (int i = 0; i < sc->n_producers && n < CAP; i++)
		snprintf(names[n++], sizeof names[0], "%s", sc->producers[i].name);
	for (int g = 0; g < sc->n_groups; g++)
		for (int k = 1; k <= members_at(ld, g, SIM_TIME_MAX) && k <= 20 && n < CAP; k++)
			snprintf(names[n++], sizeof names[0], "%s-%d", sc->groups[g].name, k);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = names[i];
	near = settings_suggest(s, ptrs, n);
	if (near)
		snprintf(buf, len, "%s", near);
	free(names);
	return near ? buf : NULL;
}

static bool resolve_numbered(struct ld *ld, const yaml_node_t *n, const char *path,
			     const char *what, int k, int count, struct ks_node *r,
			     enum ks_node_kind kind)
{
	if (k < 1 || k > count) {
		if (count == 1)
			lerr(ld, n, path, "%s-%d does not exist; expected %s-1, the only %s", what,
			     k, what, what);
		else
			lerr(ld, n, path, "%s-%d does not exist; expected %s-1 .. %s-%d", what, k,
			     what, what, count);
		return false;
	}
	*r = (struct ks_node){ kind, k, -1 };
	return true;
}

static bool resolve_member(struct ld *ld, const yaml_node_t *n, const char *path, int g,
			   int k, sim_time_ns at, struct ks_node *r)
{
	const struct group_cfg *gr = &ld->sc->groups[g];
	int now = members_at(ld, g, at), all = members_at(ld, g, SIM_TIME_MAX);
	char t[UNITS_BUF];

	if (k < 1 || k > all) {
		if (all == 0)
			lerr(ld, n, path, "%s-%d does not exist: group %s has no members; "
			     "expected a member name", gr->name, k, gr->name);
		else
			lerr(ld, n, path, "%s-%d does not exist; expected %s-1 .. %s-%d", gr->name,
			     k, gr->name, gr->name, all);
		return false;
	}
	if (k > now) {
		lerr(ld, n, path, "%s-%d does not exist yet at %s (it joins later); expected a "
		     "member that has joined by then", gr->name, k, units_format_duration(at, t));
		return false;
	}
	*r = (struct ks_node){ NODE_MEMBER, k, g };
	return true;
}

/* A node name of one of the kinds (bits 1 << NODE_*) that exists at time at. */
static bool resolve_node(struct ld *ld, const yaml_node_t *n, const char *path, unsigned kinds,
			 sim_time_ns at, struct ks_node *out)
{
	static const char *const kind_names[] = { "broker", "controller", "producer",
						  "group member" };
	const struct scenario *sc = ld->sc;
	char exp[160], near[KS_NAME_MAX + 16];
	const char *s;
	struct ks_node r = { NODE_ANY, -1, -1 };
	int k, g;
	bool ok = false;

	kinds_text(kinds, exp, sizeof exp);
	if (!(s = want_scalar(ld, n, path, exp)))
		return false;
	if (numbered(s, "broker-", &k))
		ok = resolve_numbered(ld, n, path, "broker", k, sc->cluster.brokers, &r,
				      NODE_BROKER);
	else if (numbered(s, "controller-", &k))
		ok = resolve_numbered(ld, n, path, "controller", k, sc->cluster.controllers, &r,
				      NODE_CONTROLLER);
	else if (member_name(sc, s, &g, &k))
		ok = resolve_member(ld, n, path, g, k, at, &r);
	else {
		for (int i = 0; i < sc->n_producers && !ok; i++)
			if (strcmp(sc->producers[i].name, s) == 0)
				r = (struct ks_node){ NODE_PRODUCER, i, -1 }, ok = true;
		if (!ok && suggest_node(ld, s, near, sizeof near))
			lerr(ld, n, path, "unknown node '%s'; did you mean '%s'?", s, near);
		else if (!ok)
			lerr(ld, n, path, "unknown node '%s'; expected the name of %s", s, exp);
	}
	if (!ok)
		return false;
	if (!(kinds & (1u << r.kind))) {
		lerr(ld, n, path, "%s is a %s; expected %s", s, kind_names[r.kind], exp);
		return false;
	}
	*out = r;
	return true;
}

static bool same_node(const struct ks_node *a, const struct ks_node *b)
{
	return a->kind == b->kind && a->index == b->index && a->group == b->group;
}

/* A node name or a list of them (any kind), at most KS_FAULT_NODES_MAX; count or -1. */
static int read_nodes(struct ld *ld, const yaml_node_t *v, const char *path, sim_time_ns at,
		      struct ks_node *out)
{
	const unsigned all = 1u << NODE_BROKER | 1u << NODE_CONTROLLER | 1u << NODE_PRODUCER |
			     1u << NODE_MEMBER;
	int n = 0;
	bool ok = true;

	if (scalar(v))
		return resolve_node(ld, v, path, all, at, &out[0]) ? 1 : -1;
	if (!is_seq(v) || seq_len(v) == 0) {
		lerr(ld, v, path, "found %s; expected a list of node names",
		     is_seq(v) ? "an empty list" : kind_name(v));
		return -1;
	}
	if (seq_len(v) > KS_FAULT_NODES_MAX) {
		lerr(ld, v, path, "%d nodes; expected at most %d", seq_len(v), KS_FAULT_NODES_MAX);
		return -1;
	}
	FOR_ITEMS(v, it) {
		yaml_node_t *item = node(ld, *it);
		struct ks_node r;
		if (!resolve_node(ld, item, path, all, at, &r)) {
			ok = false;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char nm[KS_NAME_MAX + 16];
			if (same_node(&out[j], &r))
				ok = (lerr(ld, item, path, "%s is listed twice; expected each "
					   "node once",
					   scenario_node_name(ld->sc, &r, nm, sizeof nm)), false);
		}
		out[n++] = r;
	}
	return ok ? n : -1;
}

/* ---- faults ---- */

static int join_cmp(const void *pa, const void *pb)
{
	const struct join *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return (a->item > b->item) - (a->item < b->item);
}

/* Every join fault with a valid time and group, sorted by time then file order; errors
 * are reported later, when each fault is read. */
static void collect_joins(struct ld *ld, const yaml_node_t *v)
{
	int i = 0;

	ld->joins = calloc((size_t)seq_len(v) + 1, sizeof *ld->joins);
	if (!ld->joins)
		abort();
	FOR_ITEMS(v, it) {
		const yaml_node_t *m = node(ld, *it);
		const char *g = scalar(map_given(ld, m, "join"));
		const char *at = scalar(map_given(ld, m, "at"));
		sim_time_ns t;
		for (int k = 0; g && at && k < ld->sc->n_groups; k++)
			if (!strcmp(ld->sc->groups[k].name, g) && units_parse_duration(at, &t) == 0)
				ld->joins[ld->n_joins++] = (struct join){ t, k, i };
		i++;
	}
	qsort(ld->joins, (size_t)ld->n_joins, sizeof *ld->joins, join_cmp);
}

/* The member a join fault (item i of group g) adds: M + its rank among the group's joins. */
static int joined_member(const struct ld *ld, int g, int item)
{
	int rank = 0;

	for (int i = 0; i < ld->n_joins; i++) {
		if (ld->joins[i].group != g)
			continue;
		rank++;
		if (ld->joins[i].item == item)
			break;
	}
	return ld->sc->groups[g].members + rank;
}

/* Optional boolean option key of fault m. */
static bool opt_bool(struct ld *ld, const yaml_node_t *m, const char *path, const char *key,
		     bool *out)
{
	const yaml_node_t *v = map_given(ld, m, key);
	char p[PATH_LEN];

	path_key(p, path, key);
	return v && read_bool(ld, v, p, out);
}

/* The node of option key, and its path, if given. */
static const yaml_node_t *opt(struct ld *ld, const yaml_node_t *m, const char *path,
			      const char *key, char *p)
{
	path_key(p, path, key);
	return map_given(ld, m, key);
}

static void fault_slow(struct ld *ld, const yaml_node_t *m, struct fault_cfg *f,
		       const char *path)
{
	const yaml_node_t *v;
	char p[PATH_LEN];
	bool broker = f->target.kind == NODE_BROKER;

	opt_bool(ld, m, path, "disk_stall", &f->disk_stall);
	if ((v = opt(ld, m, path, "latency", p))) {
		if (!broker)
			lerr(ld, v, p, "applies to a slow broker; expected factor for a member");
		else
			read_duration(ld, v, p, 1, "a duration above 0 such as 50ms", &f->extra_ns);
	}
	if ((v = opt(ld, m, path, "factor", p))) {
		if (broker)
			lerr(ld, v, p, "applies to a slow member; expected disk_stall or latency "
				       "for a broker");
		else
			read_double(ld, v, p, 0, 1e6, true, "a multiplier above 0 such as 5",
				    &f->slow_factor);
	} else if (f->target.kind == NODE_MEMBER) {
		lerr(ld, m, p, "missing required key; expected a processing time multiplier "
			       "such as 5");
	}
	if ((v = opt(ld, m, path, "disk_stall", p)) && !broker)
		lerr(ld, v, p, "applies to a slow broker; expected factor for a member");
	if (broker && !f->disk_stall && !map_given(ld, m, "latency"))
		lerr(ld, m, path, "a slow broker needs disk_stall: true or latency; expected one "
				  "of them");
}

static void fault_links(struct ld *ld, const yaml_node_t *m, const yaml_node_t *v,
			struct fault_cfg *f, const char *path, const char *act)
{
	bool part = f->kind == FAULT_PARTITION;
	const char *names[2] = { part ? "a" : "from", part ? "b" : "to" };
	const yaml_node_t *a, *b;
	char p[PATH_LEN], pk[PATH_LEN];

	path_key(p, path, act);
	if (!is_map(v)) {
		lerr(ld, v, p, "found %s; expected { %s: [nodes], %s: [nodes] }", kind_name(v),
		     names[0], names[1]);
		return;
	}
	check_keys(ld, v, p, names, 2, -1, NULL);
	if (!(a = opt(ld, v, p, names[0], pk)))
		lerr(ld, v, pk, "missing required key; expected a list of node names");
	else
		f->n_a = read_nodes(ld, a, pk, f->at_ns, f->a);
	f->n_a = f->n_a < 0 ? 0 : f->n_a;
	if (!(b = opt(ld, v, p, names[1], pk))) {
		f->b[0] = (struct ks_node){ NODE_ANY, -1, -1 };
		f->n_b = 1;
	} else {
		f->n_b = read_nodes(ld, b, pk, f->at_ns, f->b);
		f->n_b = f->n_b < 0 ? 0 : f->n_b;
	}
	/* a split needs two sides; drop and delay may name links within one set */
	for (int i = 0; part && i < f->n_a; i++) {
		for (int j = 0; j < f->n_b; j++) {
			char nm[KS_NAME_MAX + 16];
			if (same_node(&f->a[i], &f->b[j]))
				lerr(ld, v, p, "%s is on both sides; expected disjoint node sets",
				     scenario_node_name(ld->sc, &f->a[i], nm, sizeof nm));
		}
	}
	f->one_way = !part;
	opt_bool(ld, m, path, "one_way", &f->one_way);
	if (f->kind == FAULT_DROP && (v = opt(ld, m, path, "fraction", p)))
		read_double(ld, v, p, 0, 1, true, "a fraction above 0 and at most 1", &f->fraction);
	if (f->kind == FAULT_DELAY) {
		if (!(v = opt(ld, m, path, "latency", p)))
			lerr(ld, m, p, "missing required key; expected the added latency, such as "
				       "50ms");
		else
			read_duration(ld, v, p, 1, "a duration above 0 such as 50ms", &f->extra_ns);
	}
}

static void fault_reset(struct ld *ld, const yaml_node_t *m, const yaml_node_t *v,
			struct fault_cfg *f, const char *path)
{
	static const struct set_enum tos[] = {
		{ "earliest", RESET_TO_EARLIEST }, { "latest", RESET_TO_LATEST },
		{ "offset", RESET_TO_OFFSET }, { "shift-by", RESET_SHIFT_BY },
		{ "datetime", RESET_TO_DATETIME }, { NULL, 0 },
	};
	const char *exp = "earliest, latest, offset, shift-by or datetime";
	const yaml_node_t *to, *val, *dt;
	char p[PATH_LEN], pv[PATH_LEN], pd[PATH_LEN];
	int kind = -1;

	path_key(p, path, "reset_offsets");
	if ((f->group = read_group(ld, v, p)) >= 0)
		f->topic = ld->sc->groups[f->group].topic;
	if (!(to = opt(ld, m, path, "to", p)))
		lerr(ld, m, p, "missing required key; expected %s", exp);
	else if (read_enum(ld, to, p, tos, exp, &kind))
		f->reset = (enum ks_reset_kind)kind;
	val = opt(ld, m, path, "value", pv);
	dt = opt(ld, m, path, "datetime", pd);
	if (kind == RESET_TO_OFFSET || kind == RESET_SHIFT_BY) {
		if (!val)
			lerr(ld, m, pv, "missing required key; expected %s",
			     kind == RESET_TO_OFFSET ? "an offset" : "a number of records (+/-)");
		else
			read_int(ld, val, pv, kind == RESET_TO_OFFSET ? 0 : -INT64_MAX, INT64_MAX,
				 kind == RESET_TO_OFFSET ? "an offset of at least 0" : "an integer",
				 &f->reset_value);
	} else if (val && kind >= 0) {
		lerr(ld, val, pv, "applies only to to: offset or shift-by; expected no value");
	}
	if (kind == RESET_TO_DATETIME) {
		if (!dt)
			lerr(ld, m, pd, "missing required key; expected the simulated time to "
					"reset to, such as 10s");
		else
			read_duration(ld, dt, pd, 0, "a duration such as 10s", &f->reset_value);
	} else if (dt && kind >= 0) {
		lerr(ld, dt, pd, "applies only to to: datetime; expected no datetime");
	}
}

static void fault_add_partitions(struct ld *ld, const yaml_node_t *m, const yaml_node_t *v,
				 struct fault_cfg *f, const char *path)
{
	const yaml_node_t *n;
	char p[PATH_LEN];
	int64_t count;

	path_key(p, path, "add_partitions");
	f->topic = read_topic(ld, v, p);
	if (!(n = opt(ld, m, path, "partitions", p)))
		lerr(ld, m, p, "missing required key; expected the new partition count");
	else if (read_int(ld, n, p, 1, 100000, "an integer from 1 to 100000", &count))
		f->new_partitions = (int)count;
}

/* The action of fault m, or NULL after reporting none or two. */
static const struct fault_action *fault_action_of(struct ld *ld, const yaml_node_t *m,
						  const char *path)
{
	const struct fault_action *act = NULL, *all;
	const char *names[16];
	char p[PATH_LEN], list[EXPECT_LEN];
	size_t n;

	FOR_PAIRS(m, pr) {
		yaml_node_t *k = node(ld, pr->key);
		const struct fault_action *a = scalar(k) ? settings_fault_action(scalar(k)) : NULL;
		if (a && act) {
			path_key(p, path, a->name);
			lerr(ld, k, p, "a second action (%s and %s); expected exactly one action "
			     "per fault", act->name, a->name);
			return NULL;
		}
		act = a ? a : act;
	}
	if (!act) {
		all = settings_fault_actions(&n);
		for (size_t i = 0; i < n && i < 16; i++)
			names[i] = all[i].name;
		join_names(names, n, list, sizeof list);
		lerr(ld, m, path, "the fault has no action; expected one of %s", list);
	}
	return act;
}

/* at (required, before the end of the run) and for. */
static void fault_times(struct ld *ld, const yaml_node_t *m, struct fault_cfg *f,
			const char *path)
{
	sim_time_ns end = ld->sc->duration_ns;
	const yaml_node_t *v;
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF];

	if (!(v = opt(ld, m, path, "at", p)))
		lerr(ld, m, p, "missing required key; expected the time the fault starts");
	else if (read_duration(ld, v, p, 0, "a duration such as 20s", &f->at_ns) && end > 0 &&
		 f->at_ns >= end)
		lerr(ld, v, p, "%s is not before the end of the run (duration %s); expected a "
		     "time before %s", units_format_duration(f->at_ns, a),
		     units_format_duration(end, b), b);
	if ((v = opt(ld, m, path, "for", p)))
		read_duration(ld, v, p, 1, "a duration above 0 such as 10s", &f->for_ns);
}

static void parse_fault(struct ld *ld, const yaml_node_t *m, struct fault_cfg *f, int item,
			const char *path)
{
	const struct fault_action *act;
	const yaml_node_t *v;
	const char *keys[FAULT_KEYS_MAX + 2] = { "at" };
	char ctx[64], p[PATH_LEN];
	size_t nk = 1;

	*f = (struct fault_cfg){ .target = { NODE_ANY, -1, -1 }, .fraction = 1.0,
				 .slow_factor = 1.0, .group = -1, .topic = -1 };
	if (!is_map(m)) {
		lerr(ld, m, path, "found %s; expected a mapping such as { at: 20s, crash: "
				  "broker-1 }", kind_name(m));
		return;
	}
	f->loc = loc_of(m);
	if (!(act = fault_action_of(ld, m, path)))
		return;
	f->kind = act->kind;
	keys[nk++] = act->name;
	for (int i = 0; i < FAULT_KEYS_MAX && act->keys[i]; i++)
		keys[nk++] = act->keys[i];
	snprintf(ctx, sizeof ctx, "a %s fault", act->name);
	check_keys(ld, m, path, keys, nk, -1, ctx);
	fault_times(ld, m, f, path);
	v = map_get(ld, m, act->name);
	path_key(p, path, act->name);
	if (is_null(v)) {
		char exp[160];
		if (act->targets)
			kinds_text(act->targets, exp, sizeof exp);
		else
			snprintf(exp, sizeof exp, "%s", act->kind == FAULT_ADD_PARTITIONS
				 ? "a topic name" : act->kind == FAULT_JOIN ||
				 act->kind == FAULT_RESET_OFFSETS ? "a consumer group name" : act->arg);
		lerr(ld, v, p, "the value is empty; expected %s", exp);
		return;
	}
	if (act->targets) {
		if (!resolve_node(ld, v, p, act->targets, f->at_ns, &f->target))
			return;
		f->group = f->target.kind == NODE_MEMBER ? f->target.group : -1;
	}
	switch (act->kind) {
	case FAULT_CRASH:
		if (opt_bool(ld, m, path, "lose_unflushed", &f->lose_unflushed) &&
		    f->lose_unflushed && f->target.kind != NODE_BROKER)
			lerr(ld, map_get(ld, m, "lose_unflushed"), path, "lose_unflushed applies "
			     "to brokers; expected a broker to crash");
		break;
	case FAULT_SLOW:
		fault_slow(ld, m, f, path);
		break;
	case FAULT_PARTITION: case FAULT_DROP: case FAULT_DELAY:
		fault_links(ld, m, v, f, path, act->name);
		break;
	case FAULT_JOIN:
		if ((f->group = read_group(ld, v, p)) >= 0)
			f->target = (struct ks_node){ NODE_MEMBER,
						      joined_member(ld, f->group, item), f->group };
		break;
	case FAULT_RESET_OFFSETS:
		fault_reset(ld, m, v, f, path);
		break;
	case FAULT_ADD_PARTITIONS:
		fault_add_partitions(ld, m, v, f, path);
		break;
	default:
		break;
	}
}

/* add_partitions must grow the topic beyond its count at that time. */
static void check_add_partitions(struct ld *ld, const yaml_node_t *v, const char *path)
{
	const struct scenario *sc = ld->sc;
	char p[PATH_LEN];

	for (int i = 0; i < sc->n_faults; i++) {
		const struct fault_cfg *f = &sc->faults[i];
		int before;
		if (f->kind != FAULT_ADD_PARTITIONS || f->topic < 0 || f->new_partitions <= 0)
			continue;
		before = sc->topics[f->topic].partitions;
		for (int j = 0; j < sc->n_faults; j++) {
			const struct fault_cfg *g = &sc->faults[j];
			if (j != i && g->kind == FAULT_ADD_PARTITIONS && g->topic == f->topic &&
			    (g->at_ns < f->at_ns || (g->at_ns == f->at_ns && j < i)) &&
			    g->new_partitions > before)
				before = g->new_partitions;
		}
		if (f->new_partitions > before)
			continue;
		path_idx(p, path, i);
		path_key(p, p, "partitions");
		lerr(ld, find2(ld, node(ld, v->data.sequence.items.start[i]), "partitions", NULL,
			       v), p, "%d does not grow %s beyond its %d partitions; expected "
		     "more than %d", f->new_partitions, sc->topics[f->topic].name, before, before);
	}
}

static void parse_faults(struct ld *ld, const yaml_node_t *v, const char *path)
{
	struct scenario *sc = ld->sc;
	char p[PATH_LEN];
	int i = 0;

	if (!is_seq(v)) {
		lerr(ld, v, path, "found %s; expected a list of faults", kind_name(v));
		return;
	}
	if (seq_len(v) == 0)
		return;
	sc->n_faults = seq_len(v);
	if (!(sc->faults = calloc((size_t)sc->n_faults, sizeof *sc->faults)))
		abort();
	collect_joins(ld, v);
	FOR_ITEMS(v, it) {
		path_idx(p, path, i);
		parse_fault(ld, node(ld, *it), &sc->faults[i], i, p);
		i++;
	}
	check_add_partitions(ld, v, path);
	free(ld->joins);
	ld->joins = NULL;
	ld->n_joins = 0;
}

/* ---- snapshots and expectations ---- */

static void parse_snapshots(struct ld *ld, const yaml_node_t *v, const char *path)
{
	struct scenario *sc = ld->sc;
	sim_time_ns end = sc->duration_ns;
	char p[PATH_LEN], a[UNITS_BUF], b[UNITS_BUF];
	int i = 0;

	if (!is_seq(v)) {
		lerr(ld, v, path, "found %s; expected a list of durations such as [19s, 25s]",
		     kind_name(v));
		return;
	}
	if (seq_len(v) == 0)
		return;
	if (!(sc->snapshots = calloc((size_t)seq_len(v), sizeof *sc->snapshots)))
		abort();
	sc->n_snapshots = seq_len(v);
	FOR_ITEMS(v, it) {
		yaml_node_t *item = node(ld, *it);
		sim_time_ns *t = &sc->snapshots[i];
		path_idx(p, path, i++);
		if (read_duration(ld, item, p, 0, "a duration such as 19s", t) && end > 0 &&
		    *t > end)
			lerr(ld, item, p, "%s is after the end of the run (duration %s); expected "
			     "at most %s", units_format_duration(*t, a),
			     units_format_duration(end, b), b);
	}
}

static bool valid_expect_path(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-[]", *s)))
			return false;
	return true;
}

/* "OP NUMBER" or "NUMBER": 0, -1 bad operator (*bad is it), -2 bad number. */
static int parse_expect_value(const char *s, enum ks_expect_op *op, double *value, char *bad,
			      size_t bad_len)
{
	static const struct { const char *text; enum ks_expect_op op; } ops[] = {
		{ "==", EXP_EQ }, { "!=", EXP_NE }, { "<=", EXP_LE }, { ">=", EXP_GE },
		{ "<", EXP_LT }, { ">", EXP_GT },
	};
	size_t n = 0;
	char *end;

	while (*s == ' ')
		s++;
	while (s[n] && strchr("=!<>", s[n]))
		n++;
	*op = EXP_EQ;
	if (n > 0) {
		size_t i;
		for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
			if (strlen(ops[i].text) == n && strncmp(s, ops[i].text, n) == 0)
				break;
		if (i == sizeof ops / sizeof ops[0]) {
			snprintf(bad, bad_len, "%.*s", (int)n, s);
			return -1;
		}
		*op = ops[i].op;
		s += n;
	}
	while (*s == ' ')
		s++;
	errno = 0;
	*value = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end || errno == ERANGE || !isfinite(*value))
		return -2;
	return 0;
}

static void parse_expect(struct ld *ld, const yaml_node_t *m, struct expect_cfg *e,
			 const char *path)
{
	const char *exp = "a list of entries such as checker.acked_lost: \"== 0\"";
	const yaml_node_t *k, *v;
	char p[PATH_LEN], bad[16];
	const char *key, *val;
	int rc;

	if (!is_map(m) || m->data.mapping.pairs.top - m->data.mapping.pairs.start != 1) {
		lerr(ld, m, path, "found %s; expected one `summary.path: \"OP NUMBER\"` per entry",
		     is_map(m) ? "a mapping of several keys" : kind_name(m));
		return;
	}
	k = node(ld, m->data.mapping.pairs.start->key);
	v = node(ld, m->data.mapping.pairs.start->value);
	e->loc = loc_of(m);
	if (!(key = want_scalar(ld, k, path, exp)))
		return;
	path_key(p, path, key);
	if (!valid_expect_path(key) || strlen(key) >= sizeof e->path)
		lerr(ld, k, p, "'%s' is not a summary path; expected a dotted path such as "
			       "checker.acked_lost", key);
	snprintf(e->path, sizeof e->path, "%s", key);
	if (!(val = want_scalar(ld, v, p, "\"OP NUMBER\" with OP one of == != < <= > >=")))
		return;
	snprintf(e->text, sizeof e->text, "%s", val);
	rc = parse_expect_value(val, &e->op, &e->value, bad, sizeof bad);
	if (rc == -1)
		lerr(ld, v, p, "'%s' is not an operator; expected \"OP NUMBER\" with OP one of "
			       "== != < <= > >=", bad);
	else if (rc == -2)
		lerr(ld, v, p, "'%s' is not a number comparison; expected \"OP NUMBER\" such as "
			       "\">= 1000\" (a bare number means ==)", val);
}

static void parse_expects(struct ld *ld, const yaml_node_t *v, const char *path)
{
	struct scenario *sc = ld->sc;
	char p[PATH_LEN];
	int i = 0;

	if (!is_seq(v)) {
		lerr(ld, v, path, "found %s; expected a list of entries such as "
				  "checker.acked_lost: \"== 0\"", kind_name(v));
		return;
	}
	if (seq_len(v) == 0)
		return;
	if (!(sc->expects = calloc((size_t)seq_len(v), sizeof *sc->expects)))
		abort();
	sc->n_expects = seq_len(v);
	FOR_ITEMS(v, it) {
		path_idx(p, path, i);
		parse_expect(ld, node(ld, *it), &sc->expects[i], p);
		i++;
	}
}

/* ---- the whole document ---- */

/* Producer names must not look like other nodes' names. */
static void check_node_names(struct ld *ld, const yaml_node_t *root)
{
	const struct scenario *sc = ld->sc;
	const yaml_node_t *list = map_get(ld, root, "producers");
	char p[PATH_LEN];
	int g, k;

	for (int i = 0; i < sc->n_producers; i++) {
		const char *name = sc->producers[i].name;
		const yaml_node_t *item = is_seq(list) && i < seq_len(list)
			? node(ld, list->data.sequence.items.start[i]) : root;
		const yaml_node_t *at = find2(ld, item, "name", NULL, item);
		snprintf(p, sizeof p, "producers[%d].name", i);
		if (numbered(name, "broker-", &k) || numbered(name, "controller-", &k))
			lerr(ld, at, p, "'%s' is the form of broker and controller names; expected "
			     "another name", name);
		else if (member_name(sc, name, &g, &k))
			lerr(ld, at, p, "'%s' is the name of a member of group %s; expected "
			     "another name", name, sc->groups[g].name);
	}
}

/* group.min.session.timeout.ms above group.max: no session timeout could join any group. */
static void check_session_bounds(struct ld *ld, const yaml_node_t *root)
{
	const struct cluster_cfg *cl = &ld->sc->cluster;
	const char *key = "group.max.session.timeout.ms";
	char a[UNITS_BUF], b[UNITS_BUF];

	if (cl->group_min_session_timeout_ns <= cl->group_max_session_timeout_ns)
		return;
	const yaml_node_t *cfg = find2(ld, root, "cluster", "config", root);
	lerr(ld, find2(ld, cfg, key, NULL, cfg), "cluster.config.group.max.session.timeout.ms",
	     "%s is below group.min.session.timeout.ms %s: no session timeout could join a "
	     "group; expected at least %s",
	     units_format_duration(cl->group_max_session_timeout_ns, a),
	     units_format_duration(cl->group_min_session_timeout_ns, b), b);
}

static void load_document(struct ld *ld)
{
	const yaml_node_t *root = yaml_document_get_root_node(ld->doc);

	if (!root) {
		lerr(ld, NULL, "", "the document is empty; expected a mapping with at least "
				   "name and duration");
		return;
	}
	apply_map(ld, root, LVL_SCENARIO, ld->sc, "");
	if (is_map(root)) {
		check_node_names(ld, root);
		check_session_bounds(ld, root);
	}
}

static void yaml_problem(struct ld *ld, const yaml_parser_t *parser)
{
	char text[600], ctx[200] = "";

	if (parser->context)
		snprintf(ctx, sizeof ctx, " (%s at %zu:%zu)", parser->context,
			 parser->context_mark.line + 1, parser->context_mark.column + 1);
	snprintf(text, sizeof text, "yaml: %s%s; expected well-formed YAML",
		 parser->problem ? parser->problem : "out of memory", ctx);
	add_diag(ld, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1,
		 text);
}

/* Parse, load and check; diagnostics collected in ld. */
static void load_text(struct ld *ld, const char *text)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(ld, &parser);
		yaml_parser_delete(&parser);
		return;
	}
	ld->doc = &doc;
	load_document(ld);
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_problem(ld, &parser);
	} else {
		const yaml_node_t *r = yaml_document_get_root_node(&extra);
		if (r)
			add_diag(ld, (int)r->start_mark.line + 1, (int)r->start_mark.column + 1,
				 "(document): a second YAML document; expected one document per "
				 "file");
		yaml_document_delete(&extra);
	}
	ld->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

void scenario_defaults(struct scenario *sc)
{
	struct ld ld = { .file = "(defaults)", .sc = sc };

	memset(sc, 0, sizeof *sc);
	apply_defaults(&ld, LVL_SCENARIO, sc);
}

int scenario_load_string(const char *display_name, const char *yaml_text, struct scenario *out,
			 FILE *err)
{
	struct ld ld = { .file = display_name, .sc = out };
	int n;

	scenario_defaults(out);
	load_text(&ld, yaml_text);
	free(ld.joins);
	n = flush_diags(&ld, err);
	if (n) {
		scenario_release(out);
		return n;
	}
	if (!(out->file = strdup(display_name)))
		abort();
	return 0;
}

int scenario_load(const char *path, struct scenario *out, FILE *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int n;

	memset(out, 0, sizeof *out);
	if (!f) {
		if (err)
			fprintf(err, "%s: cannot open the scenario: %s\n", path, strerror(errno));
		return 1;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			if (!(text = realloc(text, cap)))
				abort();
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	text[len] = '\0';
	if (ferror(f) || strlen(text) != len) {
		if (err)
			fprintf(err, "%s: cannot read the scenario: %s\n", path,
				ferror(f) ? strerror(errno) : "it contains a NUL byte");
		fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	n = scenario_load_string(path, text, out, err);
	free(text);
	return n;
}

void scenario_release(struct scenario *sc)
{
	free(sc->description);
	free(sc->file);
	free(sc->topics);
	free(sc->producers);
	free(sc->groups);
	free(sc->faults);
	free(sc->snapshots);
	free(sc->expects);
	memset(sc, 0, sizeof *sc);
}

char *scenario_node_name(const struct scenario *sc, const struct ks_node *n, char *buf,
			 size_t len)
{
	switch (n->kind) {
	case NODE_BROKER:
		snprintf(buf, len, "broker-%d", n->index);
		break;
	case NODE_CONTROLLER:
		snprintf(buf, len, "controller-%d", n->index);
		break;
	case NODE_PRODUCER:
		snprintf(buf, len, "%s", n->index >= 0 && n->index < sc->n_producers
					 ? sc->producers[n->index].name : "?");
		break;
	case NODE_MEMBER:
		snprintf(buf, len, "%s-%d", n->group >= 0 && n->group < sc->n_groups
					    ? sc->groups[n->group].name : "?", n->index);
		break;
	default:
		snprintf(buf, len, "*");
		break;
	}
	return buf;
}

/* ---- the effective configuration as JSON ---- */

static void w_raw_double(struct jsonw *w, double v)
{
	char b[UNITS_BUF];

	if (!isfinite(v))
		jsonw_null(w);
	else
		jsonw_raw(w, units_format_double(v, b));
}

static void w_duration(struct jsonw *w, sim_time_ns v)
{
	char b[UNITS_BUF];

	if (v == SIM_TIME_MAX)
		jsonw_null(w);
	else
		jsonw_str(w, units_format_duration(v, b));
}

/* Kafka milliseconds (or seconds, SET_S): an integer as Kafka writes it; -1 for "no
 * limit"; a fraction only if the scenario asked for one. */
static void w_ms(struct jsonw *w, const struct setting *st, sim_time_ns v)
{
	const int64_t unit = settings_time_unit(st);
	if (v == SIM_TIME_MAX)
		jsonw_int(w, st->flags & SF_INF ? -1 : INT64_MAX);
	else if (v % unit == 0)
		jsonw_int(w, v / unit);
	else
		w_raw_double(w, (double)v / (double)unit);
}

static void w_dist(struct jsonw *w, const struct dist *d, const char *unit)
{
	const struct dist_form *form = NULL;

	for (size_t i = 0; i < N_FORMS; i++)
		if (dist_forms[i].kind == d->kind)
			form = &dist_forms[i];
	jsonw_obj_begin(w);
	jsonw_kstr(w, "dist", dist_kind_name(d->kind));
	if (form && form->params[0]) {
		jsonw_key(w, form->params[0]);
		w_raw_double(w, d->a);
	}
	if (form && form->params[1] && d->kind != DIST_CONSTANT &&
	    d->kind != DIST_EXPONENTIAL) {
		jsonw_key(w, form->params[1]);
		w_raw_double(w, d->b);
	}
	jsonw_kstr(w, "unit", unit);
	jsonw_obj_end(w);
}

static void w_keys(struct jsonw *w, const struct producer_cfg *pr)
{
	if (pr->keys == KEYS_NULL) {
		jsonw_null(w);
		return;
	}
	jsonw_obj_begin(w);
	jsonw_kuint(w, "count", pr->key_count);
	jsonw_kstr(w, "dist", pr->keys == KEYS_ZIPF ? "zipf" : "uniform");
	if (pr->keys == KEYS_ZIPF) {
		jsonw_key(w, "s");
		w_raw_double(w, pr->key_zipf_s);
	}
	jsonw_obj_end(w);
}

static void w_level(struct jsonw *w, const struct scenario *sc, enum set_level lvl,
		    const void *base);
static void w_faults(struct jsonw *w, const struct scenario *sc);
static void w_expects(struct jsonw *w, const struct scenario *sc);

static void w_value(struct jsonw *w, const struct scenario *sc, const struct setting *st,
		    const void *base);

/* A topic setting left to the cluster: the cluster's value. */
static bool w_inherited(struct jsonw *w, const struct scenario *sc, const struct setting *st,
			const void *base)
{
	char name[96];
	const struct setting *cl;

	if (st->level != LVL_TOPIC_CONFIG || settings_get_int(st, base) != st->unset)
		return false;
	snprintf(name, sizeof name, "log.%s", st->name);
	cl = settings_find(LVL_BROKER, st->name);
	if (!cl)
		cl = settings_find(LVL_BROKER, name);
	if (!cl)
		return false;
	w_value(w, sc, cl, &sc->cluster);
	return true;
}

static void w_list(struct jsonw *w, const struct scenario *sc, const struct setting *st,
		   const void *base)
{
	const char *arr;
	int n;

	memcpy(&arr, (const char *)base + st->off, sizeof arr);
	memcpy(&n, (const char *)base + st->off_count, sizeof n);
	jsonw_arr_begin(w);
	for (int i = 0; i < n; i++) {
		jsonw_obj_begin(w);
		w_level(w, sc, st->child, arr + (size_t)i * st->elem_size);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void w_strategies(struct jsonw *w, const struct setting *st, const void *base)
{
	enum ks_assignor list[KS_MAX_STRATEGIES];
	int n;

	memcpy(&n, (const char *)base + st->off_count, sizeof n);
	memcpy(list, (const char *)base + st->off, sizeof list);
	jsonw_arr_begin(w);
	for (int i = 0; i < n && i < KS_MAX_STRATEGIES; i++)
		jsonw_str(w, settings_assignor_name(list[i]));
	jsonw_arr_end(w);
}

static void w_value(struct jsonw *w, const struct scenario *sc, const struct setting *st,
		    const void *base)
{
	const char *p = (const char *)base + st->off;
	int64_t v = settings_get_int(st, base);
	char b[UNITS_BUF];
	double d;

	if (w_inherited(w, sc, st, base))
		return;
	switch (st->type) {
	case SET_INT: case SET_LONG: jsonw_int(w, v); break;
	case SET_UINT64: jsonw_uint(w, (uint64_t)v); break;
	case SET_BOOL: case SET_TRIBOOL: jsonw_bool(w, v != 0); break;
	case SET_DOUBLE: memcpy(&d, p, sizeof d); w_raw_double(w, d); break;
	case SET_MS: case SET_S: w_ms(w, st, v); break;
	case SET_DURATION: w_duration(w, v); break;
	case SET_BYTES: jsonw_int(w, v); break;
	case SET_BANDWIDTH: jsonw_str(w, units_format_bandwidth(v, b)); break;
	case SET_RATE: memcpy(&d, p, sizeof d); jsonw_str(w, units_format_rate(d, b)); break;
	case SET_ENUM: jsonw_str(w, settings_enum_name(st->names, (int)v)); break;
	case SET_STRATEGIES: w_strategies(w, st, base); break;
	case SET_NAME: jsonw_str(w, p); break;
	case SET_TEXT: { const char *s; memcpy(&s, p, sizeof s); jsonw_str(w, s); break; }
	case SET_DIST_NS: w_dist(w, (const struct dist *)(const void *)p, "ns"); break;
	case SET_DIST_BYTES: w_dist(w, (const struct dist *)(const void *)p, "bytes"); break;
	case SET_TOPIC: jsonw_str(w, v >= 0 && v < sc->n_topics ? sc->topics[v].name : NULL); break;
	case SET_KEYS: w_keys(w, (const struct producer_cfg *)base); break;
	case SET_SECTION:
		jsonw_obj_begin(w);
		w_level(w, sc, st->child, p);
		jsonw_obj_end(w);
		break;
	case SET_LIST: w_list(w, sc, st, base); break;
	case SET_FAULTS: w_faults(w, sc); break;
	case SET_SNAPSHOTS:
		jsonw_arr_begin(w);
		for (int i = 0; i < sc->n_snapshots; i++)
			w_duration(w, sc->snapshots[i]);
		jsonw_arr_end(w);
		break;
	case SET_EXPECTS: w_expects(w, sc); break;
	}
}

static void w_level(struct jsonw *w, const struct scenario *sc, enum set_level lvl,
		    const void *base)
{
	size_t count;
	const struct setting *all = settings_all(&count);

	for (size_t i = 0; i < count; i++) {
		if (all[i].level != lvl)
			continue;
		jsonw_key(w, all[i].name);
		w_value(w, sc, &all[i], base);
	}
}

static void w_nodes(struct jsonw *w, const struct scenario *sc, const struct ks_node *n,
		    int count)
{
	char b[KS_NAME_MAX + 16];

	jsonw_arr_begin(w);
	for (int i = 0; i < count; i++)
		jsonw_str(w, scenario_node_name(sc, &n[i], b, sizeof b));
	jsonw_arr_end(w);
}

/* The value of a fault's action key. */
static void w_fault_target(struct jsonw *w, const struct scenario *sc,
			   const struct fault_cfg *f, const struct fault_action *act)
{
	bool part = f->kind == FAULT_PARTITION;
	char b[KS_NAME_MAX + 16];

	if (act->targets) {
		jsonw_str(w, scenario_node_name(sc, &f->target, b, sizeof b));
	} else if (part || f->kind == FAULT_DROP || f->kind == FAULT_DELAY) {
		jsonw_obj_begin(w);
		jsonw_key(w, part ? "a" : "from");
		w_nodes(w, sc, f->a, f->n_a);
		jsonw_key(w, part ? "b" : "to");
		w_nodes(w, sc, f->b, f->n_b);
		jsonw_obj_end(w);
	} else if (f->kind == FAULT_ADD_PARTITIONS) {
		jsonw_str(w, f->topic >= 0 ? sc->topics[f->topic].name : NULL);
	} else {
		jsonw_str(w, f->group >= 0 ? sc->groups[f->group].name : NULL);
	}
}

static void w_fault_option(struct jsonw *w, const struct fault_cfg *f, const char *key)
{
	static const char *const resets[] = { "earliest", "latest", "offset", "shift-by",
					      "datetime" };
	bool by_value = f->reset == RESET_TO_OFFSET || f->reset == RESET_SHIFT_BY;

	jsonw_key(w, key);
	if (!strcmp(key, "for"))
		w_duration(w, f->for_ns ? f->for_ns : SIM_TIME_MAX);
	else if (!strcmp(key, "lose_unflushed"))
		jsonw_bool(w, f->lose_unflushed);
	else if (!strcmp(key, "disk_stall"))
		jsonw_bool(w, f->disk_stall);
	else if (!strcmp(key, "latency"))
		w_duration(w, f->extra_ns ? f->extra_ns : SIM_TIME_MAX);
	else if (!strcmp(key, "factor"))
		w_raw_double(w, f->slow_factor);
	else if (!strcmp(key, "one_way"))
		jsonw_bool(w, f->one_way);
	else if (!strcmp(key, "fraction"))
		w_raw_double(w, f->fraction);
	else if (!strcmp(key, "to"))
		jsonw_str(w, resets[f->reset]);
	else if (!strcmp(key, "value") && by_value)
		jsonw_int(w, f->reset_value);
	else if (!strcmp(key, "datetime") && f->reset == RESET_TO_DATETIME)
		w_duration(w, f->reset_value);
	else if (!strcmp(key, "partitions"))
		jsonw_int(w, f->new_partitions);
	else
		jsonw_null(w);
}

static void w_faults(struct jsonw *w, const struct scenario *sc)
{
	size_t n;
	const struct fault_action *acts = settings_fault_actions(&n);

	jsonw_arr_begin(w);
	for (int i = 0; i < sc->n_faults; i++) {
		const struct fault_cfg *f = &sc->faults[i];
		const struct fault_action *act = NULL;
		for (size_t k = 0; k < n; k++)
			if (acts[k].kind == f->kind)
				act = &acts[k];
		if (!act)
			continue;
		jsonw_obj_begin(w);
		jsonw_key(w, "at");
		w_duration(w, f->at_ns);
		jsonw_key(w, act->name);
		w_fault_target(w, sc, f, act);
		for (int k = 0; k < FAULT_KEYS_MAX && act->keys[k]; k++)
			w_fault_option(w, f, act->keys[k]);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void w_expects(struct jsonw *w, const struct scenario *sc)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	char num[UNITS_BUF], text[UNITS_BUF + 8];

	jsonw_arr_begin(w);
	for (int i = 0; i < sc->n_expects; i++) {
		const struct expect_cfg *e = &sc->expects[i];
		snprintf(text, sizeof text, "%s %s", ops[e->op],
			 units_format_double(e->value, num));
		jsonw_obj_begin(w);
		jsonw_kstr(w, e->path, text);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

void scenario_write_config(const struct scenario *sc, struct jsonw *w)
{
	jsonw_obj_begin(w);
	w_level(w, sc, LVL_SCENARIO, sc);
	jsonw_obj_end(w);
}
