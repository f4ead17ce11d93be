#!/bin/sh
# tests/bench/pgo-train.sh BIN OUT - the training runs of the profile-guided build (Makefile,
# PGO=1): an instrumented kafkasim BIN runs every shipped scenario and the benchmark
# scenarios cut short, writing its outputs under OUT; the counts it leaves (under
# build/pgo/counts) then steer the optimized build. Runs one after another: the counts of
# concurrent runs would race. Fails if any run fails (a scenario that cannot run is a
# broken build); an unmet expectation (exit 1) is a run like any other.
bin=$1 out=$2
if [ ! -x "$bin" ] || [ -z "$out" ]; then
	echo "usage: tests/bench/pgo-train.sh BIN OUT" >&2
	exit 2
fi
cd "$(dirname "$0")/../.." || exit 3
rm -rf "$out" && mkdir -p "$out" || exit 3
run() { # scenario, then extra options
	f=$1
	shift
	"$bin" run "$f" --out "$out/run" --no-plots --quiet "$@" >"$out/log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		echo "pgo-train: $f failed (exit $rc):" >&2
		cat "$out/log" >&2
		exit 1
	fi
}
# What users run: every shipped scenario (faults, groups, elections, every client path).
for f in scenarios/*.yaml; do
	run "$f" --trace-level events
done
# The sizing workloads the benchmarks measure, short enough to keep a build quick.
run tests/bench/3x12-10k-1h.yaml --until 120s --trace-level summary
run tests/bench/100x10k-1m-5s.yaml --until 300ms --trace-level summary
run tests/bench/group-100x1000-1h.yaml --until 600s --trace-level summary
exit 0
