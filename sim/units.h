/*
 * units.h - the unit syntax of scenario files: durations ("250us", "1.5s", "2m"), rates
 * ("2000/s", "120/m"), sizes ("16KiB", "1MB", "512B", a plain integer is bytes) and
 * bandwidths ("125MB/s", "10Gbit/s").
 *
 * Parsing is exact: decimal fractions are scaled with integer arithmetic, so "1.5s" is
 * 1500000000 ns on every machine, and a value that is not a whole number of the base unit
 * (ns, bytes) is rejected rather than rounded. Negative values and overflow are errors.
 * Formatting picks the largest unit that reads naturally and round-trips through the parser.
 */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Why a value did not parse: negative codes, messages say what is wrong. */
#define UNITS_ERRORS(X)                                                                  \
	X(UNITS_EEMPTY, -1, "the value is empty")                                        \
	X(UNITS_ENUMBER, -2, "it does not start with a number")                         \
	X(UNITS_ENOUNIT, -3, "the unit is missing")                                     \
	X(UNITS_EUNIT, -4, "the unit is unknown")                                       \
	X(UNITS_ENEGATIVE, -5, "it is negative")                                        \
	X(UNITS_ERANGE, -6, "it is too large")                                          \
	X(UNITS_EFRACTION, -7, "it is not a whole number of the base unit")

enum units_error {
#define UNITS_ENUM_(name, code, msg) name = code,
	UNITS_ERRORS(UNITS_ENUM_)
#undef UNITS_ENUM_
};

/* The message of a negative code ("the unit is unknown"); "ok" for 0. */
const char *units_strerror(int code);

/* Each returns 0 and stores the value, or a negative UNITS_E* code and leaves out alone.
 * Durations: NUMBER UNIT with unit ns, us (or µs), ms, s, m, h; "0" needs no unit. */
int units_parse_duration(const char *s, sim_time_ns *out);
/* Rates: NUMBER/UNIT with unit s, m, h, ms; records per second. "0" needs no unit. */
int units_parse_rate(const char *s, double *per_s);
/* Sizes: a plain integer (bytes) or NUMBER UNIT with B, KB, kB, KiB, MB, MiB, GB, GiB,
 * TB, TiB (KB = 1000, KiB = 1024). */
int units_parse_size(const char *s, int64_t *bytes);
/* Bandwidths: SIZE/s or BITS/s (Kbit, Mbit, Gbit, Tbit); "0" needs no unit. */
int units_parse_bandwidth(const char *s, int64_t *bytes_per_s);

/* A buffer large enough for any formatted value. */
#define UNITS_BUF 40

/* "1.5s", "250us", "30s", "2m", "1h", "0"; parses back to the same value.
 * Returns buf. */
char *units_format_duration(sim_time_ns ns, char *buf);
/* "16KiB", "1MB", "100B"; exact, parses back to the same value. Returns buf. */
char *units_format_size(int64_t bytes, char *buf);
/* "125MB/s", "0". Returns buf. */
char *units_format_bandwidth(int64_t bytes_per_s, char *buf);
/* "2000/s", "0.5/s": the shortest decimal that parses back to the same double. */
char *units_format_rate(double per_s, char *buf);
/* The shortest "%.*g" text of v that strtod reads back as v (no unit). Returns buf. */
char *units_format_double(double v, char *buf);

#endif
