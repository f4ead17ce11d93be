#!/bin/sh
# tests/scenario_tests.sh - the program as a user meets it: the CLI and its exit codes, every
# bad scenario in tests/bad/ rejected with the located error its '# expect:' line names and
# nothing written, every
# scenario in scenarios/ run to its expectations, and determinism (same seed, same bytes).
# Last line: "scenario tests: N passed, N failed".
cd "$(dirname "$0")/.." || exit 3
K=build/kafkasim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # name, command...
	name=$1; shift
	if "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$name"; sed 's/^/    /' "$T/err" | head -5; fi
}
status_is() { # expected status, command...
	want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	[ $? -eq "$want" ]
}

# ---- the command line -------------------------------------------------------------------
check "--version" status_is 0 $K --version
check "--help" status_is 0 $K --help
check "run --help" status_is 0 $K run --help
check "validate --help" status_is 0 $K validate --help
check "partition --help" status_is 0 $K partition --help
check "assign --help" status_is 0 $K assign --help
check "no command is a usage error" status_is 2 $K
check "unknown command is a usage error" status_is 2 $K frobnicate
check "run without a scenario is a usage error" status_is 2 $K run
check "run with an unknown option is a usage error" status_is 2 $K run scenarios/quickstart.yaml --bogus
check "run with a bad seed is a usage error" status_is 2 $K run scenarios/quickstart.yaml --seed x
check "run with a bad --until is a usage error" status_is 2 $K run scenarios/quickstart.yaml --until 5
check "run of a missing file is bad input" status_is 2 $K run "$T/nonexistent.yaml"

# kafkasim partition agrees with the Java client (murmur2 vectors of UtilsTest, % 1000)
partition_is() { # key partitions expected
	out=$($K partition --partitions "$2" "$1") && [ "$out" = "$(printf '%s\t%s' "$1" "$3")" ]
}
# toPositive(-973932308) % 100 = 1173551340 % 100 = 40
check "partition: '21' of 100 is 40" partition_is 21 100 40
# toPositive(-790332482) % 7 = 1357151166 % 7 = 0
check "partition: 'foobar' of 7 is 0" partition_is foobar 7 0
# toPositive(-985981536) % 12 = 1161502112 % 12 = 8
check "partition: 'a-little-bit-long-string' of 12 is 8" partition_is a-little-bit-long-string 12 8

