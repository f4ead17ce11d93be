/*
 * rng.h - named random streams. One root seed; each component draws from its own GSL
 * generator seeded from (root seed, stream name), so adding a component never changes what
 * another one draws (common random numbers across configurations).
 */
#ifndef SIM_ENGINE_RNG_H
#define SIM_ENGINE_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

/* The 64-bit seed of stream `name` under `root`: a fixed hash, independent of platform. */
uint64_t rng_derive_seed(uint64_t root, const char *name);
/* A new generator for stream `name`; free it with gsl_rng_free(). Never returns NULL
 * (allocation failure aborts). */
gsl_rng *rng_stream_new(uint64_t root, const char *name);
/* The same with a small-state generator (taus2), for streams counted in thousands. */
gsl_rng *rng_stream_new_small(uint64_t root, const char *name);
/* Bytes a small stream made in place takes (a multiple of 16). */
size_t rng_small_bytes(void);
/* The small stream `name` made in mem (rng_small_bytes() bytes, 16-aligned): the generator
 * and its state side by side, one cache line, no allocation. Never gsl_rng_free() it. The
 * draws are those of rng_stream_new_small(root, name). */
gsl_rng *rng_stream_place_small(void *mem, uint64_t root, const char *name);
/* Uniform integer in [0, n), n >= 1. */
uint64_t rng_below(gsl_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_unit(gsl_rng *r);

#endif
