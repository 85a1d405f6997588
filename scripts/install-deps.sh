#!/usr/bin/env bash
# Installs the Debian packages aftercare builds and tests with.
# Idempotent: a no-op when everything is present; runs `apt-get update` only
# when something is missing. Works on a minimal Debian 12 with no compiler.
set -euo pipefail

PACKAGES=(
  g++ make cmake pkg-config
  libboost-dev            # Beast + Asio (header-only)
  librocksdb-dev          # embedded log, read models
  librdkafka-dev          # Kafka log and the development broker
  libsimdjson-dev         # JSON parsing
  libfmt-dev              # text formatting
  libssl-dev              # SHA-256 for the hash chains
  libgtest-dev            # tests
  curl                    # scripts wait for /readyz with it
  jq                      # README's walk-throughs use it (tests/readme_test.sh runs them)
  kcat                    # streaming-contract tests read topics with it
  python3-jsonschema      # ...and validate the records against schemas/ with it
)

# `--fuzz`: also clang, for the libFuzzer targets (make fuzz).
# `--bench`: also the baselines make bench compares with (PostgreSQL, nginx).
case "${1:-}" in
  --fuzz) PACKAGES+=(clang) ;;
  --bench) PACKAGES+=(postgresql nginx) ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
