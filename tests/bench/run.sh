#!/bin/sh
# tests/bench/run.sh - `make bench`: the engine's event rate on a hold model, then whole
# scenarios (simulated seconds per wall second, events/s, peak memory). Figures, not tests.
cd "$(dirname "$0")/../.." || exit 3
echo "== engine (hold model) =="
build/bench/bench_engine || exit 1
echo "== scenarios =="
if [ "$1" = "--big" ]; then
	build/bench/bench_scenarios tests/bench/100x10k-1m-1min.yaml
	exit
fi
build/bench/bench_scenarios scenarios/quickstart.yaml tests/bench/3x12-10k-1h.yaml \
	tests/bench/100x10k-1m-5s.yaml $(ls tests/bench/group-*.yaml 2>/dev/null)
