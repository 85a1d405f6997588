#!/usr/bin/env bash
# make bench: every scenario and both baselines in one run, then one table.
#   bench/run_all.sh [BUILD_DIR]      BENCH_SECONDS (default 10) per scenario
# Everything runs on this machine: aftercare, its load, and the baselines.
set -euo pipefail
BUILD=${1:-build/release}
SECS=${BENCH_SECONDS:-10}
LOG_REQUESTS=${BENCH_LOG_REQUESTS:-1000000}
WORK=$(mktemp -d /tmp/aftercare-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ROWS=()
row() { ROWS+=("$1"); }
num() { sed -n "s|^  $1  *\([0-9.]*\).*|\1|p" "$2" | head -1; }
lastnum() { sed -n "s|^  $1  *\([0-9.]*\).*|\1|p" "$2" | tail -1; }  # the file's last such figure
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }

# Starts `aftercare serve` on DATA; sets PORT and TOKEN.
serve() {
  "$BUILD/aftercare" serve --data "$1" --listen 127.0.0.1:0 "${@:2}" > "$WORK/serve.out" 2> "$WORK/serve.err" &
  PIDS+=($!)
  SERVE_PID=$!
  for _ in $(seq 600); do grep -q '^listening on' "$WORK/serve.out" 2> /dev/null && break; sleep 0.1; done
  PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out")
  TOKEN=$(grep -o '"token":"[^"]*"' "$1/tokens.json" | head -1 | cut -d'"' -f4)
  until curl -sf "127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.2; done
}

# Waits until the read models have applied the whole log; prints how long that took.
settle() {
  local start=$SECONDS lag
  while :; do
    lag=$(curl -s "127.0.0.1:$PORT/metrics" | sed -n 's/^aftercare_projection_lag_events \([0-9.e+]*\).*/\1/p')
    [ "${lag%.*}" = "0" ] && break
    [ $((SECONDS - start)) -ge 900 ] && { echo "   read models still behind after 900 s" >&2; break; }
    sleep 0.5
  done
  echo "   read models caught up $((SECONDS - start)) s after the load stopped" >&2
  echo "$((SECONDS - start))"
}

N=0
scenario() {  # NAME LOADGEN-ARGS...
  local name=$1 out
  shift
  N=$((N + 1))
  out="$WORK/scenario-$N.txt"
  echo "== $name" >&2
  "$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --seconds "$SECS" "$@" > "$out" || true
  cat "$out" >&2
  local caught_up
  caught_up=$(settle)
  row "$name|$(num requests/s "$out") req/s|p50 $(num 'latency p50' "$out") ms, p99 $(num 'latency p99' "$out") ms, p99.9 $(num 'latency p99.9' "$out") ms|$(sed -n 's/^  non-2xx *//p' "$out") non-2xx; read models caught up ${caught_up} s later"
  cp "$out" "$WORK/last.txt"
}

serve "$WORK/data"
scenario "(a) intake, 64 conn" --scenario intake --connections 64
OURS_INTAKE=$(num requests/s "$WORK/last.txt")
scenario "(b) service-centre day, 64 conn" --scenario day --connections 64
scenario "(c) request view, 64 conn" --scenario view --connections 64
OURS_VIEW=$(num requests/s "$WORK/last.txt")
scenario "(d) list queries, 64 conn" --scenario list --connections 64
scenario "(e) request view, 1000 conn at 10000/s" --scenario view --connections 1000 --rate 10000
# (g) engineers on the move (issue 14): 2,000 status reports/s, open loop, while
# dispatchers read the live board; the board's own latency is the figure.
echo "== (g) status updates at 2000/s with board reads" >&2
"$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --seconds "$SECS" --scenario status --connections 64 --rate 2000 \
  > "$WORK/status.txt" &
STATUS_PID=$!
sleep 1
"$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --seconds "$SECS" --scenario board --connections 8 --warmup 3 \
  > "$WORK/board.txt" || true
