/*
 * rng.c - named random streams: one GSL generator per component, seeded from
 * (root seed, stream name), so adding a component never changes what another one draws.
 *
 * Seed derivation is a fixed function of the bytes, independent of platform:
 *     seed = splitmix64(fnv1a64(name) ^ splitmix64(root))
 * FNV-1a turns the name into 64 bits; mixing the root through splitmix64 first keeps
 * structured roots (0, 1, 2, ...) from cancelling structured name hashes; the outer
 * splitmix64 spreads every input bit over the result.
 *
 * Generator: MT19937, GSL's default (gsl_rng_mt19937), in a type of our own with the same
 * draws (rng_mt19937 below). It is well studied (period 2^19937 - 1,
 * 623-dimensional equidistribution), passes the usual batteries, and is fast enough that the
 * queue, not the generator, dominates the hot path. Its seed function uses only 32 bits of
 * the unsigned long it is given (and maps 0 to its default 4357), and unsigned long is 32
 * bits on some platforms anyway, so the 64-bit seed is folded to 32 bits (high xor low,
 * already well mixed) and a folded 0 is replaced by a fixed non-zero value. Two streams of
 * one run collide only with probability about k^2 / 2^33 for k streams.
 */
#include "rng.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

uint64_t rng_derive_seed(uint64_t root, const char *name)
{
	return splitmix64(fnv1a64(name ? name : "") ^ splitmix64(root));
}

static void rng__seed(gsl_rng *r, uint64_t root, const char *name)
{
	uint64_t seed = rng_derive_seed(root, name);
	uint32_t folded = (uint32_t)(seed ^ (seed >> 32));

	if (folded == 0)
		folded = UINT32_C(0x6b43a9b5);
	gsl_rng_set(r, (unsigned long)folded);
}

static gsl_rng *rng__new(uint64_t root, const char *name, const gsl_rng_type *type)
{
	gsl_rng *r = gsl_rng_alloc(type);

	SIM_ASSERT(r != NULL);
	rng__seed(r, root, name);
	return r;
}

/* ---- MT19937 (Matsumoto and Nishimura 1998) -------------------------------------------
 *
 * GSL's mt19937 keeps its 624 words as unsigned long (5 KB on LP64) and is reached through
 * a function pointer per draw. This one keeps them as uint32_t and tempers a whole block
 * at once, so that rng_u32 draws with a load; only the block step (every 624 draws) is a
 * call. Seeding is GSL's: seed 0 means 4357, then Knuth's multiplier fills the words. */
#define MT_M 397
#define MT_UPPER UINT32_C(0x80000000)
#define MT_LOWER UINT32_C(0x7fffffff)
#define MT_MATRIX UINT32_C(0x9908b0df)

static inline uint32_t mt_twist(uint32_t hi, uint32_t lo, uint32_t far)
{
	uint32_t y = (hi & MT_UPPER) | (lo & MT_LOWER);
	return far ^ (y >> 1) ^ (MT_MATRIX & (0u - (y & 1u)));
}

uint32_t rng__mt_block(struct rng_mt_state *s)
{
	uint32_t *mt = s->mt;
	int k = 0;

	for (; k < RNG_MT_N - MT_M; k++)
		mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M]);
	for (; k < RNG_MT_N - 1; k++)
		mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M - RNG_MT_N]);
	mt[RNG_MT_N - 1] = mt_twist(mt[RNG_MT_N - 1], mt[0], mt[MT_M - 1]);
	for (k = 0; k < RNG_MT_N; k++) { /* the tempering, lane by lane */
		uint32_t y = mt[k];
		y ^= y >> 11;
		y ^= (y << 7) & UINT32_C(0x9d2c5680);
		y ^= (y << 15) & UINT32_C(0xefc60000);
		s->out[k] = y ^ (y >> 18);
	}
	s->i = 1;
	return s->out[0];
}

static void mt_set(void *state, unsigned long seed)
{
	struct rng_mt_state *s = state;
	uint32_t x = seed ? (uint32_t)seed : 4357u;

	s->mt[0] = x;
	for (uint32_t k = 1; k < RNG_MT_N; k++) {
		x = UINT32_C(1812433253) * (x ^ (x >> 30)) + k;
		s->mt[k] = x;
	}
	s->i = RNG_MT_N;
}

static unsigned long mt_get(void *state)
{
	return rng__mt_next(state);
}

static double mt_get_double(void *state)
{
	return (double)mt_get(state) / 4294967296.0;
}

static const gsl_rng_type rng_mt19937_type = {
	"kafkasim-mt19937", 0xffffffffUL, 0, sizeof(struct rng_mt_state),
	mt_set, mt_get, mt_get_double
};
const gsl_rng_type *const rng_mt19937 = &rng_mt19937_type;

void rng_small_seed(struct rng_small_state *st, uint64_t root, const char *name)
{
	SIM_ASSERT(gsl_rng_taus2->size <= sizeof(st->bytes));
	gsl_rng r = rng_small_view(st);
	rng__seed(&r, root, name);
}

/* GSL's taus2 seeding (taus_set) lifts each of its three words above a floor (2, 8, 16),
 * so a seeded state's first word is never zero. */
bool rng_small_seeded(const struct rng_small_state *st)
{
	unsigned long s1;
	memcpy(&s1, st->bytes, sizeof(s1));
	return s1 != 0;
}

gsl_rng *rng_stream_new(uint64_t root, const char *name)
{
	return rng__new(root, name, rng_mt19937);
}

/* taus2 keeps 24 bytes of state against mt19937's 5 KB: for streams counted in thousands
 * (one per network link). Period 2^88, good equidistribution (L'Ecuyer 1996). */
gsl_rng *rng_stream_new_small(uint64_t root, const char *name)
{
	return rng__new(root, name, gsl_rng_taus2);
}

/* 64 uniform bits: two draws when the generator gives 32 bits per call (mt19937), 16-bit
 * chunks through gsl_rng_uniform_int otherwise. */
static uint64_t rng_bits64(gsl_rng *r)
{
	uint64_t x = 0;

	if (gsl_rng_min(r) == 0 && gsl_rng_max(r) == 0xffffffffUL) {
		x = (uint64_t)gsl_rng_get(r) << 32;
		return x | (uint64_t)gsl_rng_get(r);
	}
	for (int i = 0; i < 4; i++)
		x = x << 16 | (uint64_t)gsl_rng_uniform_int(r, 65536);
	return x;
}

uint64_t rng_below(gsl_rng *r, uint64_t n)
{
	/* gsl_rng_uniform_int is unbiased (it rejects) but accepts only n <= max - min. */
	uint64_t span = (uint64_t)(gsl_rng_max(r) - gsl_rng_min(r));
	uint64_t reject, x;

	SIM_ASSERT(n >= 1);
	if (n <= span && n <= (uint64_t)ULONG_MAX)
		return gsl_rng_uniform_int(r, (unsigned long)n);
	/* Reject the lowest 2^64 mod n values so that every residue is equally likely. */
	reject = (0 - n) % n;
	do
		x = rng_bits64(r);
	while (x < reject);
	return x % n;
}
