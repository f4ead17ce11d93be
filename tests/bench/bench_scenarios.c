/*
 * bench_scenarios.c - `make bench`: runs scenarios without writing outputs and reports
 * simulated seconds per wall second, events per second and peak memory. Each run is its
 * own child process, so its peak resident memory is its own (wait4's rusage).
 *
 * `--repeat N` (before the files it applies to) runs each of them N times, one after the
 * other, and reports the fastest run and the median. On a shared machine interference only
 * ever adds time, so the fastest of a few runs estimates what the code costs, and the median
 * what a user waits; both are printed, with every run's wall time.
 * `--probe` prints what this host's memory and core cost now: the mean time of a dependent
 * read at a random place in 64 MiB, from 2 MiB pages and from 4 KiB pages, and of a step of
 * a register-only dependent chain. The large benchmarks are bound by such reads, the small
 * ones by the core, and a shared host slows and speeds up by hours (1.5-2x seen here), so a
 * wall time means little without the probe taken beside it.
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "scenario.h"

pid_t wait4(pid_t pid, int *status, int options, struct rusage *rusage);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run's figures, sent from the child to the parent through a pipe. */
struct run_fig {
	double wall_s, sim_s, events;
	double rebalances; /* -1 without groups */
	char name[KS_NAME_MAX];
};

/* In the child: run once, write the figures to fd. */
static int run_one(const char *file, int fd)
{
	struct scenario sc;
	if (scenario_load(file, &sc, stderr) != 0)
		return 2;
	struct trace tr;
	trace_init(&tr, NULL, TRACE_SUMMARY);
	double t0 = now_s();
	struct cluster *c = cluster_new(&sc, sc.seed, &tr);
	cluster_run_until(c, sc.duration_ns);
	cluster_finish(c);
	struct run_fig f = { .wall_s = now_s() - t0,
			     .sim_s = (double)sc.duration_ns / 1e9,
			     .events = (double)cluster_events(c),
			     .rebalances = -1 };
	snprintf(f.name, sizeof(f.name), "%s", sc.name);
	if (sc.n_groups > 0) { /* the group benchmark: rebalances per wall second */
		struct summ s;
		summ_init(&s);
		summ_obj(&s, NULL);
		cluster_summary(c, &s);
		summ_end(&s);
		double v = 0;
		char path[KS_NAME_MAX + 32];
		f.rebalances = 0;
		for (int g = 0; g < sc.n_groups; g++) {
			snprintf(path, sizeof(path), "groups.%s.rebalances", sc.groups[g].name);
			if (summ_get(&s, path, &v))
				f.rebalances += v;
		}
		summ_release(&s);
	}
	cluster_free(c);
	trace_release(&tr);
	scenario_release(&sc);
	return write(fd, &f, sizeof(f)) == (ssize_t)sizeof(f) ? 0 : 3;
}

/* Run file once in a child; its figures in *f and its peak memory in *maxrss_kib. */
static int run_child(const char *file, struct run_fig *f, long *maxrss_kib)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(run_one(file, fds[1]));
	}
	close(fds[1]);
	ssize_t got = pid < 0 ? -1 : read(fds[0], f, sizeof(*f));
	close(fds[0]);
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof(*f))
		return -1;
	*maxrss_kib = ru.ru_maxrss;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static inline uint64_t xorshift64(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	return x ^ (x << 17);
}

/* Nanoseconds a read, each at a place computed from the byte the last one read (so no two
 * overlap), over a buffer of `bytes` in pages of the kind `advice` asks for. */
static double probe_reads(size_t bytes, int advice)
{
	enum { READS = 4000000, LINE = 64 };
	unsigned char *buf = aligned_alloc((size_t)2 << 20, bytes);
	if (!buf)
		return -1;
	madvise(buf, bytes, advice);
	memset(buf, 1, bytes);
	uint64_t x = 88172645463325252u, lines = bytes / LINE, sum = 0;
	double t0 = now_s();
	for (int i = 0; i < READS; i++) {
		x = xorshift64(x);
		sum += buf[((x + sum) % lines) * LINE];
	}
	double ns = (now_s() - t0) / READS * 1e9;
	free(buf);
	return sum == 0 ? -1 : ns; /* sum is READS: it keeps the loop */
}

/* Nanoseconds a step of a chain of dependent multiplies and xorshifts in registers: the
 * core's own speed (its clock, and what shares it), apart from memory. */
static double probe_core(void)
{
	enum { STEPS = 200000000 };
	uint64_t x = 88172645463325252u;
	double t0 = now_s();
	for (int i = 0; i < STEPS; i++)
		x = xorshift64(x) * 0x9e3779b97f4a7c15u;
	double ns = (now_s() - t0) / STEPS * 1e9;
	return x == 0 ? -1 : ns; /* x is never 0 (an xorshift state): it keeps the loop */
}

static void probe(void)
{
	size_t bytes = (size_t)64 << 20;
	double huge = probe_reads(bytes, MADV_HUGEPAGE);
	double small = probe_reads(bytes, MADV_NOHUGEPAGE);
	double core = probe_core();
	printf("host now: a dependent read at random in 64 MiB takes %.0f ns from 2 MiB pages, "
	       "%.0f ns from 4 KiB pages; a register-only step %.2f ns\n", huge, small, core);
	fflush(stdout);
}

#define REPEAT_MAX 20

/* Run file n times; print the fastest run's figures, and with n > 1 the median and every
 * run's wall time. */
static int bench_file(const char *file, int n)
{
	struct run_fig best = { 0 }, f;
	double walls[REPEAT_MAX];
	long peak = 0, rss;
	for (int i = 0; i < n; i++) {
		if (run_child(file, &f, &rss) != 0) {
			printf("%s: failed\n", file);
			return 1;
		}
		walls[i] = f.wall_s;
		if (i == 0 || f.wall_s < best.wall_s)
			best = f;
		if (rss > peak)
			peak = rss;
	}
	double x = best.sim_s / best.wall_s;
	printf("%-34s %8.0f s simulated in %7.2f s wall: %9.*fx real time, %6.2f M events/s",
	       best.name, best.sim_s, best.wall_s, x < 10 ? 2 : 0, x,
	       best.events / best.wall_s / 1e6);
	if (best.rebalances >= 0)
		printf(", %.0f rebalances (%.1f per wall second)", best.rebalances,
		       best.rebalances / best.wall_s);
	printf(", peak memory %.1f MiB\n", (double)peak / 1024.0);
	if (n > 1) {
		double sorted[REPEAT_MAX];
		memcpy(sorted, walls, sizeof(double) * (size_t)n);
		qsort(sorted, (size_t)n, sizeof(double), cmp_double);
		double med = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
		printf("%-34s   (fastest of %d runs; median %.2f s wall, %.*fx real time; runs:",
		       "", n, med, best.sim_s / med < 10 ? 2 : 0, best.sim_s / med);
		for (int i = 0; i < n; i++)
			printf(" %.2f", walls[i]);
		printf(" s)\n");
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0, repeat = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = atoi(argv[++i]);
			if (repeat < 1 || repeat > REPEAT_MAX) {
				fprintf(stderr, "bench_scenarios: --repeat takes 1 to %d\n",
					REPEAT_MAX);
				return 2;
			}
			continue;
		}
		if (strcmp(argv[i], "--probe") == 0) {
			probe();
			continue;
		}
		rc |= bench_file(argv[i], repeat);
	}
	return rc;
}