wait "$STATUS_PID" || true
cat "$WORK/status.txt" "$WORK/board.txt" >&2
row "(g) engineer status at 2000/s, 64 conn|$(num requests/s "$WORK/status.txt") req/s|p50 $(num 'latency p50' "$WORK/status.txt") ms, p99 $(num 'latency p99' "$WORK/status.txt") ms|$(sed -n 's/^  non-2xx *//p' "$WORK/status.txt") non-2xx"
row "(g) board reads meanwhile, 8 conn|$(num requests/s "$WORK/board.txt") req/s|p50 $(num 'latency p50' "$WORK/board.txt") ms, p99 $(num 'latency p99' "$WORK/board.txt") ms|target p99 ≤ 10 ms"
# (i) the stock ledger (issue 15): one-line goods receipts on 10,000 (warehouse,
# part) items, then reads of random items.
scenario "(i) stock receipts on 10,000 items, 64 conn" --scenario stock --connections 64
scenario "(i) stock item view, 64 conn" --scenario stock-view --connections 64
# (h) webhook delivery (issue 14): every request.opened event the scenarios
# above wrote, delivered from the beginning of the log to a local receiver;
# the same-run baseline is the deliverer's HTTP client posting bare bodies.
echo "== (h) webhook delivery" >&2
"$BUILD/bench/webhook_sink" > "$WORK/sink.txt" &
SINK_PID=$!
PIDS+=($SINK_PID)
for _ in $(seq 100); do grep -q '^listening on' "$WORK/sink.txt" 2> /dev/null && break; sleep 0.1; done
SINK_PORT=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$WORK/sink.txt")
curl -s -X PUT "127.0.0.1:$PORT/v1/webhooks/bench" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"url":"http://127.0.0.1:'"$SINK_PORT"'/hook","event_types":["aftercare.request.opened.v1"],"secret":"bench secret 0123456789","start":"beginning"}' > /dev/null
wait "$SINK_PID" || true
"$BUILD/bench/webhook_sink" --baseline 50000 --body-bytes 700 > "$WORK/sink-baseline.txt"
cat "$WORK/sink.txt" "$WORK/sink-baseline.txt" >&2
HOOK_RATE=$(sed -n 's/^received .*(\([0-9]*\) events\/s)/\1/p' "$WORK/sink.txt")
BARE_RATE=$(sed -n 's/^bare POSTs: .*(\([0-9]*\) posts\/s)/\1/p' "$WORK/sink-baseline.txt")
row "(h) webhook delivery to a local receiver|$HOOK_RATE events/s|$(sed -n 's/^received \([0-9]*\) events in \([0-9.]*\) s.*/\1 events in \2 s/p' "$WORK/sink.txt")|target ≥ 5000; bare POSTs $BARE_RATE/s, ours/bare $(ratio "$HOOK_RATE" "$BARE_RATE")"
curl -s "127.0.0.1:$PORT/v1/requests?customer_id=LOAD-C&limit=1" -H "Authorization: Bearer $TOKEN" |
  sed 's/^{"items":\[\(.*\)\],"next_cursor".*/\1/' > "$WORK/view.json"
kill "$SERVE_PID"; wait "$SERVE_PID" 2> /dev/null || true

echo "== baselines" >&2
"$(dirname "$0")/baselines/pg_intake.sh" "$SECS" 64 > "$WORK/pg.txt"
cat "$WORK/pg.txt" >&2
"$(dirname "$0")/baselines/nginx_view.sh" "$WORK/view.json" "$BUILD/bench/loadgen" "$SECS" 64 > "$WORK/nginx.txt"
cat "$WORK/nginx.txt" >&2
PG_TPS=$(sed -n 's/^postgresql intake: \([0-9]*\) tps.*/\1/p' "$WORK/pg.txt")
NGINX=$(num requests/s "$WORK/nginx.txt")
row "PostgreSQL intake (pgbench, 64 clients)|$PG_TPS tx/s|$(sed -n 's/.*tps \(.*\) (.*/\1/p' "$WORK/pg.txt")|ours/theirs $(ratio "$OURS_INTAKE" "$PG_TPS") (target ≥ 10×)"
row "nginx static view (64 conn)|$NGINX req/s|p99 $(num 'latency p99' "$WORK/nginx.txt") ms|ours/theirs $(ratio "$OURS_VIEW" "$NGINX") (target ≥ 0.75×)"

