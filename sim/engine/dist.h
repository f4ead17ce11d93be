/*
 * dist.h - probability distributions through GSL, as written in scenarios:
 * { dist: lognormal, median: 2ms, p99: 20ms }. Values are plain doubles; for time
 * distributions the loader has already converted every value to nanoseconds.
 */
#ifndef SIM_ENGINE_DIST_H
#define SIM_ENGINE_DIST_H

#include <stdint.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim.h"

enum dist_kind {
	DIST_CONSTANT,    /* a = value */
	DIST_UNIFORM,     /* a = low, b = high */
	DIST_EXPONENTIAL, /* a = mean */
	DIST_NORMAL,      /* a = mean, b = standard deviation */
	DIST_LOGNORMAL,   /* a = mu, b = sigma (of the underlying normal) */
	DIST_GAMMA,       /* a = shape k, b = scale theta */
	DIST_PARETO,      /* a = shape alpha, b = scale x_m (minimum) */
};

struct dist {
	enum dist_kind kind;
	double a, b;
};

struct dist dist_constant(double v);
/* Lognormal whose median and 99th percentile are given (p99 > median > 0). */
int dist_lognormal_median_p99(double median, double p99, struct dist *out);

double dist_sample(const struct dist *d, gsl_rng *r);
/* A draw rounded to integer nanoseconds and clamped to >= 0. */
sim_time_ns dist_sample_ns(const struct dist *d, gsl_rng *r);
/* The sum of n independent draws, drawn once: exact for constant (n*v), exponential
 * (gamma(n, mean)), gamma (gamma(n*k, theta)) and normal; by summing when n <= 16; by the
 * normal approximation with the exact mean and variance above that (uniform, clamped to
 * [n*low, n*high]; lognormal and pareto use a gamma with the exact mean and variance, which
 * stays positive; pareto with alpha <= 2, infinite variance, is summed draw by draw). */
double dist_sample_sum(const struct dist *d, uint64_t n, gsl_rng *r);
double dist_mean(const struct dist *d);
double dist_variance(const struct dist *d); /* INFINITY where undefined (pareto alpha<=2) */
const char *dist_kind_name(enum dist_kind k);

/* Zipf-like popularity over keys 0..n-1: P(k) proportional to 1/(k+1)^s. */
struct zipf {
	gsl_ran_discrete_t *table;
	uint32_t n;
};
int zipf_init(struct zipf *z, uint32_t n, double s);
/* The unnormalised weight of key k: 1/(k+1)^s. */
double zipf_weight(uint32_t k, double s);
void zipf_release(struct zipf *z);
uint32_t zipf_sample(const struct zipf *z, gsl_rng *r);

#endif
