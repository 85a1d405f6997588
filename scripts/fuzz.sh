#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ for SECONDS each (default 600), with
# ASan and UBSan; an input slower than 1 s counts as a failure. New inputs
# that add coverage are merged into fuzz/corpus/<target without _fuzz> (commit them).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
SECONDS_PER_TARGET=${1:-600}
BUILD=build/fuzz
TARGETS=(request_body_fuzz envelope_fuzz edge_envelope_fuzz)

./scripts/install-deps.sh --fuzz
if [ ! -f "$BUILD/Makefile" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAFTERCARE_SANITIZE=ON -DAFTERCARE_FUZZ=ON -DAFTERCARE_TESTS=OFF > /dev/null
fi
cmake --build "$BUILD" -j2 --target "${TARGETS[@]}"

status=0
for t in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/${t%_fuzz}"
  work="$BUILD/corpus-$t"
  mkdir -p "$work" "$BUILD/artifacts"
  echo "== $t: ${SECONDS_PER_TARGET}s"
  if ! "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=1 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-" "$work" "$corpus" \
      2> "$BUILD/$t.log"; then
    echo "FAILED: $t (see $BUILD/$t.log and $BUILD/artifacts/)"
    status=1
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done" "$BUILD/$t.log" || true
  "$BUILD/fuzz/$t" -merge=1 "$corpus" "$work" 2> /dev/null
  echo "   corpus: $(ls "$corpus" | wc -l) inputs in $corpus"
done
exit $status
