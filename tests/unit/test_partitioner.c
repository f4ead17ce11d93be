/*
 * test_partitioner.c - models/partitioner.c against Kafka's own numbers and behaviour.
 *
 * murmur2 is checked against every vector of Kafka's UtilsTest.testMurmur2 (signed int32) and
 * librdkafka's unittest_murmur2 (unsigned hex). Keyed partitions are derived by hand from those
 * vectors; the two non-ASCII keys were computed from the documented algorithm and confirmed
 * with a Java int implementation over String.getBytes(UTF_8). The null-key flavours are driven
 * the way the producer drives them (see partitioner.h), partly with a scripted generator so
 * that Java's "random % size, then binary search" mapping is checked draw by draw.
 */
#include "testutil.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "cmd_partition.h"
#include "partitioner.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int32_t m2(const char *s)
{
	return part_murmur2((const uint8_t *)s, strlen(s));
}

static gsl_rng *rng_seeded(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, seed);
	return r;
}

/* ---- a generator that returns scripted 32-bit values --------------------------------- */

static unsigned long script_vals[16];
static size_t script_n, script_pos;

static void script_set(void *state, unsigned long seed)
{
	(void)state;
	(void)seed;
}

static unsigned long script_get(void *state)
{
	(void)state;
	return script_vals[script_pos++ % script_n];
}

static double script_get_double(void *state)
{
	return (double)script_get(state) / 4294967296.0;
}

static const gsl_rng_type script_type = {
	"script", 0xffffffffUL, 0, sizeof(int), script_set, script_get, script_get_double
};

static gsl_rng *rng_script(const unsigned long *vals, size_t n)
{
	memcpy(script_vals, vals, n * sizeof(vals[0]));
	script_n = n;
	script_pos = 0;
	return gsl_rng_alloc(&script_type);
}

/* ---- keyed --------------------------------------------------------------------------- */

