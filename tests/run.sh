#!/bin/sh
# tests/run.sh - every suite, one closing line "N passed, N failed".
# Suites: each unit-test binary (plain, then under ASan+UBSan) in TAP form, the two-thread
# code under ThreadSanitizer, every source through clang's warnings, then the
# scenario-level checks in tests/scenario_tests.sh (CLI, bad inputs, determinism, scenarios).
cd "$(dirname "$0")/.." || exit 3
PASS=0
FAIL=0
LOG=build/test-log.txt
: > "$LOG"

count_tap() { # $1 = label, stdin = TAP
	p=0; f=0
	while IFS= read -r line; do
		echo "$line" >> "$LOG"
		case "$line" in
		"ok "*) p=$((p + 1)) ;;
		"not ok "*) f=$((f + 1)); echo "FAIL $1: $line" ;;
		esac
	done
	echo "$p $f"
}

run_binary() { # $1 = binary, $2 = label
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$1" 2>>"$LOG")
	rc=$?
	res=$(printf '%s\n' "$out" | count_tap "$2" | tail -n 1)
	printf '%s\n' "$out" | grep -v '^ok ' | grep -v '^1\.\.' | grep -v '^#' | grep -v '^ *$' | head -20
	p=${res% *}; f=${res#* }
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $2: exited $rc (see $LOG)"; f=1
	fi
	echo "  $2: $p passed, $f failed"
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
}

for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	run_binary "$t" "unit $(basename "$t")"
done
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_binary "$t" "asan+ubsan $(basename "$t")"
done

# What runs on two threads, under ThreadSanitizer: the pair's unit test, and paired runs of
# scenarios (told to pair: small enough for TSan's pace) - no race reported, exit 0.
for t in build/tsan/tests/test_*; do
	[ -x "$t" ] || continue
	TSAN_OPTIONS=halt_on_error=1 run_binary "$t" "tsan $(basename "$t")"
done
if [ -x build/tsan/kafkasim ]; then
	for s in quickstart c06-independent-groups c20-producer-batching; do
		if KAFKASIM_PAIR=1 TSAN_OPTIONS=halt_on_error=1:exitcode=66 build/tsan/kafkasim run \
			"scenarios/$s.yaml" --threads 2 --trace-level debug --no-plots --quiet \
			--out build/tsan/out >>"$LOG" 2>&1 &&
			grep -q '"kernels":2' build/tsan/out/trace.jsonl; then
			PASS=$((PASS + 1))
		else
			echo "FAIL tsan: $s paired on two threads (see $LOG)"; FAIL=$((FAIL + 1))
		fi
	done
	echo "  tsan scenarios: done"
fi

# clang, when installed: every source free of its warnings too (make CC=clang builds)
if command -v clang >/dev/null 2>&1; then
	if ${MAKE:-make} --no-print-directory -s clang-check >>"$LOG" 2>&1; then
		PASS=$((PASS + 1)); echo "  clang: every source without a warning"
	else
		FAIL=$((FAIL + 1)); echo "FAIL clang: a source does not compile cleanly (see $LOG)"
	fi
fi

if [ -f tests/scenario_tests.sh ]; then
	res=$(sh tests/scenario_tests.sh "$@" | tee -a "$LOG" | tee /dev/stderr | tail -n 1)
	p=$(echo "$res" | sed -n 's/^scenario tests: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$res" | sed -n 's/^scenario tests: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then echo "FAIL scenario tests: no summary line"; p=0; f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
