#!/usr/bin/env bash
# Kafka-mode figures against the development broker: raw log appends
# (idempotent producer, acks=all) and durable intake over HTTP through
# `aftercare serve --kafka`. Everything runs on this machine.
#   bench/kafka_bench.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
BUILD=${1:-build/release}
WORK=$(mktemp -d /tmp/aftercare-kafka-bench.XXXXXX)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# Starts a fresh dev broker; sets B (bootstrap) and BROKER (pid).
start_broker() {
  rm -f "$WORK/broker.txt"
  "$BUILD/aftercare" dev-broker > "$WORK/broker.txt" 2>/dev/null &
  BROKER=$!
  for _ in $(seq 50); do [ -s "$WORK/broker.txt" ] && break; sleep 0.1; done
  B=$(head -1 "$WORK/broker.txt")
}

echo "== log appends to the dev broker"
start_broker
"$BUILD/bench/log_append_bench" --kafka "$B" --appenders 64 --seconds 10 2>/dev/null
kill "$BROKER"; wait "$BROKER" 2>/dev/null || true

echo "== durable intake over HTTP, serve --kafka on the dev broker"
start_broker
"$BUILD/aftercare" serve --kafka "$B" --data "$WORK/data" --listen 127.0.0.1:0 > "$WORK/serve.out" 2>/dev/null &
for _ in $(seq 100); do grep -q '^listening on' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out")
TOKEN=$(grep -o '"token":"[^"]*"' "$WORK/data/tokens.json" | head -1 | cut -d'"' -f4)
until curl -sf "127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.1; done
"$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --connections 64 --seconds 10 --scenario intake
