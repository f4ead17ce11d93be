/*
 * units.c - parse and format durations, rates, sizes and bandwidths.
 *
 * A number is DIGITS[.DIGITS]; it is kept as an integer part and a decimal fraction and
 * multiplied by the unit with checked integer arithmetic, so no floating point touches a
 * duration or a size. Rates are doubles (they only set a mean inter-arrival time).
 */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	const char *name;
	uint64_t mul; /* value = number * mul / div */
	uint64_t div;
};

static const struct unit duration_units[] = {
	{ "ns", 1, 1 },
	{ "us", 1000, 1 },
	{ "\xc2\xb5s", 1000, 1 }, /* µs */
	{ "ms", 1000000, 1 },
	{ "s", 1000000000, 1 },
	{ "m", 60000000000ULL, 1 },
	{ "h", 3600000000000ULL, 1 },
	{ NULL, 0, 0 },
};

static const struct unit size_units[] = {
	{ "B", 1, 1 },
	{ "KB", 1000, 1 },
	{ "kB", 1000, 1 },
	{ "KiB", 1024, 1 },
	{ "MB", 1000000, 1 },
	{ "MiB", 1048576, 1 },
	{ "GB", 1000000000, 1 },
	{ "GiB", 1073741824, 1 },
	{ "TB", 1000000000000ULL, 1 },
	{ "TiB", 1099511627776ULL, 1 },
	{ NULL, 0, 0 },
};

static const struct unit bit_units[] = {
	{ "bit", 1, 8 },
	{ "Kbit", 1000, 8 },
	{ "kbit", 1000, 8 },
	{ "Mbit", 1000000, 8 },
	{ "Gbit", 1000000000, 8 },
	{ "Tbit", 1000000000000ULL, 8 },
	{ NULL, 0, 0 },
};

const char *units_strerror(int code)
{
	switch (code) {
	case 0:
		return "ok";
#define UNITS_MSG_(name, c, msg) \
	case name:               \
		return msg;
		UNITS_ERRORS(UNITS_MSG_)
#undef UNITS_MSG_
	}
	return "unknown error";
}

