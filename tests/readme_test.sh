#!/usr/bin/env bash
# Runs README.md's walk-throughs, as written, against a real server on a
# fresh data directory: the examples must work (on any date — they compute
# their dates) and tell the story they claim.
#   tests/readme_test.sh AFTERCARE_BINARY SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
"$BIN" serve --data data --listen 127.0.0.1:0 > serve.out 2> serve.err &
pid=$!
for _ in $(seq 300); do grep -q "listening on" serve.out && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' serve.out)
[ -n "$port" ] || { echo "serve did not start"; cat serve.err; exit 1; }
for _ in $(seq 300); do curl -sf "127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done

# The shell blocks of the two walk-through sections, with the server's port.
python3 - "$SRC/README.md" "$port" > walk.sh <<'PY'
import re, sys
text = open(sys.argv[1]).read()
start = text.index("## Walk-through: one request")
end = text.index("\n## ", text.index("## Walk-through: a visit that needs a part") + 3)
blocks = re.findall(r"```sh\n(.*?)```", text[start:end], re.S)
assert len(blocks) == 4, blocks
print("set -euo pipefail")
walk = "\n".join(blocks).replace("U=localhost:8080", "U=127.0.0.1:" + sys.argv[2])
# The audit reads the log the server is writing: the binary under test, on its data directory.
print(walk.replace("./build/release/aftercare audit", '"$BIN" audit').replace("--data ./data", "--data data"))
PY
BIN="$BIN" timeout 300 bash walk.sh > out.txt 2>&1 || { echo "the walk-through failed:"; cat out.txt; exit 1; }

fail() { echo "README walk-through: $1"; cat out.txt; exit 1; }
grep -q '"status":"closed","type":"repair"' out.txt || grep -q '"status":"closed"' out.txt || fail "no request was closed"
grep -q '"lock_reason":"two_failed_attempts"' out.txt || fail "the second request did not lock"
grep -q '"current_status":"locked"' out.txt || fail "assigning the locked request was not refused with 409"
grep -q '"engineer_id":"E-21","score"' out.txt || fail "no ranking was shown"
grep -q '"excluded_because":"off duty"' out.txt || fail "the off-duty engineer was not excluded with a reason"
[ "$(grep -c '"status":"closed"' out.txt)" -ge 2 ] || fail "the automatically dispatched request was not closed"
grep -q '{"status":"suspended","suspend_reason":"awaiting_parts"}' out.txt || fail "the visit that needs a part did not suspend the request"
grep -q '"outlet_fee":8000' out.txt || fail "the second visit's charge was not shown"
grep -q '"payable":16000' out.txt || fail "the outlet's settlement does not pay two on-site visits"
grep -q 'aftercare.stock.awaited_available.v1' out.txt || fail "the audit does not show the part movements of the case"
problems=$(grep -o '"type":"https://aftercare.dev/problems/[a-z-]*"' out.txt | sort | uniq -c)
[ "$(echo "$problems" | wc -l)" -eq 1 ] && echo "$problems" | grep -q illegal-transition \
  || fail "unexpected problems: $problems"
echo "README walk-throughs ran: 2 requests closed (one dispatched automatically), 1 locked and unlocked, 1 fixed on a second visit after waiting for a part"