static void test_murmur2_kafka_utils_test(void **state)
{
	/* clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2 */
	static const uint8_t abc[] = { 'a', 'b', 'c' };

	(void)state;
	assert_int_equal(m2("21"), -973932308);
	assert_int_equal(m2("foobar"), -790332482);
	assert_int_equal(m2("a-little-bit-long-string"), -985981536);
	assert_int_equal(m2("a-little-bit-longer-string"), -1486304829);
	assert_int_equal(m2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
	assert_int_equal(part_murmur2(abc, sizeof(abc)), 479470107);
}

static void test_murmur2_librdkafka(void **state)
{
	/* librdkafka src/rdmurmur2.c, unittest_murmur2: the results as unsigned 32-bit values,
	 * including unaligned suffixes and the empty key. */
	static const char *shrt = "1234", *unal = "PreAmbleWillBeRemoved,ThePrePartThatIs";
	const struct {
		const char *key;
		uint32_t want;
	} v[] = {
		{ "kafka", 0xd067cf64u },    { "giberish123456789", 0x8f552b0cu },
		{ shrt, 0x9fc97b14u },       { shrt + 1, 0xe7c009cau },
		{ shrt + 2, 0x873930dau },   { shrt + 3, 0x5a4b5ca1u },
		{ unal, 0x78424f1cu },       { unal + 1, 0x4a62b377u },
		{ unal + 2, 0xe0e4e09eu },   { unal + 3, 0x62b8b43fu },
		{ "", 0x106e08d9u },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(v); i++)
		assert_int_equal((uint32_t)m2(v[i].key), v[i].want);
	/* librdkafka's NULL key: zero bytes, same as "" */
	assert_int_equal((uint32_t)part_murmur2(NULL, 0), 0x106e08d9u);
}

static void test_to_positive(void **state)
{
	(void)state;
	assert_int_equal(part_to_positive(INT32_MIN), 0);
	assert_int_equal(part_to_positive(-1), 0x7fffffff);
	assert_int_equal(part_to_positive(0), 0);
	assert_int_equal(part_to_positive(INT32_MAX), INT32_MAX);
	assert_int_equal(part_to_positive(-2), 0x7ffffffe);
	/* not abs(): abs(-973932308) would be 973932308 */
	assert_int_equal(part_to_positive(-973932308), 1173551340);
}

static int pfk(const char *key, int n)
{
	return part_for_key(key, strlen(key), n);
}

static void test_part_for_key(void **state)
{
	(void)state;
	/* "21": toPositive(-973932308) = 2^31 - 973932308 = 1173551340 = 6 * 195591890 -> 0 */
	assert_int_equal(pfk("21", 6), 0);
	/* 1173551340 = 7 * 167650191 + 3 */
	assert_int_equal(pfk("21", 7), 3);
	/* "foobar": 2^31 - 790332482 = 1357151166 = 12 * 113095930 + 6; = 50 * 27143023 + 16 */
	assert_int_equal(pfk("foobar", 12), 6);
	assert_int_equal(pfk("foobar", 50), 16);
	/* "a-little-bit-longer-string": 2^31 - 1486304829 = 661178819 = 6 * 110196469 + 5 */
	assert_int_equal(pfk("a-little-bit-longer-string", 6), 5);
	/* "abc": positive already, 479470107 = 7 * 68495729 + 4 */
	assert_int_equal(pfk("abc", 7), 4);
	/* "kafka": 0xd067cf64 & 0x7fffffff = 1348980580 = 12 * 112415048 + 4 */
	assert_int_equal(pfk("kafka", 12), 4);
	/* the empty key is a key: 0x106e08d9 = 275646681 = 12 * 22970556 + 9 */
	assert_int_equal(pfk("", 12), 9);
	assert_int_equal(pfk("anything", 1), 0);
	/* Non-ASCII, UTF-8 bytes: "café" = 63 61 66 c3 a9 -> murmur2 -1358007374,
	 * toPositive 789476274 = 12 * 65789689 + 6 */
	assert_int_equal(m2("caf\xc3\xa9"), -1358007374);
	assert_int_equal(pfk("caf\xc3\xa9", 12), 6);
	/* Korean "concert", U+CF58 U+C11C U+D2B8 = ec bd 98 ec 84 9c ed 8a b8 -> -1815358379,
	 * toPositive 332125269 = 6 * 55354211 + 3 */
	assert_int_equal(m2("\xec\xbd\x98\xec\x84\x9c\xed\x8a\xb8"), -1815358379);
	assert_int_equal(pfk("\xec\xbd\x98\xec\x84\x9c\xed\x8a\xb8", 6), 3);
	/* embedded NUL: the length counts, not the terminator */
	assert_int_not_equal(part_murmur2((const uint8_t *)"a\0b", 3), m2("a"));
}

static void test_part_key_name(void **state)
{
	char buf[24];

	(void)state;
	assert_int_equal(part_key_name(0, buf), 5);
	assert_string_equal(buf, "key-0");
	assert_int_equal(part_key_name(42, buf), 6);
	assert_string_equal(buf, "key-42");
	assert_int_equal(part_key_name(UINT32_MAX, buf), 14);
	assert_string_equal(buf, "key-4294967295");
	for (uint32_t k = 0; k < 200000; k += 7) { /* the same text as printf's, every width */
		char want[24];
		int n = snprintf(want, sizeof(want), "key-%" PRIu32, k);
		assert_int_equal(part_key_name(k, buf), n);
		assert_string_equal(buf, want);
	}
	/* values confirmed with a Java int implementation (see the file header) */
	part_key_name(42, buf);
	assert_int_equal(m2(buf), -187086521);
	assert_int_equal(part_for_key(buf, 6, 12), 3);
	part_key_name(1, buf);
	assert_int_equal(m2(buf), 193331640);
}

/* ---- KIP-794 BuiltInPartitioner ------------------------------------------------------ */

static void test_kip794_sticks_until_batch_size(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(1);
	int p, i, round;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 6, 1000, false);
	assert_false(part_sticky_aborts_on_new_batch(&s));
	p = part_sticky_partition(&s, NULL, r);
	assert_true(p >= 0 && p < 6);
	for (round = 0; round < 50; round++) {
		/* nine 100-byte records stay; the tenth reaches batch.size and switches */
		for (i = 0; i < 9; i++) {
			assert_int_equal(part_sticky_partition(&s, NULL, r), p);
			part_sticky_appended(&s, p, 100, true, NULL, r);
			assert_int_equal(s.current, p);
		}
		assert_int_equal(s.produced_bytes, 900);
		assert_int_equal(part_sticky_partition(&s, NULL, r), p);
		part_sticky_appended(&s, p, 100, true, NULL, r);
		assert_int_equal(s.produced_bytes, 0);
		assert_int_equal(s.switches, (uint64_t)round + 2);
		p = part_sticky_partition(&s, NULL, r);
	}
	part_sticky_release(&s);
	gsl_rng_free(r);
}