/* A decimal number as integer part + fraction / 10^fdigits (fraction has no trailing 0). */
struct decimal {
	uint64_t ip, frac;
	int fdigits;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads DIGITS[.DIGITS] at *p; advances *p. Returns 0 or a negative code. */
static int read_decimal(const char **p, struct decimal *d)
{
	const char *s = *p;
	int ndig = 0;

	memset(d, 0, sizeof *d);
	if (*s == '-' && (is_digit(s[1]) || s[1] == '.'))
		return UNITS_ENEGATIVE;
	for (; is_digit(*s); s++, ndig++)
		if (__builtin_mul_overflow(d->ip, 10, &d->ip) ||
		    __builtin_add_overflow(d->ip, (uint64_t)(*s - '0'), &d->ip))
			return UNITS_ERANGE;
	if (*s == '.') {
		s++;
		for (; is_digit(*s); s++, ndig++) {
			if (d->fdigits >= 19) {
				if (*s != '0')
					return UNITS_EFRACTION;
				continue;
			}
			d->frac = d->frac * 10 + (uint64_t)(*s - '0');
			d->fdigits++;
		}
		while (d->fdigits > 0 && d->frac % 10 == 0) {
			d->frac /= 10;
			d->fdigits--;
		}
	}
	if (ndig == 0)
		return UNITS_ENUMBER;
	*p = s;
	return 0;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* d * u->mul / u->div exactly, as a non-negative int64. */
static int scale_exact(const struct decimal *d, const struct unit *u, int64_t *out)
{
	uint64_t pow10 = 1, whole, part = 0, total;

	for (int i = 0; i < d->fdigits; i++)
		pow10 *= 10;
	if (__builtin_mul_overflow(d->ip, u->mul, &whole))
		return UNITS_ERANGE;
	if (d->frac) {
		uint64_t g = gcd_u64(pow10, d->frac);
		uint64_t den = pow10 / g;
		if (u->mul % den)
			return UNITS_EFRACTION;
		if (__builtin_mul_overflow(d->frac / g, u->mul / den, &part))
			return UNITS_ERANGE;
	}
	if (__builtin_add_overflow(whole, part, &total))
		return UNITS_ERANGE;
	if (total % u->div)
		return UNITS_EFRACTION;
	total /= u->div;
	if (total > (uint64_t)INT64_MAX)
		return UNITS_ERANGE;
	*out = (int64_t)total;
	return 0;
}

static const struct unit *find_unit(const struct unit *t, const char *name, size_t len)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
			return t;
	return NULL;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* NUMBER [spaces] UNIT [suffix]. The unit ends at '/', a space or the end; it comes from
 * units or units2. A number without a unit uses bare, or is an error unless it is zero. */
static int parse_scaled(const char *s, const struct unit *units, const struct unit *units2,
			const struct unit *bare, const char *suffix, int64_t *out)
{
	static const struct unit zero = { "", 1, 1 };
	const struct unit *unit;
	struct decimal d;
	const char *p = skip_spaces(s), *u;
	size_t ulen;
	int rc;

	if (*p == '\0')
		return UNITS_EEMPTY;
	if ((rc = read_decimal(&p, &d)) < 0)
		return rc;
	u = p = skip_spaces(p);
	while (*p && *p != '/' && *p != ' ' && *p != '\t')
		p++;
	ulen = (size_t)(p - u);
	p = skip_spaces(p);
	if (ulen == 0) {
		unit = bare ? bare : (d.ip == 0 && d.frac == 0 && *p == '\0') ? &zero : NULL;
		if (!unit)
			return UNITS_ENOUNIT;
		if (*p != '\0')
			return bare ? UNITS_ENOUNIT : UNITS_EUNIT;
		return scale_exact(&d, unit, out);
	}
	unit = find_unit(units, u, ulen);
	if (!unit && units2)
		unit = find_unit(units2, u, ulen);
	if (!unit)
		return UNITS_EUNIT;
	if (suffix) {
		if (strncmp(p, suffix, strlen(suffix)) != 0)
			return *p ? UNITS_EUNIT : UNITS_ENOUNIT;
		p = skip_spaces(p + strlen(suffix));
	}
	if (*p != '\0')
		return UNITS_EUNIT;
	return scale_exact(&d, unit, out);
}

int units_parse_duration(const char *s, sim_time_ns *out)
{
	int64_t v;
	int rc = parse_scaled(s, duration_units, NULL, NULL, NULL, &v);

	if (rc == 0)
		*out = v;
	return rc;
}

int units_parse_size(const char *s, int64_t *bytes)
{
	int64_t v;
	int rc = parse_scaled(s, size_units, NULL, &size_units[0], NULL, &v);

	if (rc == 0)
		*bytes = v;
	return rc;
}

int units_parse_bandwidth(const char *s, int64_t *bytes_per_s)
{
	int64_t v;
	int rc = parse_scaled(s, size_units, bit_units, &size_units[0], "/s", &v);

	if (rc == 0)
		*bytes_per_s = v;
	return rc;
}

int units_parse_rate(const char *s, double *per_s)
{
	static const struct { const char *name; double per_s; } rate_units[] = {
		{ "ms", 1000.0 }, { "s", 1.0 }, { "m", 1.0 / 60 }, { "h", 1.0 / 3600 },
	};
	const char *p = skip_spaces(s);
	char *end;
	double v;

	if (*p == '\0')
		return UNITS_EEMPTY;
	if (*p == '-' && (is_digit(p[1]) || p[1] == '.'))
		return UNITS_ENEGATIVE;
	if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
		return UNITS_ENUMBER;
	errno = 0;
	v = strtod(p, &end);
	if (errno == ERANGE || !isfinite(v))
		return UNITS_ERANGE;
	p = skip_spaces(end);
	if (*p == '\0')
		return v == 0 ? (*per_s = 0, 0) : UNITS_ENOUNIT;
	if (*p != '/')
		return UNITS_EUNIT;
	p = skip_spaces(p + 1);
	for (size_t i = 0; i < sizeof rate_units / sizeof rate_units[0]; i++) {
		if (strcmp(p, rate_units[i].name) == 0) {
			double r = v * rate_units[i].per_s;
			if (!isfinite(r))
				return UNITS_ERANGE;
			*per_s = r;
			return 0;
		}
	}
	return *p ? UNITS_EUNIT : UNITS_ENOUNIT;
}

/* whole[.fraction] of v / unit, fraction without trailing zeros, then the unit name. */
static void put_decimal(char *buf, size_t len, uint64_t v, uint64_t unit, const char *name)
{
	uint64_t whole = v / unit, rem = v % unit;
	int digits = 0;
	char frac[24];

	for (uint64_t u = unit; u > 1; u /= 10)
		digits++;
	if (rem == 0) {
		if (snprintf(buf, len, "%llu%s", (unsigned long long)whole, name) >= (int)len)
			buf[len - 1] = '\0'; /* cannot happen: UNITS_BUF holds any int64 */
		return;
	}
	/* unit is a power of ten here (h and m are only used for exact multiples) */
	if (digits > 20)
		digits = 20;
	frac[digits] = '\0';
	for (int i = digits - 1; i >= 0; i--, rem /= 10)
		frac[i] = (char)('0' + rem % 10);
	for (int n = digits; n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	if (snprintf(buf, len, "%llu.%s%s", (unsigned long long)whole, frac, name) >= (int)len)
		buf[len - 1] = '\0';
}

char *units_format_duration(sim_time_ns ns, char *buf)
{
	uint64_t v = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	char *p = buf;

	if (ns == 0) {
		snprintf(buf, UNITS_BUF, "0");
		return buf;
	}
	if (ns < 0)
		*p++ = '-';
	if (v % 3600000000000ULL == 0)
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 3600000000000ULL, "h");
	else if (v % 60000000000ULL == 0)
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 60000000000ULL, "m");
	else if (v >= 1000000000ULL)
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 1000000000ULL, "s");
	else if (v >= 1000000ULL)
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 1000000ULL, "ms");
	else if (v >= 1000ULL)
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 1000ULL, "us");
	else
		put_decimal(p, UNITS_BUF - (size_t)(p - buf), v, 1, "ns");
	return buf;
}