echo "== (f) Kafka mode" >&2
"$(dirname "$0")/kafka_bench.sh" "$BUILD" > "$WORK/kafka.txt" 2> /dev/null || true
cat "$WORK/kafka.txt" >&2
# kafka.txt holds the log append figures first, then the HTTP intake's.
row "(f) intake on Kafka (dev broker), 64 conn|$(num requests/s "$WORK/kafka.txt") req/s|p50 $(lastnum 'latency p50' "$WORK/kafka.txt") ms, p99 $(lastnum 'latency p99' "$WORK/kafka.txt") ms|Kafka appends alone: $(num appends/s "$WORK/kafka.txt") /s"

echo "== replay and memory: $LOG_REQUESTS requests, 2 events each" >&2
mkdir -p "$WORK/big"
"$BUILD/bench/make_log" --dir "$WORK/big/log" --requests "$LOG_REQUESTS" --events-per-request 2 >&2
"$BUILD/aftercare" replay --data "$WORK/big" --out "$WORK/big/views" > "$WORK/replay.txt" 2> /dev/null
cat "$WORK/replay.txt" >&2
RATE=$(sed -n 's/.*(\([0-9]*\) events\/s).*/\1/p' "$WORK/replay.txt")
row "replay|$RATE events/s|$(sed -n 's/^rebuilt \([0-9]*\) events in \([0-9.]*\) s.*/\1 events in \2 s/p' "$WORK/replay.txt")|target ≥ 300000"
# Where replay's time went (thread-seconds on its 2 threads) and how many rows it wrote.
row "replay: where the time went|$(sed -n 's/^rows \([0-9]*\) written (\([0-9.]*\) per event.*/\1 rows, \2 per event/p' "$WORK/replay.txt")|$(sed -n 's/^thread-seconds: //p' "$WORK/replay.txt") (thread-seconds)|"
# The floor under replay, same log, same run: reading it, then reading and decoding it (one thread).
"$BUILD/bench/log_read_bench" --dir "$WORK/big/log" > "$WORK/read.txt" 2> /dev/null
"$BUILD/bench/log_read_bench" --dir "$WORK/big/log" --decode >> "$WORK/read.txt" 2> /dev/null
cat "$WORK/read.txt" >&2
row "replay's floor: reading the log alone|$(sed -n 's/^read: .*(\([0-9]*\) records\/s.*/\1/p' "$WORK/read.txt") records/s|opening the log $(sed -n 's/^read: .*opening the log \([0-9.]*\) s/\1/p' "$WORK/read.txt") s|one thread"
row "replay's floor: reading and decoding|$(sed -n 's/^read+decode: .*(\([0-9]*\) records\/s.*/\1/p' "$WORK/read.txt") records/s||one thread; replay = this + the projections"
# Automatic dispatch's decision over the write side's roster (issue 14): 5,000 engineers
# in a region, and 500 as the same-run baseline.
"$BUILD/bench/dispatch_bench" --engineers 5000 --decisions 2000 > "$WORK/dispatch.txt"
cat "$WORK/dispatch.txt" >&2
for n in 500 5000; do
  row "auto-dispatch decision, $n engineers in the region|$(sed -n "s/.*decision, *$n engineers in the region: p50 \([0-9.]*\) ms.*/p50 \1 ms/p" "$WORK/dispatch.txt")|$(sed -n "s/.*decision, *$n engineers in the region: .*p99 \([0-9.]*\) ms.*/p99 \1 ms/p" "$WORK/dispatch.txt")|$([ $n = 5000 ] && echo 'target p99 ≤ 5 ms' || echo 'same-run baseline')"
