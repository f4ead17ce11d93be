/*
 * test_jsonw.c - the output writers: jsonw's exact bytes (nesting, escaping, doubles,
 * pretty layout), the trace's JSON Lines and levels, and afile's all-or-nothing files.
 */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "jsonw.h"
#include "trace.h"

/* The same document in either mode. */
static void write_doc(struct jsonw *w)
{
	jsonw_obj_begin(w);
	jsonw_kstr(w, "name", "orders-0");
	jsonw_kint(w, "leader", 3);
	jsonw_key(w, "isr");
	jsonw_arr_begin(w);
	jsonw_int(w, 3);
	jsonw_int(w, 1);
	jsonw_arr_end(w);
	jsonw_key(w, "cfg");
	jsonw_obj_begin(w);
	jsonw_kbool(w, "ok", true);
	jsonw_key(w, "n");
	jsonw_null(w);
	jsonw_obj_end(w);
	jsonw_key(w, "e");
	jsonw_obj_begin(w);
	jsonw_obj_end(w);
	jsonw_key(w, "a");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_kuint(w, "u", UINT64_MAX);
	jsonw_kint(w, "neg", INT64_MIN);
	jsonw_kdouble(w, "p99", 1.23456, 3);
	jsonw_obj_end(w);
}

static void test_jsonw_compact(void **state)
{
	struct jsonw w;

	(void)state;
	jsonw_init(&w, false);
	write_doc(&w);
	assert_string_equal(w.buf, "{\"name\":\"orders-0\",\"leader\":3,\"isr\":[3,1],"
			    "\"cfg\":{\"ok\":true,\"n\":null},\"e\":{},\"a\":[],"
			    "\"u\":18446744073709551615,\"neg\":-9223372036854775808,"
			    "\"p99\":1.235}");
	assert_int_equal(w.len, strlen(w.buf));
	assert_int_equal(w.depth, 0);
	jsonw_reset(&w);
	assert_int_equal(w.len, 0);
	jsonw_arr_begin(&w);
	jsonw_str(&w, NULL);
	jsonw_raw(&w, "{\"x\":1}");
	jsonw_bool(&w, false);
	jsonw_arr_begin(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_arr_end(&w);
	jsonw_arr_end(&w);
	assert_string_equal(w.buf, "[null,{\"x\":1},false,[[]]]");
	jsonw_release(&w);
}

static void test_jsonw_pretty(void **state)
{
	struct jsonw w;

	(void)state;
	jsonw_init(&w, true);
	write_doc(&w);
	assert_string_equal(w.buf, "{\n"
			    "  \"name\": \"orders-0\",\n"
			    "  \"leader\": 3,\n"
			    "  \"isr\": [\n"
			    "    3,\n"
			    "    1\n"
			    "  ],\n"
			    "  \"cfg\": {\n"
			    "    \"ok\": true,\n"
			    "    \"n\": null\n"
			    "  },\n"
			    "  \"e\": {},\n"
			    "  \"a\": [],\n"
			    "  \"u\": 18446744073709551615,\n"
			    "  \"neg\": -9223372036854775808,\n"
			    "  \"p99\": 1.235\n"
			    "}");
	jsonw_reset(&w);
	jsonw_arr_begin(&w);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_obj_begin(&w);
	jsonw_kint(&w, "k", 1);
	jsonw_obj_end(&w);
	jsonw_arr_end(&w);
	assert_string_equal(w.buf, "[\n  {},\n  {\n    \"k\": 1\n  }\n]");
	jsonw_release(&w);
}

static void test_jsonw_escape(void **state)
{
	struct jsonw w;

	(void)state;
	jsonw_init(&w, false);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "q\"k", "a\"b\\c\n\t\x01\x1f/\x7f\xc3\xa9!");
	jsonw_kstr(&w, "", "");
	jsonw_obj_end(&w);
	assert_string_equal(w.buf, "{\"q\\\"k\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f/"
			    "\x7f\xc3\xa9!\",\"\":\"\"}");
	jsonw_release(&w);
}

static void test_jsonw_double(void **state)
{
	static const struct { double v; int d; const char *want; } c[] = {
		{ 1.5, 3, "1.500" },          { -0.0, 3, "0.000" },
		{ -0.0004, 3, "0.000" },      { -2.5e-7, 1, "0.0" },
		{ -0.0, 0, "0" },             { -0.4, 0, "0" },
		{ -1.75, 2, "-1.75" },        { -0.004, 2, "0.00" },
		{ 3.14159, 2, "3.14" },       { 1e20, 0, "100000000000000000000" },
		{ 7.6, -1, "8" },             { NAN, 3, "null" },
		{ INFINITY, 3, "null" },      { -INFINITY, 3, "null" },
		{ -12.0, 1, "-12.0" },        { 0.1, 20, "0.10000000000000001" }, /* capped at 17 */
	};
	struct jsonw w;
	char want[512] = "[";

	(void)state;
	jsonw_init(&w, false);
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		jsonw_double(&w, c[i].v, c[i].d);
		strcat(want, c[i].want);
		strcat(want, i + 1 < sizeof(c) / sizeof(c[0]) ? "," : "]");
	}
	jsonw_arr_end(&w);
	assert_string_equal(w.buf, want);
	jsonw_release(&w);
}

