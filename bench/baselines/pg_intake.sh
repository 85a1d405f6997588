#!/usr/bin/env bash
# Baseline: PostgreSQL from Debian doing aftercare's intake work (pg_intake.sql)
# with pgbench, 64 clients, durable commits. Started in a temporary directory,
# removed afterwards.   bench/baselines/pg_intake.sh [SECONDS] [CLIENTS]
# Prints one line: "postgresql intake: N tps p50 X ms p99 Y ms p99.9 Z ms".
set -euo pipefail
SECS=${1:-10}
CLIENTS=${2:-64}
HERE=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/aftercare-pg.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
AS=()
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); chown postgres "$WORK"; fi
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -A trust -U bench > /dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w -o \
  "-k $WORK -p $PORT -c listen_addresses='' -c fsync=on -c synchronous_commit=on \
   -c max_connections=$((CLIENTS + 10)) -c shared_buffers=512MB" start > /dev/null
PSQL=("${AS[@]}" "$PGBIN/psql" -q -h "$WORK" -p "$PORT" -U bench -d postgres)
"${PSQL[@]}" -f "$HERE/pg_schema.sql"
cp "$HERE/pg_intake.sql" "$WORK/intake.sql"
( cd "$WORK" && "${AS[@]}" "$PGBIN/pgbench" -h "$WORK" -p "$PORT" -U bench -n -c "$CLIENTS" -j 2 \
    -T "$SECS" -f "$WORK/intake.sql" -l --log-prefix="$WORK/tx" postgres > "$WORK/pgbench.out" 2>&1 )
TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out" | head -1)
# Per-transaction log: field 3 is the latency in microseconds.
cat "$WORK"/tx.* | awk '{print $3}' | sort -n > "$WORK/lat"
N=$(wc -l < "$WORK/lat")
pct() { awk -v n="$N" -v p="$1" 'NR == int(n * p) + 1 { printf "%.2f", $1 / 1000; exit }' "$WORK/lat"; }
printf "postgresql intake: %.0f tps p50 %s ms p99 %s ms p99.9 %s ms (%d clients, %s s)\n" \
  "$TPS" "$(pct 0.50)" "$(pct 0.99)" "$(pct 0.999)" "$CLIENTS" "$SECS"