static void test_kip794_waits_for_full_batches_then_2x(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(2);
	int p, i;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 6, 1000, false);
	p = part_sticky_partition(&s, NULL, r);
	/* batch not full: no switch at batch.size, nor just under 2 * batch.size */
	for (i = 0; i < 19; i++)
		part_sticky_appended(&s, p, 100, false, NULL, r);
	assert_int_equal(s.switches, 1);
	assert_int_equal(s.produced_bytes, 1900);
	/* 2000 >= 2 * batch.size: unconditional */
	part_sticky_appended(&s, p, 100, false, NULL, r);
	assert_int_equal(s.switches, 2);
	assert_int_equal(s.produced_bytes, 0);
	/* past batch.size with an open batch, then a full one: switch on that record */
	p = part_sticky_partition(&s, NULL, r);
	for (i = 0; i < 12; i++)
		part_sticky_appended(&s, p, 100, false, NULL, r);
	assert_int_equal(s.switches, 2);
	part_sticky_appended(&s, p, 100, true, NULL, r);
	assert_int_equal(s.switches, 3);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* Kafka's nextPartition does not exclude the partition being left: with 4 partitions and no
 * load stats a quarter of the switches land where they were. */
static void test_kip794_switch_may_repeat_partition(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(3);
	int i, same = 0, n = 40000;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 4, 100, false);
	for (i = 0; i < n; i++) {
		int p = part_sticky_partition(&s, NULL, r);

		part_sticky_appended(&s, p, 100, true, NULL, r);
		same += s.current == p;
	}
	assert_near((double)same / n, 0.25, 0.015);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

static void test_kip794_uniform_over_available(void **state)
{
	const bool avail[6] = { false, true, false, true, false, true };
	const bool none[6] = { false };
	struct part_sticky s;
	gsl_rng *r = rng_seeded(4);
	int i, count[6] = { 0 };

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 6, 10, true);
	for (i = 0; i < 30000; i++) {
		int p = part_sticky_partition(&s, avail, r);

		count[p]++;
		part_sticky_appended(&s, p, 10, true, avail, r);
	}
	assert_int_equal(count[0] + count[2] + count[4], 0);
	for (i = 1; i < 6; i += 2)
		assert_near(count[i] / 30000.0, 1.0 / 3, 0.02);
	/* no partition has a leader: any partition (random % all) */
	memset(count, 0, sizeof(count));
	for (i = 0; i < 6000; i++) {
		int p = part_sticky_partition(&s, none, r);

		count[p]++;
		part_sticky_appended(&s, p, 10, true, none, r);
	}
	for (i = 0; i < 6; i++)
		assert_true(count[i] > 800);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

static void test_kip794_load_stats_table(void **state)
{
	const int q[5] = { 5, 0, 3, 0, 1 }, eq[5] = { 2, 2, 2, 2, 2 };
	const int unseen[5] = { 5, 0, -1, 0, 1 };
	const bool no1[5] = { true, false, true, true, true };
	struct part_sticky s;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 5, 16384, true);
	/* weights (5 + 1) - q = {1,6,3,6,5}, cumulative {1,7,10,16,21} */
	part_sticky_load_stats(&s, q, NULL);
	assert_int_equal(s.cft_len, 5);
	assert_int_equal(s.cft[0], 1);
	assert_int_equal(s.cft[1], 7);
	assert_int_equal(s.cft[2], 10);
	assert_int_equal(s.cft[3], 16);
	assert_int_equal(s.cft[4], 21);
	/* partition 1 leaderless: excluded, ids {0,2,3,4}, weights {1,3,6,5} */
	part_sticky_load_stats(&s, q, no1);
	assert_int_equal(s.cft_len, 4);
	assert_int_equal(s.cft_ids[1], 2);
	assert_int_equal(s.cft[3], 15);
	/* equal queues over all partitions: uniform; with one excluded: an equal-weight table */
	part_sticky_load_stats(&s, eq, NULL);
	assert_int_equal(s.cft_len, 0);
	part_sticky_load_stats(&s, eq, no1);
	assert_int_equal(s.cft_len, 4);
	assert_int_equal(s.cft[3], 4);
	/* a partition without a queue yet: Kafka stays uniform */
	part_sticky_load_stats(&s, unseen, NULL);
	assert_int_equal(s.cft_len, 0);
	part_sticky_release(&s);
	/* adaptive off, or not the built-in partitioner: no table */
	part_sticky_init(&s, PART_DEFAULT, 5, 16384, false);
	part_sticky_load_stats(&s, q, NULL);
	assert_int_equal(s.cft_len, 0);
	part_sticky_release(&s);
	part_sticky_init(&s, PART_STICKY_KIP480, 5, 16384, true);
	part_sticky_load_stats(&s, q, NULL);
	assert_int_equal(s.cft_len, 0);
	part_sticky_release(&s);
}