static void test_trace_lines(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct trace t;
	int ran = 0;

	(void)state;
	assert_non_null(f);
	trace_init(&t, f, TRACE_EVENTS);
	assert_true(trace_on(&t, TRACE_SUMMARY));
	assert_true(trace_on(&t, TRACE_EVENTS));
	assert_false(trace_on(&t, TRACE_DEBUG));
	TRACE_EV(&t, TRACE_DEBUG, 1, "hidden") ran = 1;
	assert_int_equal(ran, 0);
	TRACE_EV(&t, TRACE_EVENTS, 5, "leader.elected") {
		jsonw_kstr(trace_w(&t), "partition", "orders-0");
		jsonw_kint(trace_w(&t), "leader", 3);
		jsonw_key(trace_w(&t), "isr");
		jsonw_arr_begin(trace_w(&t));
		jsonw_int(trace_w(&t), 3);
		jsonw_arr_end(trace_w(&t));
		ran++;
	}
	assert_int_equal(ran, 1);
	trace_begin(&t, 7, "x");
	trace_end(&t);
	assert_int_equal(t.lines, 2);
	trace_release(&t);
	assert_string_equal(buf, "{\"t_ns\":5,\"type\":\"leader.elected\","
			    "\"partition\":\"orders-0\",\"leader\":3,\"isr\":[3]}\n"
			    "{\"t_ns\":7,\"type\":\"x\"}\n");
	fclose(f);
	free(buf);
}

static void test_trace_levels(void **state)
{
	struct trace t;
	enum trace_level l = TRACE_DEBUG;

	(void)state;
	trace_init(&t, NULL, TRACE_DEBUG); /* a sink that drops everything */
	assert_false(trace_on(&t, TRACE_SUMMARY));
	assert_false(trace_on(NULL, TRACE_SUMMARY));
	trace_begin(&t, 1, "dropped");
	trace_end(&t);
	assert_int_equal(t.lines, 0);
	trace_release(&t);
	assert_int_equal(trace_level_parse("summary", &l), 0);
	assert_int_equal(l, TRACE_SUMMARY);
	assert_int_equal(trace_level_parse("events", &l), 0);
	assert_int_equal(l, TRACE_EVENTS);
	assert_int_equal(trace_level_parse("debug", &l), 0);
	assert_int_equal(l, TRACE_DEBUG);
	assert_int_equal(trace_level_parse("verbose", &l), -1);
	assert_int_equal(trace_level_parse("Debug", &l), -1);
	assert_int_equal(trace_level_parse(NULL, &l), -1);
	assert_int_equal(l, TRACE_DEBUG);
	assert_string_equal(trace_level_name(TRACE_SUMMARY), "summary");
	assert_string_equal(trace_level_name(TRACE_EVENTS), "events");
	assert_string_equal(trace_level_name(TRACE_DEBUG), "debug");
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

static void slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_afile(void **state)
{
	char dir[] = "/tmp/kafkasim-afile-XXXXXX", path[64], tmp[80], got[64];
	struct afile a = AFILE_INIT;

	(void)state;
	afile_abort(&a); /* never opened: harmless */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.partial", path);
	/* commit: the partial while writing, the whole file after, no partial left */
	assert_int_equal(afile_open(&a, path), 0);
	for (int i = 0; i < 300000; i++) /* 3 MB: past the 1 MiB buffer */
		fputs("0123456789", a.f);
	assert_true(exists(tmp));
	assert_false(exists(path));
	assert_int_equal(afile_commit(&a), 0);
	assert_true(exists(path));
	assert_false(exists(tmp));
	afile_abort(&a); /* committed: harmless */
	/* a second commit replaces the file whole */
	assert_int_equal(afile_open(&a, path), 0);
	fputs("{\"v\":2}\n", a.f);
	assert_int_equal(afile_commit(&a), 0);
	slurp(path, got, sizeof(got));
	assert_string_equal(got, "{\"v\":2}\n");
	/* abort: the old file stays, no partial */
	assert_int_equal(afile_open(&a, path), 0);
	fputs("half", a.f);
	afile_abort(&a);
	assert_false(exists(tmp));
	slurp(path, got, sizeof(got));
	assert_string_equal(got, "{\"v\":2}\n");
	assert_int_equal(remove(path), 0);
	/* abort of a new file leaves nothing */
	assert_int_equal(afile_open(&a, path), 0);
	fputs("half", a.f);
	afile_abort(&a);
	assert_false(exists(path));
	assert_false(exists(tmp));
	/* a directory that is not there */
	snprintf(path, sizeof(path), "%s/no/such/out.json", dir);
	errno = 0;
	assert_int_equal(afile_open(&a, path), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(a.f);
	afile_abort(&a);
	assert_int_equal(afile_commit(&a), -1);
	assert_int_equal(rmdir(dir), 0); /* empty: nothing left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonw_compact),
		cmocka_unit_test(test_jsonw_pretty),
		cmocka_unit_test(test_jsonw_escape),
		cmocka_unit_test(test_jsonw_double),
		cmocka_unit_test(test_trace_lines),
		cmocka_unit_test(test_trace_levels),
		cmocka_unit_test(test_afile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