# ---- bad input: located errors, exit 2, nothing written ------------------------------------
for f in tests/bad/*.yaml; do
	[ -f "$f" ] || continue
	out="$T/bad-out"
	$K run "$f" --out "$out" --no-plots >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 2 ]; then bad "$f: exit $rc, expected 2"; continue; fi
	if [ -e "$out" ]; then bad "$f: output directory created on bad input"; continue; fi
	if ! grep -q "^$f:[0-9][0-9]*:[0-9][0-9]*: " "$T/err"; then
		bad "$f: no FILE:LINE:COL error"; head -3 "$T/err"; continue
	fi
	want=$(sed -n 's/^# expect: //p' "$f" | head -1) # the error the file is about
	if [ -z "$want" ] || ! grep -qF "$f:$want" "$T/err"; then
		bad "$f: not the error its '# expect:' line names"; head -3 "$T/err"; continue
	fi
	ok
done
check "validate reports every file and exits 2 on any error" \
	status_is 2 $K validate scenarios/quickstart.yaml tests/bad/$(ls tests/bad | head -1)

# ---- every shipped scenario is valid and meets its expectations ------------------------------
# (at trace level debug: the model's invariants, and the asserts that check its shortcuts
# and look-up hints against the full computation, run every 10 ms and on every use)
for f in scenarios/*.yaml; do
	check "validate $f" status_is 0 $K validate "$f"
	check "run $f meets its expectations" status_is 0 $K run "$f" --out "$T/run" --no-plots \
		--quiet --trace-level debug
	if [ -n "$(find "$T/run" -name '*.partial')" ]; then bad "$f: partial files left"; else ok; fi
	grep -o '"type":"[^"]*"' "$T/run/trace.jsonl" | sort -u >> "$T/types"
	rm -rf "$T/run"
done
# every kind of trace event the shipped scenarios write is in the README's list
missing=$(sort -u "$T/types" | sed 's/"type":"\(.*\)"/\1/' | while read -r t; do
	grep -qF "\`$t\`" README.md || printf '%s ' "$t"; done)
if [ -z "$missing" ] && [ -s "$T/types" ]; then ok; else bad "trace types missing from the README: $missing"; fi

# ---- acks=all with min.insync.replicas=2 loses nothing, across 20 seeds -------------------
lost_any=0
for seed in $(seq 1 20); do
	$K run scenarios/c12-acks-all-leader-crash.yaml --seed "$seed" --out "$T/s$seed" --no-plots \
		--quiet --trace-level summary || lost_any=1
	grep -q '"acked_lost": 0,' "$T/s$seed/summary.json" || lost_any=1
	rm -rf "$T/s$seed"
done
if [ $lost_any -eq 0 ]; then ok; else bad "acks=all lost acknowledged records for some seed"; fi
# ... while acks=1 loses some under most of the same seeds (the window is real, not a fluke)
lossy=0
for seed in $(seq 1 10); do
	$K run scenarios/c12-acks-1-leader-crash.yaml --seed "$seed" --out "$T/s$seed" --no-plots \
		--quiet --trace-level summary
	grep -q '"acked_lost": 0,' "$T/s$seed/summary.json" || lossy=$((lossy + 1))
	rm -rf "$T/s$seed"
done
if [ $lossy -ge 8 ]; then ok; else bad "acks=1 lost records under only $lossy of 10 seeds"; fi

# ---- determinism ---------------------------------------------------------------------------
$K run scenarios/quickstart.yaml --seed 7 --out "$T/a" --no-plots --quiet
$K run scenarios/quickstart.yaml --seed 7 --out "$T/b" --no-plots --quiet
$K run scenarios/quickstart.yaml --seed 8 --out "$T/c" --no-plots --quiet
for f in trace.jsonl metrics.csv summary.json snapshots.txt; do
	check "same seed, identical $f" cmp "$T/a/$f" "$T/b/$f"
done
check "another seed, another trace" status_is 1 cmp -s "$T/a/trace.jsonl" "$T/c/trace.jsonl"
# and a run full of faults (controlled shutdowns, restarts, a group through them), at debug
$K run scenarios/rolling-restart.yaml --out "$T/d" --no-plots --quiet --trace-level debug
$K run scenarios/rolling-restart.yaml --out "$T/e" --no-plots --quiet --trace-level debug
for f in trace.jsonl metrics.csv summary.json snapshots.txt; do
	check "same seed, identical $f (faults)" cmp "$T/d/$f" "$T/e/$f"
done
# The debug level adds an invariant check every 10 ms: more events, the same run. (Producers
# apply arrivals lazily; an extra event must not change when or how they are applied.
# c21-offset-reset-replay's constant arrivals and latency put many events at one instant.)
for s in quickstart c21-offset-reset-replay; do
	$K run "scenarios/$s.yaml" --out "$T/q1" --no-plots --quiet
	$K run "scenarios/$s.yaml" --out "$T/q2" --no-plots --quiet --trace-level debug
	grep -v '"events":' "$T/q1/summary.json" > "$T/q1/s"
	grep -v '"events":' "$T/q2/summary.json" > "$T/q2/s"
	check "$s: trace level debug, same summary" cmp "$T/q1/s" "$T/q2/s"
	check "$s: trace level debug, same metrics" cmp "$T/q1/metrics.csv" "$T/q2/metrics.csv"
	rm -rf "$T/q1" "$T/q2"
done
# The producers on a kernel of their own (a large cluster without faults): the same bytes
# with one thread or two, at every trace level; and runs that pair them only because they
# are told to (KAFKASIM_PAIR=1: small scenarios) against the same runs on one kernel - the
# same bytes but run.end's count of kernels (sim.c, PAIR_SEQ_LOCAL: a pair orders two
# events of one nanosecond differently only if one kernel scheduled one of them before the
# other kernel sent the other).
cat > "$T/big.yaml" <<'EOF'
name: big-short
duration: 300ms
sample_interval: 100ms
cluster: { brokers: 100 }
topics:
  - { name: t, partitions: 10000, replication.factor: 3, config: { min.insync.replicas: 2 } }
producers:
  - { name: p, topic: t, rate: 1000000/s, keys: { count: 1000000 }, config: { acks: all } }
  - { name: q, topic: t, rate: 100000/s, config: { acks: 1, linger.ms: 0 } }
EOF
for lvl in summary debug; do
	$K run "$T/big.yaml" --out "$T/p1" --no-plots --quiet --trace-level $lvl --threads 1
	$K run "$T/big.yaml" --out "$T/p2" --no-plots --quiet --trace-level $lvl --threads 2
	for f in trace.jsonl metrics.csv summary.json; do
		check "paired, $lvl: one thread or two, identical $f" cmp "$T/p1/$f" "$T/p2/$f"
	done
done
check "a large cluster without faults pairs its producers" \
	grep -q '"kernels":2' "$T/p1/trace.jsonl"
for s in quickstart c06-independent-groups c20-producer-batching \
	c21-retention-overtakes-slow-consumer; do
	KAFKASIM_PAIR=0 $K run "scenarios/$s.yaml" --out "$T/q1" --no-plots --quiet --trace-level debug
	KAFKASIM_PAIR=1 $K run "scenarios/$s.yaml" --out "$T/q2" --no-plots --quiet --trace-level debug
	check "$s: paired, the same metrics" cmp "$T/q1/metrics.csv" "$T/q2/metrics.csv"
	check "$s: paired, the same summary" cmp "$T/q1/summary.json" "$T/q2/summary.json"
	grep -v '"type":"run\.end"' "$T/q1/trace.jsonl" > "$T/q1/t"
	grep -v '"type":"run\.end"' "$T/q2/trace.jsonl" > "$T/q2/t"
	check "$s: paired, the same trace" cmp "$T/q1/t" "$T/q2/t"
	check "$s: paired when told" grep -q '"kernels":2' "$T/q2/trace.jsonl"
	check "$s: not paired when told" grep -q '"kernels":1' "$T/q1/trace.jsonl"
	rm -rf "$T/q1" "$T/q2"
done
# batch.size 0 turns batching off (KafkaProducer uses max(1, batch.size)): a batch a record
cat > "$T/b0.yaml" <<'EOF'
name: batch-size-0
duration: 2s
topics: [ { name: t, partitions: 2 } ]
producers: [ { name: p, topic: t, rate: 2000/s, config: { batch.size: 0, linger.ms: 5 } } ]
EOF
check "batch.size 0 runs" status_is 0 $K run "$T/b0.yaml" --out "$T/b0" --no-plots --quiet
check "batch.size 0: a batch a record" grep -q '"records_per_batch": 1.00,' "$T/b0/summary.json"
# retry.backoff.ms 0: an unanswered metadata request waits for its timeout before another
# goes (it once looped at one instant until the event queue ran out: exit 3)
cat > "$T/rb0.yaml" <<'EOF'
name: retry-backoff-0
duration: 1s
cluster: { brokers: 3 }
topics: [ { name: t, partitions: 6, replication.factor: 3 } ]
producers: [ { name: p, topic: t, rate: 50000/s,
               config: { request.timeout.ms: 2, retry.backoff.ms: 0, delivery.timeout.ms: 60000 } } ]
EOF
check "retry.backoff.ms 0 runs" status_is 0 $K run "$T/rb0.yaml" --out "$T/rb0" --no-plots --quiet
# A metadata request on a connection that closes fails at once (NetworkClient's
# handleServerDisconnect) and goes again after retry.backoff.ms: g-1's periodic refresh at
# 5 s goes to broker-1, held on the wire by a 1 s delay; broker-1's process crashes at
# 5.3 s (its connections reset). It once waited for its request.timeout.ms (30 s).
# member_scenario NAME DURATION CONFIG: one member g-1 reading t, as the faults that follow
# it on stdin make it
member_scenario() {
	printf 'name: %s\nseed: 3\nduration: %s\ncluster: { brokers: 3 }\n' "$1" "$2"
	echo 'topics: [ { name: t, partitions: 3, replication.factor: 3 } ]'
	echo 'producers: [ { name: p, topic: t, rate: 100/s } ]'
	echo 'consumer_groups:'
	echo "  - { name: g, topic: t, members: 1, config: { $3 } }"
	cat
}
member_scenario member-metadata-reset 6s "metadata.max.age.ms: 5000" >"$T/mreset.yaml" <<'EOF'
faults:
  - { at: 4900ms, delay: { from: [g-1], to: [broker-1] }, latency: 1s, for: 200ms }
  - { at: 5300ms, crash: broker-1 }
EOF
$K run "$T/mreset.yaml" --out "$T/mr" --no-plots --quiet --trace-level debug
grep '"type":"metadata\.' "$T/mr/trace.jsonl" >"$T/mr/meta"
check "metadata: a refresh goes to broker-1 at 5 s" \
	grep -q '^{"t_ns":5000000000,"type":"metadata.request","client":"g-1","broker":1}' "$T/mr/meta"
check "metadata: its connection reset fails it at once" \
	grep -q '^{"t_ns":5300000000,"type":"metadata.failed","client":"g-1","broker":1}' "$T/mr/meta"
check "metadata: asked again after retry.backoff.ms, of another broker" \
	grep -q '^{"t_ns":5400000000,"type":"metadata.request","client":"g-1","broker":2}' "$T/mr/meta"
# ... but a machine that loses power resets nothing: the request waits for its timeout
sed 's/crash: broker-1 }/crash: broker-1, lose_unflushed: true }/' "$T/mreset.yaml" >"$T/mpower.yaml"
$K run "$T/mpower.yaml" --out "$T/mp" --no-plots --quiet --trace-level debug
check "metadata: no reset from a machine without power, no failure" \
	status_is 1 grep -q '"type":"metadata.failed"' "$T/mp/trace.jsonl"
# A paused consumer (a GC pause) reads the answers that came during the pause before it
# looks at its request's timeout: g-1's refresh at 5 s is answered 200 ms late, into a
# 40 s pause; at the resume the answer is applied and no timeout is seen (it once timed
# out at 35 s, mid-pause, and asked again)
member_scenario member-pause-metadata 50s "metadata.max.age.ms: 5000, session.timeout.ms: 60000" \
	>"$T/mpause.yaml" <<'EOF'
faults:
  - { at: 4900ms, delay: { from: [broker-1, broker-2, broker-3], to: [g-1] }, latency: 200ms, for: 200ms }
  - { at: 5100ms, pause: g-1, for: 40s }
EOF
$K run "$T/mpause.yaml" --out "$T/mz" --no-plots --quiet --trace-level debug
check "metadata: a pause holds the answer, not a timeout" \
	status_is 1 grep -q '"type":"metadata.timeout"' "$T/mz/trace.jsonl"
check "metadata: the held answer is read at the resume" \
	grep -q '^{"t_ns":45100000000,"type":"metadata.update","client":"g-1"' "$T/mz/trace.jsonl"
# An answer that comes after its request timed out is not read (the timeout closed its
# connection): the producer's refresh at 5 s to broker-1, answered 1.5 s late, times out
# at 6 s; the retry to broker-2 is answered at 6.1 s, and the next refresh is 5 s after
# that - not after the late answer (6.5 s), which once counted as an update
cat > "$T/mlate.yaml" <<'EOF'
name: late-metadata-answer
seed: 3
duration: 12s
cluster: { brokers: 3 }
topics: [ { name: t, partitions: 3, replication.factor: 3 } ]
producers: [ { name: p, topic: t, rate: 100/s, config: { metadata.max.age.ms: 5000, request.timeout.ms: 1000 } } ]
faults:
  - { at: 4900ms, delay: { from: [broker-1], to: [p] }, latency: 1500ms, for: 200ms }
EOF
$K run "$T/mlate.yaml" --out "$T/ml" --no-plots --quiet --trace-level debug
check "metadata: a late answer is not an update" \
	status_is 1 grep -q '"type":"metadata.update","client":"p","broker":1}' "$T/ml/trace.jsonl"
check "metadata: the next refresh follows the answer read" \
	grep -q '^{"t_ns":11100327595,"type":"metadata.request","client":"p"' "$T/ml/trace.jsonl"
check "trace starts with run.start carrying the seed" \
	grep -q '^{"t_ns":0,"type":"run.start","scenario":"quickstart","seed":7,' "$T/a/trace.jsonl"
check "the effective configuration lists Kafka defaults" \
	grep -q '"batch.size":16384' "$T/a/trace.jsonl"

# ---- a batch whose retries run out fails with the error it got (Sender.failBatch), not as a
# delivery timeout: two of three brokers down, min ISR 2, retries 2 ------------------------
cat > "$T/retries.yaml" <<'EOF'
name: retries-run-out
seed: 3
duration: 40s
cluster: { brokers: 3 }
topics: [ { name: p, partitions: 3, replication.factor: 3, config: { min.insync.replicas: 2 } } ]
producers:
  - { name: api, topic: p, rate: 200/s, config: { acks: all, enable.idempotence: false, retries: 2,
      request.timeout.ms: 5000 } }
faults:
  - { at: 5s, crash: broker-2 }
  - { at: 5s, crash: broker-3 }
EOF
$K run "$T/retries.yaml" --out "$T/r" --no-plots --quiet --trace-level events >"$T/out" 2>&1
check "retries run out: produce.failed names NOT_ENOUGH_REPLICAS" \
	grep -q '"type":"produce.failed".*"error":"NOT_ENOUGH_REPLICAS"' "$T/r/trace.jsonl"
check "retries run out: no batch reported as a delivery timeout" \
	status_is 1 grep -q '"error":"DELIVERY_TIMEOUT"' "$T/r/trace.jsonl"

# ---- plots: drawn by gnuplot when it is there; without it, a warning and the data files ----
$K run scenarios/quickstart.yaml --out "$T/p" --quiet >"$T/out" 2>"$T/err"
check "plots drawn (throughput, latency, replication, lag)" \
	test -s "$T/p/throughput.png" -a -s "$T/p/latency.png" -a -s "$T/p/replication.png" \
	-a -s "$T/p/lag.png" -a -s "$T/p/plots.gp"
PATH=/nonexistent $K run scenarios/quickstart.yaml --out "$T/np" --quiet >"$T/out" 2>"$T/np.err"
rc=$?
check "without gnuplot: exit 0, a warning, data files written" \
	sh -c "test $rc -eq 0 && grep -q gnuplot '$T/np.err' && test -s '$T/np/summary.json' && test ! -e '$T/np/throughput.png'"

# ---- the README's scenario reference is the settings table's own output --------------------
$K settings --markdown > "$T/settings.md"
check "README scenario reference matches kafkasim settings --markdown (make docs)" \
	sh tests/readme_section.sh settings "$T/settings.md"
check "README names the two set-up commands" grep -q 'make run' README.md
# the README's example scenario runs, and its expectations hold (exit 0, not 1)
awk '/^```yaml/ { f = 1; next } /^```/ { if (f) exit } f' README.md > "$T/readme-example.yaml"
check "README example scenario meets its own expectations" sh -c \
	"test -s '$T/readme-example.yaml' && $K run '$T/readme-example.yaml' --out '$T/rex' --no-plots --quiet"

echo "scenario tests: $PASS passed, $FAIL failed"
