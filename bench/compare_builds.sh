#!/usr/bin/env bash
# Same-run before/after: scenarios (a)-(d) against two builds, alternating,
# ROUNDS times, each on a fresh data directory; prints the median of each.
#   bench/compare_builds.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR
# BENCH_SECONDS (default 10) per scenario, BENCH_ROUNDS (default 3).
set -euo pipefail
BEFORE=$1
AFTER=$2
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WORK=$(mktemp -d /tmp/aftercare-compare.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2> /dev/null; wait 2> /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# One round on BUILD: each scenario's req/s and p99 ms, as "scenario rps p99" lines.
round() {
  local build=$1 data="$WORK/data-$RANDOM"
  "$build/aftercare" serve --data "$data" --listen 127.0.0.1:0 > "$WORK/serve.out" 2> /dev/null &
  PID=$!
  for _ in $(seq 600); do grep -q '^listening on' "$WORK/serve.out" 2> /dev/null && break; sleep 0.1; done
  local port token
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out")
  token=$(grep -o '"token":"[^"]*"' "$data/tokens.json" | head -1 | cut -d'"' -f4)
  for _ in $(seq 600); do curl -sf "127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
  for s in intake day view list; do
    "$AFTER/bench/loadgen" --port "$port" --token "$token" --seconds "$SECS" --scenario "$s" --connections 64 > "$WORK/out"
    echo "$s $(sed -n 's/^  requests\/s *\([0-9.]*\).*/\1/p' "$WORK/out") $(sed -n 's/^  latency p99 *\([0-9.]*\).*/\1/p' "$WORK/out" | head -1)"
  done
  kill "$PID"; wait "$PID" 2> /dev/null || true; PID=
  rm -rf "$data"
}

for r in $(seq "$ROUNDS"); do
  round "$BEFORE" | sed 's/^/before /' >> "$WORK/results"
  round "$AFTER" | sed 's/^/after /' >> "$WORK/results"
  echo "round $r of $ROUNDS done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "| scenario (64 conn, ${SECS} s, median of $ROUNDS) | before req/s | after req/s | change | before p99 ms | after p99 ms |"
echo "|---|---|---|---|---|---|"
for s in intake day view list; do
  b=$(awk -v s="$s" '$1 == "before" && $2 == s { print $3 }' "$WORK/results" | median)
  a=$(awk -v s="$s" '$1 == "after" && $2 == s { print $3 }' "$WORK/results" | median)
  bp=$(awk -v s="$s" '$1 == "before" && $2 == s { print $4 }' "$WORK/results" | median)
  ap=$(awk -v s="$s" '$1 == "after" && $2 == s { print $4 }' "$WORK/results" | median)
  echo "| $s | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }') | $bp | $ap |"
done