char *units_format_size(int64_t bytes, char *buf)
{
	/* Largest first; binary before decimal at similar magnitudes. */
	static const int order[] = { 9, 8, 7, 6, 5, 4, 3, 1 };
	uint64_t v = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : (uint64_t)bytes;

	if (bytes == 0) {
		snprintf(buf, UNITS_BUF, "0");
		return buf;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const struct unit *u = &size_units[order[i]];
		if (v >= u->mul && v % u->mul == 0) {
			snprintf(buf, UNITS_BUF, "%s%llu%s", bytes < 0 ? "-" : "",
				 (unsigned long long)(v / u->mul), u->name);
			return buf;
		}
	}
	snprintf(buf, UNITS_BUF, "%s%lluB", bytes < 0 ? "-" : "", (unsigned long long)v);
	return buf;
}

char *units_format_bandwidth(int64_t bytes_per_s, char *buf)
{
	if (bytes_per_s == 0) {
		snprintf(buf, UNITS_BUF, "0");
		return buf;
	}
	units_format_size(bytes_per_s, buf);
	strcat(buf, "/s");
	return buf;
}

char *units_format_double(double v, char *buf)
{
	if (!isfinite(v)) {
		snprintf(buf, UNITS_BUF, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
		return buf;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, UNITS_BUF, "%.0f", v);
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, UNITS_BUF, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

char *units_format_rate(double per_s, char *buf)
{
	if (per_s == 0) {
		snprintf(buf, UNITS_BUF, "0");
		return buf;
	}
	units_format_double(per_s, buf);
	strcat(buf, "/s");
	return buf;
}
