/*
 * bench_scenarios.c - `make bench`: runs scenarios without writing outputs and reports
 * simulated seconds per wall second, events per second and peak memory. Each scenario runs
 * in its own child process so its peak resident memory is its own (wait4's rusage).
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* In the child: run, print one line. */
static int run_one(const char *file)
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
	double wall = now_s() - t0;
	double sim_s = (double)sc.duration_ns / 1e9;
	printf("%-34s %8.0f s simulated in %7.2f s wall: %9.*fx real time, %6.2f M events/s",
	       sc.name, sim_s, wall, sim_s / wall < 10 ? 2 : 0, sim_s / wall,
	       (double)cluster_events(c) / wall / 1e6);
	if (sc.n_groups > 0) { /* the group benchmark: rebalances per wall second */
		struct summ s;
		summ_init(&s);
		summ_obj(&s, NULL);
		cluster_summary(c, &s);
		summ_end(&s);
		double total = 0, v = 0;
		char path[KS_NAME_MAX + 32];
		for (int g = 0; g < sc.n_groups; g++) {
			snprintf(path, sizeof(path), "groups.%s.rebalances", sc.groups[g].name);
			if (summ_get(&s, path, &v))
				total += v;
		}
		printf(", %.0f rebalances (%.1f per wall second)", total, total / wall);
		summ_release(&s);
	}
	fflush(stdout);
	cluster_free(c);
	trace_release(&tr);
	scenario_release(&sc);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(run_one(argv[i]));
		int status = 0;
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			printf("%s: failed\n", argv[i]);
			rc = 1;
			continue;
		}
		printf(", peak memory %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
		fflush(stdout);
	}
	return rc;
}
