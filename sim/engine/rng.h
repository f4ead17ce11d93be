/*
 * rng.h - named random streams. One root seed; each component draws from its own GSL
 * generator seeded from (root seed, stream name), so adding a component never changes what
 * another one draws (common random numbers across configurations).
 */
#ifndef SIM_ENGINE_RNG_H
#define SIM_ENGINE_RNG_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* The 64-bit seed of stream `name` under `root`: a fixed hash, independent of platform. */
uint64_t rng_derive_seed(uint64_t root, const char *name);
/* A new generator for stream `name`; free it with gsl_rng_free(). Never returns NULL
 * (allocation failure aborts). */
gsl_rng *rng_stream_new(uint64_t root, const char *name);
/* The same with a small-state generator (taus2), for streams counted in thousands. */
gsl_rng *rng_stream_new_small(uint64_t root, const char *name);
/* A small stream's state held by its user (24 bytes: a network link keeps it beside its
 * other fields, one cache line for both, no pointer to follow). All zero until seeded. */
struct rng_small_state {
	_Alignas(8) unsigned char bytes[24];
};
/* Seed st as stream `name`: its draws are those of rng_stream_new_small(root, name). */
void rng_small_seed(struct rng_small_state *st, uint64_t root, const char *name);
/* Has st been seeded? (taus2 seeding never leaves its first word zero) */
bool rng_small_seeded(const struct rng_small_state *st);
/* A generator drawing from st, for any GSL function: build it where it is used; it owns
 * nothing (never gsl_rng_free() it). */
static inline gsl_rng rng_small_view(struct rng_small_state *st)
{
	return (gsl_rng){ gsl_rng_taus2, st->bytes };
}
/* The generator of rng_stream_new: MT19937 with the draws of GSL's gsl_rng_mt19937 (same
 * seeding, same outputs; tests/unit/test_rng.c compares them), with its 624 words kept as
 * 32-bit values, each block's outputs tempered together when the block is made (a loop
 * the compiler vectorizes), and a draw the hot paths can inline (rng_u32): a load. Any GSL
 * function takes it. */
extern const gsl_rng_type *const rng_mt19937;

#define RNG_MT_N 624
struct rng_mt_state {
	uint32_t i;              /* next draw in out; RNG_MT_N: make the next block */
	uint32_t mt[RNG_MT_N];   /* the generator's words */
	uint32_t out[RNG_MT_N];  /* the block's draws: its words tempered */
};
uint32_t rng__mt_block(struct rng_mt_state *s); /* make the next block, draw its first */

/* The next draw of an rng_mt19937 state. */
static inline uint32_t rng__mt_next(struct rng_mt_state *s)
{
	return s->i < RNG_MT_N ? s->out[s->i++] : rng__mt_block(s);
}

/* GSL's taus2 state: L'Ecuyer's maximally equidistributed combination of three Tausworthe
 * generators (Math. Comp. 65, 1996), each word holding 32 bits in an unsigned long. */
struct rng__taus {
	unsigned long s[3];
};

/* One Tausworthe step of a word: parameters (q, s, mask of the k bits kept) per word. */
static inline unsigned long rng__taus_step(unsigned long z, unsigned q, unsigned s,
					   unsigned long keep, unsigned shift)
{
	const unsigned long m32 = 0xffffffffUL;
	return (((z & keep) << shift) & m32) ^ ((((z << q) & m32) ^ z) >> s);
}

/* The next draw of a taus2 state: gsl_rng_get's value (tests/unit/test_rng.c compares). */
static inline uint32_t rng__taus_next(struct rng__taus *t)
{
	t->s[0] = rng__taus_step(t->s[0], 13, 19, 4294967294UL, 12);
	t->s[1] = rng__taus_step(t->s[1], 2, 25, 4294967288UL, 4);
	t->s[2] = rng__taus_step(t->s[2], 3, 11, 4294967280UL, 17);
	return (uint32_t)(t->s[0] ^ t->s[1] ^ t->s[2]);
}

/* gsl_rng_get for a generator giving 32 bits from 0 (mt19937, taus2), inline for those two
 * (a link's latency is drawn from a taus2 stream on every message). */
static inline uint32_t rng_u32(const gsl_rng *r)
{
	if (r->type == rng_mt19937)
		return rng__mt_next(r->state);
	if (r->type == gsl_rng_taus2)
		return rng__taus_next(r->state);
	return (uint32_t)gsl_rng_get(r);
}

/* Uniform double in [0, 1): gsl_rng_uniform, the same value, inline for rng_mt19937 and
 * taus2 (both divide their 32 bits by 2^32). */
static inline double rng_unit(const gsl_rng *r)
{
	return r->type == rng_mt19937 || r->type == gsl_rng_taus2 ? rng_u32(r) / 4294967296.0 :
								    gsl_rng_uniform(r);
}

/* gsl_ran_discrete with the draw above: the same index for the same generator state
 * (Walker's alias table as GSL builds it: one uniform picks a column c = floor(u K), kept
 * when u < F[c], else its alias A[c]). rng_discrete_pick: the index for uniform u. */
static inline size_t rng_discrete_pick(const gsl_ran_discrete_t *g, double u)
{
	size_t c = (size_t)(int64_t)(u * (double)g->K); /* via int64: one conversion instruction */
	size_t alias = g->A[c]; /* read either way, so the pick is a select, not a branch */
	return u < g->F[c] ? c : alias; /* F[c] == 1 keeps c: u < 1 */
}
static inline size_t rng_discrete(const gsl_rng *r, const gsl_ran_discrete_t *g)
{
	return rng_discrete_pick(g, rng_unit(r));
}

/* Uniform integer in [0, n), n >= 1. */
uint64_t rng_below(gsl_rng *r, uint64_t n);

#endif
