#!/usr/bin/env bash
# Webhook delivery alone (row (h) of `make bench`): an intake load writes
# request.opened events, then a webhook registered with "start": "beginning"
# delivers every one to bench/webhook_sink; then the same-run baseline, bare
# POSTs from the deliverer's HTTP client.   bench/webhook_bench.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build/release}
WORK=$(mktemp -d /tmp/hookbench.XXXXXX)
"$BUILD/aftercare" serve --data "$WORK/data" --listen 127.0.0.1:0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
SP=$!
trap 'kill $SP 2>/dev/null; rm -rf $WORK' EXIT
for _ in $(seq 600); do grep -q '^listening on' "$WORK/serve.out" 2> /dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out")
TOKEN=$(grep -o '"token":"[^"]*"' "$WORK/data/tokens.json" | head -1 | cut -d'"' -f4)
until curl -sf "127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.2; done
"$BUILD/bench/loadgen" --port "$PORT" --token "$TOKEN" --seconds "${SECS:-10}" --scenario intake --connections 64 | grep -E "requests/s|requests " || true
"$BUILD/bench/webhook_sink" > "$WORK/sink.txt" &
SINK=$!
for _ in $(seq 100); do grep -q '^listening on' "$WORK/sink.txt" 2> /dev/null && break; sleep 0.1; done
SPORT=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$WORK/sink.txt")
curl -s -X PUT "127.0.0.1:$PORT/v1/webhooks/bench" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"url":"http://127.0.0.1:'"$SPORT"'/hook","event_types":["aftercare.request.opened.v1"],"secret":"bench secret 0123456789","start":"beginning"}' > /dev/null
wait $SINK || true
cat "$WORK/sink.txt"
curl -s "127.0.0.1:$PORT/v1/webhooks/bench" -H "Authorization: Bearer $TOKEN" | head -c 600; echo
"$BUILD/bench/webhook_sink" --baseline 50000 --body-bytes 700