done
# Issue 15: an order with a part checks every van of the region on the stock items first.
row "auto-dispatch decision with a part, 5000 engineers (5000 vans)|$(sed -n "s/.*with a part, *5000 engineers in the region: p50 \([0-9.]*\) ms.*/p50 \1 ms/p" "$WORK/dispatch.txt")|$(sed -n "s/.*with a part, *5000 engineers in the region: .*p99 \([0-9.]*\) ms.*/p99 \1 ms/p" "$WORK/dispatch.txt")|target p99 ≤ 5 ms; baseline: the row above"
# (j) an outlet's month with 100,000 completed visits (issue 15): the totals,
# and every line read page by page, from a served log.
echo "== (j) settlement of 100,000 visits" >&2
mkdir -p "$WORK/settle"
"$BUILD/bench/make_log" --dir "$WORK/settle/log" --requests 0 --visits 100000 >&2
serve "$WORK/settle"
settle > /dev/null
python3 "$(dirname "$0")/settlement_walk.py" "$PORT" "$TOKEN" O-BENCH 2026-11 > "$WORK/settlement.txt"
cat "$WORK/settlement.txt" >&2
row "(j) settlement: a month's totals, 100,000 visits|$(sed -n 's/^totals \([0-9.]*\) ms.*/\1 ms/p' "$WORK/settlement.txt")||target ≤ 1 s"
row "(j) settlement: every line, 500 a page|$(sed -n 's/.*; lines \([0-9]*\) in \([0-9]*\) pages, \([0-9.]*\) s.*/\3 s/p' "$WORK/settlement.txt")|$(sed -n 's/.*; lines \([0-9]*\) in \([0-9]*\) pages.*/\1 lines, \2 pages/p' "$WORK/settlement.txt")|"
kill "$SERVE_PID"; wait "$SERVE_PID" 2> /dev/null || true
# (k) the console (issue 16): first contentful paint, and the dispatch board
# with 1,000 engineers and 5,000 open requests in Debian's chromium.
echo "== (k) the console in chromium" >&2
node "$(dirname "$0")/console_bench.mjs" "$BUILD/aftercare" 1000 5000 20 > "$WORK/console.txt"
cat "$WORK/console.txt" >&2
row "(k) console first contentful paint|$(sed -n 's/^console first contentful paint: \([0-9]*\) ms.*/\1 ms/p' "$WORK/console.txt")|sign-in form at $(sed -n 's/.*the sign-in form drawn at \([0-9]*\) ms.*/\1 ms/p' "$WORK/console.txt")|target ≤ 1 s"
row "(k) dispatch board update, 1,000 engineers, 5,000 open requests|$(sed -n 's/^board update .*: p50 \([0-9.]*\) ms, p99\/max \([0-9.]*\) ms.*/p50 \1 ms/p' "$WORK/console.txt")|$(sed -n 's/^board update .*: p50 \([0-9.]*\) ms, p99\/max \([0-9.]*\) ms.*/max \2 ms/p' "$WORK/console.txt")|target ≤ 100 ms; with its API calls: $(sed -n 's/^board refresh with its API calls: \(.*\)/\1/p' "$WORK/console.txt")"
serve "$WORK/big"
curl -s "127.0.0.1:$PORT/v1/requests?limit=1" -H "Authorization: Bearer $TOKEN" > /dev/null
RSS=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVE_PID/status")
row "serve RSS holding $LOG_REQUESTS requests|$RSS MiB||target ≤ 512 MiB"

echo
echo "| $(date -u +%F) | $(nproc) cores | scenario | throughput | latency | notes |"
echo "|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do
  IFS='|' read -r name a b c <<< "$r"
  echo "| | | $name | $a | $b | $c |"
done
