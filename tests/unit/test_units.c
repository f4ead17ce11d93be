/*
 * test_units.c - the unit syntax of scenarios: durations in every unit, rates, sizes and
 * bandwidths, the error cases (negative, overflow, missing or unknown unit, fractions of
 * the base unit), and formatting that reads back to the same value.
 */
#include "testutil.h"

#include <string.h>

#include "units.h"

static sim_time_ns dur(const char *s)
{
	sim_time_ns v = -12345;
	int rc = units_parse_duration(s, &v);

	if (rc != 0)
		fail_msg("'%s' did not parse: %s", s, units_strerror(rc));
	return v;
}

static int dur_err(const char *s)
{
	sim_time_ns v = -7;
	int rc = units_parse_duration(s, &v);

	assert_int_equal(v, -7); /* untouched on error */
	return rc;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("0s"), 0);
	assert_int_equal(dur("100ns"), 100);
	assert_int_equal(dur("250us"), 250000);
	assert_int_equal(dur("250\xc2\xb5s"), 250000);
	assert_int_equal(dur("5ms"), 5000000);
	assert_int_equal(dur("30s"), 30 * SIM_S);
	assert_int_equal(dur("2m"), 120 * SIM_S);
	assert_int_equal(dur("1h"), 3600 * SIM_S);
	assert_int_equal(dur("1.5s"), 1500 * SIM_MS);
	assert_int_equal(dur("0.25ms"), 250 * SIM_US);
	assert_int_equal(dur("1.000000001s"), SIM_S + 1);
	assert_int_equal(dur("2.50s"), 2500 * SIM_MS);
	assert_int_equal(dur(".5s"), 500 * SIM_MS);
	assert_int_equal(dur("30 s"), 30 * SIM_S);
	assert_int_equal(dur("1.5h"), 5400 * SIM_S);
	assert_int_equal(dur("9223372036854775807ns"), INT64_MAX);
}

static void test_duration_errors(void **state)
{
	(void)state;
	assert_int_equal(dur_err(""), UNITS_EEMPTY);
	assert_int_equal(dur_err("   "), UNITS_EEMPTY);
	assert_int_equal(dur_err("5"), UNITS_ENOUNIT);
	assert_int_equal(dur_err("1.5"), UNITS_ENOUNIT);
	assert_int_equal(dur_err("-5s"), UNITS_ENEGATIVE);
	assert_int_equal(dur_err("-0.5s"), UNITS_ENEGATIVE);
	assert_int_equal(dur_err("5x"), UNITS_EUNIT);
	assert_int_equal(dur_err("5 sec"), UNITS_EUNIT);
	assert_int_equal(dur_err("5S"), UNITS_EUNIT);
	assert_int_equal(dur_err("5s5"), UNITS_EUNIT);
	assert_int_equal(dur_err("s"), UNITS_ENUMBER);
	assert_int_equal(dur_err("abc"), UNITS_ENUMBER);
	assert_int_equal(dur_err("+5s"), UNITS_ENUMBER);
	assert_int_equal(dur_err("1.5ns"), UNITS_EFRACTION);
	assert_int_equal(dur_err("0.0000000001s"), UNITS_EFRACTION);
	assert_int_equal(dur_err("9223372036854775808ns"), UNITS_ERANGE);
	assert_int_equal(dur_err("3000000h"), UNITS_ERANGE);
	assert_int_equal(dur_err("99999999999999999999999s"), UNITS_ERANGE);
	assert_string_equal(units_strerror(UNITS_EUNIT), "the unit is unknown");
	assert_string_equal(units_strerror(0), "ok");
}

static double rate(const char *s)
{
	double v = -1;
	int rc = units_parse_rate(s, &v);

	if (rc != 0)
		fail_msg("'%s' did not parse: %s", s, units_strerror(rc));
	return v;
}

static void test_rates(void **state)
{
	double v = 42;

	(void)state;
	assert_near(rate("2000/s"), 2000, 1e-9);
	assert_near(rate("120/m"), 2, 1e-12);
	assert_near(rate("5/ms"), 5000, 1e-9);
	assert_near(rate("3600/h"), 1, 1e-12);
	assert_near(rate("1.5/s"), 1.5, 1e-12);
	assert_near(rate("0"), 0, 0);
	assert_near(rate("10 / s"), 10, 0);
	assert_int_equal(units_parse_rate("5", &v), UNITS_ENOUNIT);
	assert_int_equal(units_parse_rate("5/", &v), UNITS_ENOUNIT);
	assert_int_equal(units_parse_rate("5/d", &v), UNITS_EUNIT);
	assert_int_equal(units_parse_rate("5 per s", &v), UNITS_EUNIT);
	assert_int_equal(units_parse_rate("-5/s", &v), UNITS_ENEGATIVE);
	assert_int_equal(units_parse_rate("/s", &v), UNITS_ENUMBER);
	assert_int_equal(units_parse_rate("", &v), UNITS_EEMPTY);
	assert_int_equal(units_parse_rate("1e999/s", &v), UNITS_ERANGE);
	assert_near(v, 42, 0);
}

static int64_t size(const char *s)
{
	int64_t v = -1;
	int rc = units_parse_size(s, &v);

	if (rc != 0)
		fail_msg("'%s' did not parse: %s", s, units_strerror(rc));
	return v;
}

