#!/bin/sh
# tests/bench/run.sh - `make bench`: the engine's event rate on a hold model, then whole
# scenarios (simulated seconds per wall second, events/s, peak memory; rebalances per wall
# second for scenarios with groups). `--big`: only the 100-broker minute, three times (the
# fastest and the median, as for the short ones: about three minutes). Figures, not tests.
cd "$(dirname "$0")/../.." || exit 3
if [ "$1" = "--big" ]; then
	build/bench/bench_scenarios --probe --repeat 3 tests/bench/100x10k-1m-1min.yaml --probe
	exit
fi
echo "== engine (hold model) =="
build/bench/bench_engine || exit 1
echo "== scenarios =="
# the short ones five times each (the fastest and the median: the machine's speed drifts)
build/bench/bench_scenarios --probe --repeat 5 scenarios/quickstart.yaml tests/bench/3x12-10k-1h.yaml \
	--repeat 1 tests/bench/100x10k-1m-5s.yaml tests/bench/group-100x1000-1h.yaml --probe
