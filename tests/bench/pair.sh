#!/bin/sh
# tests/bench/pair.sh [--alternate] OLD NEW SCENARIO [N] - compare two kafkasim binaries on a
# machine whose speed drifts: run them at the same time, one per core (cores swapped between
# rounds), N rounds (default 6, keep it even), and print each one's user seconds, the median
# of OLD/NEW per round and their geometric mean (above 1: NEW is faster). Both then share the
# memory system, so the ratio is fair even when the absolute figures are not. Needs taskset
# and GNU time (/usr/bin/time).
# --alternate: one after the other on the same core (the core swapped between rounds), the
# other core idle, as `make bench` runs. Slower to drift-proof (a round spans two runs), but
# it measures the condition the targets are stated for: on this machine the simultaneous
# rounds rated one change 1.16 that alternate rounds rated 1.05-1.08 (the two cores share
# more than the memory system).
together=1
if [ "$1" = "--alternate" ]; then
	together=0
	shift
fi
old=$1 new=$2 scen=$3 n=${4:-6}
if [ -z "$scen" ] || [ ! -x "$old" ] || [ ! -x "$new" ]; then
	echo "usage: tests/bench/pair.sh [--alternate] OLD NEW SCENARIO [N]" >&2
	exit 2
fi
tmp=$(mktemp -d) || exit 3
trap 'rm -rf "$tmp"' EXIT
i=1
while [ "$i" -le "$n" ]; do
	a=$((i % 2)) b=$(((i + 1) % 2))
	if [ "$together" = 0 ]; then
		b=$a
	fi
	/usr/bin/time -f "%U" -o "$tmp/old.$i" taskset -c "$a" "$old" run "$scen" \
		--out "$tmp/o" --no-plots --quiet --trace-level summary >/dev/null 2>&1 &
	if [ "$together" = 0 ]; then
		wait
	fi
	/usr/bin/time -f "%U" -o "$tmp/new.$i" taskset -c "$b" "$new" run "$scen" \
		--out "$tmp/n" --no-plots --quiet --trace-level summary >/dev/null 2>&1 &
	wait
	i=$((i + 1))
done
i=1
while [ "$i" -le "$n" ]; do
	o=$(tail -n 1 "$tmp/old.$i") w=$(tail -n 1 "$tmp/new.$i")
	awk -v i="$i" -v o="$o" -v w="$w" 'BEGIN {
		printf "round %d: old %.2f s, new %.2f s, old/new %.3f\n", i, o, w, (w > 0 ? o / w : 0)
	}'
	awk -v o="$o" -v w="$w" 'BEGIN { printf "%.6f\n", (w > 0 ? o / w : 0) }' >> "$tmp/ratios"
	i=$((i + 1))
done
# The geometric mean cancels a difference between the cores (seen: one 1.4x the other)
# over an even number of rounds, since each build runs on each core in turn.
sort -n "$tmp/ratios" | awk '{ r[NR] = $1; l += log($1) }
	END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
	      printf "median old/new: %.3f, geometric mean: %.3f\n", m, exp(l / NR) }'