static void test_sizes(void **state)
{
	int64_t v = 9;

	(void)state;
	assert_int_equal(size("0"), 0);
	assert_int_equal(size("512"), 512);
	assert_int_equal(size("512B"), 512);
	assert_int_equal(size("16KiB"), 16384);
	assert_int_equal(size("1KB"), 1000);
	assert_int_equal(size("1kB"), 1000);
	assert_int_equal(size("1MB"), 1000000);
	assert_int_equal(size("1MiB"), 1048576);
	assert_int_equal(size("1GB"), 1000000000);
	assert_int_equal(size("1GiB"), 1073741824);
	assert_int_equal(size("2TiB"), 2 * 1099511627776LL);
	assert_int_equal(size("1.5KiB"), 1536);
	assert_int_equal(size("1.5MB"), 1500000);
	assert_int_equal(size("100 B"), 100);
	assert_int_equal(units_parse_size("1.5B", &v), UNITS_EFRACTION);
	assert_int_equal(units_parse_size("0.1KiB", &v), UNITS_EFRACTION);
	assert_int_equal(units_parse_size("1.5", &v), UNITS_EFRACTION);
	assert_int_equal(units_parse_size("1mb", &v), UNITS_EUNIT);
	assert_int_equal(units_parse_size("1XB", &v), UNITS_EUNIT);
	assert_int_equal(units_parse_size("-1KB", &v), UNITS_ENEGATIVE);
	assert_int_equal(units_parse_size("KB", &v), UNITS_ENUMBER);
	assert_int_equal(units_parse_size("9999999TiB", &v), UNITS_ERANGE);
	assert_int_equal(units_parse_size("99999999999999999999", &v), UNITS_ERANGE);
	assert_int_equal(v, 9);
}

static void test_bandwidths(void **state)
{
	int64_t v = 3;

	(void)state;
	assert_int_equal(units_parse_bandwidth("125MB/s", &v), 0);
	assert_int_equal(v, 125000000);
	assert_int_equal(units_parse_bandwidth("1250MB/s", &v), 0);
	assert_int_equal(v, 1250000000);
	assert_int_equal(units_parse_bandwidth("10Gbit/s", &v), 0);
	assert_int_equal(v, 1250000000);
	assert_int_equal(units_parse_bandwidth("100Mbit/s", &v), 0);
	assert_int_equal(v, 12500000);
	assert_int_equal(units_parse_bandwidth("64KiB/s", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(units_parse_bandwidth("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(units_parse_bandwidth("1000", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(units_parse_bandwidth("125MB", &v), UNITS_ENOUNIT);
	assert_int_equal(units_parse_bandwidth("125MB/h", &v), UNITS_EUNIT);
	assert_int_equal(units_parse_bandwidth("1bit/s", &v), UNITS_EFRACTION);
	assert_int_equal(units_parse_bandwidth("-1MB/s", &v), UNITS_ENEGATIVE);
	assert_int_equal(v, 1000);
}

static void check_duration_format(sim_time_ns ns, const char *want)
{
	char buf[UNITS_BUF];
	sim_time_ns back = -1;

	assert_string_equal(units_format_duration(ns, buf), want);
	if (ns >= 0) {
		assert_int_equal(units_parse_duration(buf, &back), 0);
		assert_int_equal(back, ns);
	}
}

static void test_format_duration(void **state)
{
	(void)state;
	check_duration_format(0, "0");
	check_duration_format(1500 * SIM_MS, "1.5s");
	check_duration_format(250 * SIM_US, "250us");
	check_duration_format(30 * SIM_S, "30s");
	check_duration_format(120 * SIM_S, "2m");
	check_duration_format(90 * SIM_S, "90s");
	check_duration_format(3600 * SIM_S, "1h");
	check_duration_format(5400 * SIM_S, "90m");
	check_duration_format(5 * SIM_MS, "5ms");
	check_duration_format(1250 * SIM_US, "1.25ms");
	check_duration_format(999, "999ns");
	check_duration_format(1001, "1.001us");
	check_duration_format(SIM_S + 1, "1.000000001s");
	check_duration_format(INT64_MAX, "9223372036.854775807s");
	check_duration_format(-5 * SIM_S, "-5s");
}

static void test_format_roundtrip(void **state)
{
	char buf[UNITS_BUF];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (int i = 0; i < 20000; i++) { /* xorshift values of every magnitude */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t v = (int64_t)(x >> (1 + i % 63));
		sim_time_ns d = -1;
		int64_t s = -1;
		assert_int_equal(units_parse_duration(units_format_duration(v, buf), &d), 0);
		assert_int_equal(d, v);
		assert_int_equal(units_parse_size(units_format_size(v, buf), &s), 0);
		assert_int_equal(s, v);
		assert_int_equal(units_parse_bandwidth(units_format_bandwidth(v, buf), &s), 0);
		assert_int_equal(s, v);
	}
}

static void test_format_size_rate(void **state)
{
	char buf[UNITS_BUF];
	double r = 0;

	(void)state;
	assert_string_equal(units_format_size(16384, buf), "16KiB");
	assert_string_equal(units_format_size(1000000, buf), "1MB");
	assert_string_equal(units_format_size(1048576, buf), "1MiB");
	assert_string_equal(units_format_size(100, buf), "100B");
	assert_string_equal(units_format_size(0, buf), "0");
	assert_string_equal(units_format_size(1073741824, buf), "1GiB");
	assert_string_equal(units_format_bandwidth(125000000, buf), "125MB/s");
	assert_string_equal(units_format_bandwidth(0, buf), "0");
	assert_string_equal(units_format_rate(2000, buf), "2000/s");
	assert_string_equal(units_format_rate(0.5, buf), "0.5/s");
	assert_int_equal(units_parse_rate(units_format_rate(1.0 / 3, buf), &r), 0);
	assert_true(r == 1.0 / 3);
	assert_string_equal(units_format_double(0.1, buf), "0.1");
	assert_string_equal(units_format_double(100, buf), "100");
	assert_string_equal(units_format_double(1e20, buf), "1e+20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bandwidths),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_format_size_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
