#!/usr/bin/env bash
# Baseline: nginx from Debian serving FILE (the JSON of a request view) as a
# static file, driven by our load generator like aftercare's view scenario.
#   bench/baselines/nginx_view.sh FILE LOADGEN [SECONDS] [CONNECTIONS]
set -euo pipefail
FILE=$1
LOADGEN=$2
SECS=${3:-10}
CONNS=${4:-64}
WORK=$(mktemp -d /tmp/aftercare-nginx.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2> /dev/null || true
  sleep 0.2
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/www"
cp "$FILE" "$WORK/www/view.json"
chmod -R a+rX "$WORK"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  types { application/json json; }
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
  }
}
CONF
/usr/sbin/nginx -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/error.log"
for _ in $(seq 50); do [ -s "$WORK/nginx.pid" ] && break; sleep 0.1; done
"$LOADGEN" --port "$PORT" --scenario static --path /view.json --connections "$CONNS" --seconds "$SECS"
