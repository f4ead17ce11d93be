/*
 * zexp.h - fast standard exponential draws (mean 1) by the ziggurat method.
 */
#ifndef SIM_ENGINE_ZEXP_H
#define SIM_ENGINE_ZEXP_H

#include <gsl/gsl_rng.h>

/* One draw from Exp(1). Needs a generator giving at least 32 random bits (mt19937, taus2). */
double zexp_draw(gsl_rng *r);

#endif
