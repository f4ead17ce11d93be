/*
 * plots.h - gnuplot figures of a run's metrics.csv, with fault windows shaded.
 */
#ifndef SIM_PLOTS_H
#define SIM_PLOTS_H

#include <stdbool.h>

#include "config.h"

/* Write DIR/plots.gp and run gnuplot on it in DIR. Returns 0 when the PNGs were drawn;
 * without gnuplot on PATH, warns on stderr and returns -1 (the data files stay). */
int plots_draw(const struct scenario *sc, const char *dir, bool quiet);

#endif