/* BuiltInPartitioner's own example: queues {0,3,1} -> CFT {4,5,8}; random % 8 in 0..3 ->
 * partition 0, 4 -> 1, 5..7 -> 2. The scripted values go through toPositive first. */
static void test_kip794_draw_mapping(void **state)
{
	static const unsigned long vals[] = { 0, 3, 4, 5, 7, 8, 12, 0x80000004UL, 0xffffffffUL };
	static const int want[] = { 0, 0, 1, 2, 2, 0, 1, 1, 2 };
	const int q[3] = { 0, 3, 1 };
	struct part_sticky s;
	gsl_rng *r = rng_script(vals, N_ELEMS(vals));
	size_t i;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 3, 1, true);
	part_sticky_load_stats(&s, q, NULL);
	assert_int_equal(s.cft[2], 8);
	for (i = 0; i < N_ELEMS(vals); i++) {
		s.current = -1; /* force a draw */
		assert_int_equal(part_sticky_partition(&s, NULL, r), want[i]);
	}
	/* without stats: random % (partitions with a leader), in ascending id order */
	part_sticky_release(&s);
	part_sticky_init(&s, PART_DEFAULT, 3, 1, false);
	{
		const bool avail[3] = { true, false, true };
		static const unsigned long u[] = { 0, 1, 2, 3 };

		gsl_rng_free(r);
		r = rng_script(u, N_ELEMS(u));
		for (i = 0; i < 4; i++) {
			s.current = -1;
			assert_int_equal(part_sticky_partition(&s, avail, r), i % 2 ? 2 : 0);
		}
	}
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* Queues {5,0,3,0,1}: switches land with probability {1,6,3,6,5}/21. */
static void test_kip794_adaptive_weights(void **state)
{
	const int q[5] = { 5, 0, 3, 0, 1 };
	const double w[5] = { 1, 6, 3, 6, 5 };
	struct part_sticky s;
	gsl_rng *r = rng_seeded(5);
	int i, n = 210000, count[5] = { 0 };
	double chi2 = 0;

	(void)state;
	part_sticky_init(&s, PART_DEFAULT, 5, 100, true);
	part_sticky_load_stats(&s, q, NULL);
	part_sticky_partition(&s, NULL, r);
	for (i = 0; i < n; i++) {
		part_sticky_appended(&s, s.current, 100, true, NULL, r);
		count[s.current]++;
	}
	for (i = 0; i < 5; i++) {
		double e = n * w[i] / 21.0;

		chi2 += (count[i] - e) * (count[i] - e) / e;
	}
	/* 4 degrees of freedom: P(chi2 > 18.47) = 0.001 */
	if (chi2 > 18.47)
		fail_msg("chi2 %.2f for counts %d %d %d %d %d", chi2, count[0], count[1], count[2],
			 count[3], count[4]);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* ---- KIP-480 StickyPartitionCache ---------------------------------------------------- */

static void test_kip480_switches_on_new_batch(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(6);
	int i, p, count[4] = { 0 };

	(void)state;
	part_sticky_init(&s, PART_STICKY_KIP480, 4, 16384, true);
	assert_true(part_sticky_aborts_on_new_batch(&s));
	p = part_sticky_partition(&s, NULL, r);
	/* sticky while no new batch is needed */
	for (i = 0; i < 100; i++)
		assert_int_equal(part_sticky_partition(&s, NULL, r), p);
	/* a new batch on the sticky partition: always a different one */
	for (i = 0; i < 40000; i++) {
		int q;

		part_sticky_on_new_batch(&s, p, NULL, r);
		q = part_sticky_partition(&s, NULL, r);
		assert_int_not_equal(q, p);
		count[q]++;
		p = q;
	}
	for (i = 0; i < 4; i++)
		assert_near(count[i] / 40000.0, 0.25, 0.015);
	/* a new batch on another partition (a keyed record's): the sticky one stays */
	part_sticky_on_new_batch(&s, (p + 1) % 4, NULL, r);
	assert_int_equal(part_sticky_partition(&s, NULL, r), p);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

static void test_kip480_availability(void **state)
{
	const bool one[4] = { false, false, true, false };
	const bool two[4] = { true, false, false, true };
	struct part_sticky s;
	gsl_rng *r = rng_seeded(7);
	int i, p;

	(void)state;
	part_sticky_init(&s, PART_STICKY_KIP480, 4, 16384, false);
	/* one partition with a leader: it, even if that is the old one */
	for (i = 0; i < 5; i++) {
		part_sticky_on_new_batch(&s, part_sticky_partition(&s, one, r), one, r);
		assert_int_equal(part_sticky_partition(&s, one, r), 2);
	}
	/* two: the old partition (2) is not among them, so either; from then on they
	 * alternate, as the new one must differ from the old */
	p = part_sticky_partition(&s, two, r);
	assert_int_equal(p, 2);
	part_sticky_on_new_batch(&s, p, two, r);
	p = part_sticky_partition(&s, two, r);
	assert_true(p == 0 || p == 3);
	for (i = 0; i < 20; i++) {
		int prev = p;

		part_sticky_on_new_batch(&s, p, two, r);
		p = part_sticky_partition(&s, two, r);
		assert_int_equal(p, prev == 0 ? 3 : 0);
	}
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* ---- RoundRobinPartitioner ----------------------------------------------------------- */

static void test_round_robin_record_by_record(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(8);
	int i;

	(void)state;
	part_sticky_init(&s, PART_ROUND_ROBIN, 4, 16384, true);
	assert_true(part_sticky_aborts_on_new_batch(&s));
	for (i = 0; i < 12; i++)
		assert_int_equal(part_sticky_partition(&s, NULL, r), i % 4);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* Every record needs a new batch (say linger.ms=0 at a low rate): partition() runs twice per
 * record, so with 4 partitions only 1 and 3 receive records (KAFKA-16283). */
static void test_round_robin_new_batch_quirk(void **state)
{
	struct part_sticky s;
	gsl_rng *r = rng_seeded(9);
	int i, p;

	(void)state;
	part_sticky_init(&s, PART_ROUND_ROBIN, 4, 16384, true);
	for (i = 0; i < 8; i++) {
		p = part_sticky_partition(&s, NULL, r);
		assert_int_equal(p, (2 * i) % 4);
		part_sticky_on_new_batch(&s, p, NULL, r);
		p = part_sticky_partition(&s, NULL, r);
		assert_int_equal(p, i % 2 ? 3 : 1);
	}
	assert_int_equal(s.rr_counter, 16);
	part_sticky_release(&s);
	/* after KAFKA-17632: the second call returns the first choice */
	part_sticky_init(&s, PART_ROUND_ROBIN, 4, 16384, true);
	s.rr_reuse_on_new_batch = true;
	for (i = 0; i < 8; i++) {
		p = part_sticky_partition(&s, NULL, r);
		part_sticky_on_new_batch(&s, p, NULL, r);
		assert_int_equal(part_sticky_partition(&s, NULL, r), i % 4);
	}
	assert_int_equal(s.rr_counter, 8);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

static void test_round_robin_available_wrap_grow(void **state)
{
	const bool avail[4] = { true, false, true, true };
	const int order[3] = { 0, 2, 3 };
	struct part_sticky s;
	gsl_rng *r = rng_seeded(10);
	int i;

	(void)state;
	part_sticky_init(&s, PART_ROUND_ROBIN, 4, 16384, false);
	/* available list [0, 2, 3] */
	for (i = 0; i < 6; i++)
		assert_int_equal(part_sticky_partition(&s, avail, r), order[i % 3]);
	/* Java's int counter wraps: toPositive(INT_MAX) % 4 = 3; after growing to 6
	 * partitions toPositive(INT_MAX) % 6 = 1, then toPositive(INT_MIN) = 0 and
	 * toPositive(INT_MIN + 1) = 1 */
	s.rr_counter = 0x7fffffffu;
	assert_int_equal(part_sticky_partition(&s, NULL, r) % 4, 2147483647 % 4);
	s.rr_counter = 0x7fffffffu;
	part_sticky_grow(&s, 3 + 3);
	assert_int_equal(part_sticky_partition(&s, NULL, r), 2147483647 % 6);
	assert_int_equal(part_sticky_partition(&s, NULL, r), 0);
	assert_int_equal(part_sticky_partition(&s, NULL, r), 1);
	assert_int_equal(s.n_partitions, 6);
	part_sticky_release(&s);
	gsl_rng_free(r);
}

/* ---- kafkasim partition -------------------------------------------------------------- */

static char cli_out[4096], cli_err[4096];

static void slurp(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Runs cmd_partition on a NULL-terminated argument list, capturing stdout and stderr. */
static int run_cli(char **argv)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, rc, saved_out, saved_err;

	assert_non_null(out);
	assert_non_null(err);
	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rc = cmd_partition(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, cli_out, sizeof(cli_out));
	slurp(err, cli_err, sizeof(cli_err));
	return rc;
}

#define CLI(...) run_cli((char *[]){ "partition", __VA_ARGS__, NULL })

static void test_cmd_partition(void **state)
{
	(void)state;
	assert_int_equal(CLI("--partitions", "6", "21", "a-little-bit-longer-string"), 0);
	assert_string_equal(cli_out, "21\t0\na-little-bit-longer-string\t5\n");
	assert_string_equal(cli_err, "");
	/* options after keys, --opt=value, --hash, the empty key, UTF-8 */
	assert_int_equal(CLI("foobar", "", "caf\xc3\xa9", "--hash", "--partitions=12"), 0);
	assert_string_equal(cli_out, "foobar\t-790332482\t6\n\t275646681\t9\n"
				     "caf\xc3\xa9\t-1358007374\t6\n");
	/* -- ends options */
	assert_int_equal(CLI("-p", "1", "--", "--hash", "-x"), 0);
	assert_string_equal(cli_out, "--hash\t0\n-x\t0\n");
	assert_int_equal(CLI("--help"), 0);
	assert_non_null(strstr(cli_out, "usage: kafkasim partition"));
	/* bad usage: exit 2, "kafkasim partition: " on stderr, nothing on stdout */
	assert_int_equal(CLI("key"), 2);
	assert_non_null(strstr(cli_err, "kafkasim partition: missing --partitions"));
	assert_int_equal(CLI("--partitions", "0", "key"), 2);
	assert_int_equal(CLI("--partitions", "1000001", "key"), 2);
	assert_int_equal(CLI("--partitions", "6x", "key"), 2);
	assert_int_equal(CLI("--partitions", "-3", "key"), 2);
	assert_int_equal(CLI("--partitions", " 6", "key"), 2);
	assert_non_null(strstr(cli_err, "1..1000000"));
	assert_int_equal(CLI("--partitions", "1000000", "key"), 0);
	assert_int_equal(CLI("--partitions", "6"), 2);
	assert_non_null(strstr(cli_err, "kafkasim partition: no keys given"));
	assert_int_equal(CLI("--partitions"), 2);
	assert_int_equal(CLI("--bogus", "-p", "6", "k"), 2);
	assert_non_null(strstr(cli_err, "kafkasim partition: unknown option '--bogus'"));
	assert_string_equal(cli_out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur2_kafka_utils_test),
		cmocka_unit_test(test_murmur2_librdkafka),
		cmocka_unit_test(test_to_positive),
		cmocka_unit_test(test_part_for_key),
		cmocka_unit_test(test_part_key_name),
		cmocka_unit_test(test_kip794_sticks_until_batch_size),
		cmocka_unit_test(test_kip794_waits_for_full_batches_then_2x),
		cmocka_unit_test(test_kip794_switch_may_repeat_partition),
		cmocka_unit_test(test_kip794_uniform_over_available),
		cmocka_unit_test(test_kip794_load_stats_table),
		cmocka_unit_test(test_kip794_draw_mapping),
		cmocka_unit_test(test_kip794_adaptive_weights),
		cmocka_unit_test(test_kip480_switches_on_new_batch),
		cmocka_unit_test(test_kip480_availability),
		cmocka_unit_test(test_round_robin_record_by_record),
		cmocka_unit_test(test_round_robin_new_batch_quirk),
		cmocka_unit_test(test_round_robin_available_wrap_grow),
		cmocka_unit_test(test_cmd_partition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
