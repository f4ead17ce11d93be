/*
 * plots.c - figures from metrics.csv through gnuplot, an external program found on PATH:
 * throughput, latency, consumer lag and replication health, each with every fault window
 * shaded and labelled. The script is kept beside the data (plots.gp) so a reader can
 * restyle and re-run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plots.h"

static const char *kind_name(enum ks_fault_kind k)
{
	static const char *const names[] = {
		"crash", "restart", "slow", "partition", "drop", "delay", "pause", "join",
		"leave", "reset", "add partitions", "shutdown",
	};
	return names[k];
}

static void shade_faults(const struct scenario *sc, FILE *f)
{
	double end = (double)sc->duration_ns / 1e9;
	for (int i = 0; i < sc->n_faults; i++) {
		const struct fault_cfg *ft = &sc->faults[i];
		double a = (double)ft->at_ns / 1e9;
		double b = ft->for_ns > 0 ? a + (double)ft->for_ns / 1e9 : a + end / 200;
		if (b > end)
			b = end;
		fprintf(f, "set object %d rect from %.3f, graph 0 to %.3f, graph 1 behind "
			   "fillcolor rgb '#f4cccc' fillstyle solid 0.5 noborder\n", i + 1, a, b);
		/* labels of nearby faults stagger downwards instead of overprinting */
		fprintf(f, "set label %d '%s' at %.3f, graph %.2f font ',8' textcolor rgb "
			   "'#990000'\n", i + 1, kind_name(ft->kind), a, 0.97 - 0.06 * (i % 5));
	}
}

static void header(const struct scenario *sc, FILE *f, const char *png, const char *title,
		   const char *ylabel)
{
	fprintf(f, "reset\nset terminal pngcairo size 1000,420 font ',10' noenhanced\nset output '%s'\n"
		   "set datafile separator ','\nset key autotitle columnhead outside right\n"
		   "set grid\nset xlabel 'simulated time (s)'\nset ylabel '%s'\n"
		   "set title '%s: %s'\nset xrange [0:%.3f]\n", png, ylabel, sc->name, title,
		(double)sc->duration_ns / 1e9);
	shade_faults(sc, f);
}

static void write_script(const struct scenario *sc, FILE *f)
{
	double iv = (double)sc->sample_interval_ns / 1e9;
	fprintf(f, "# kafkasim plots for %s; run: gnuplot plots.gp\n", sc->name);
	header(sc, f, "throughput.png", "throughput", "records/s");
	fprintf(f, "plot 'metrics.csv' using 1:($2/%g) with lines lw 2 title 'produced', "
		   "'' using 1:($3/%g) with lines lw 2 title 'acknowledged', "
		   "'' using 1:($4/%g) with lines lw 2 title 'consumed'\n", iv, iv, iv);
	header(sc, f, "latency.png", "latency per interval", "ms");
	fprintf(f, "set logscale y\nplot 'metrics.csv' using 1:($5>0?$5:1/0) with lines lw 2 "
		   "title 'produce p50', '' using 1:($6>0?$6:1/0) with lines lw 2 title "
		   "'produce p99', '' using 1:($7>0?$7:1/0) with lines lw 2 title 'end-to-end "
		   "p50', '' using 1:($8>0?$8:1/0) with lines lw 2 title 'end-to-end p99'\n"
		   "unset logscale y\n");
	header(sc, f, "replication.png", "replication health", "partitions");
	int parts = 0;
	for (int t = 0; t < sc->n_topics; t++)
		parts += sc->topics[t].partitions;
	fprintf(f, "set yrange [0:%d]\nplot 'metrics.csv' using 1:9 with steps lw 2 "
		   "title 'under-replicated', '' using 1:10 with steps lw 2 title 'offline'\n",
		parts + 1);
	if (sc->n_groups > 0) {
		header(sc, f, "lag.png", "consumer lag", "records");
		/* after column 10 each group has lag_<group>, status_<group> */
		fprintf(f, "plot for [i=11:%d:2] 'metrics.csv' using 1:i with lines lw 2\n",
			10 + 2 * sc->n_groups);
	}
}

int plots_draw(const struct scenario *sc, const char *dir, bool quiet)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plots.gp", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "kafkasim: warning: cannot write %s; no plots\n", path);
		return -1;
	}
	write_script(sc, f);
	if (fclose(f) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(127);
		execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "kafkasim: warning: gnuplot %s; plots not drawn (data files are "
				"written; install gnuplot-nox)\n",
			WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found" : "failed");
		return -1;
	}
	if (!quiet)
		printf("plots: %s/throughput.png latency.png replication.png%s\n", dir,
		       sc->n_groups ? " lag.png" : "");
	return 0;
}
