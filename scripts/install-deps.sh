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

# `--test`: also LLVM's linker for the sanitized build, and what the browser
#   tests drive (make test): Debian's chromium,
#   CJK fonts for the Chinese screens, Node.js (Debian's, unless a node is
#   already there), and then playwright-core, pinned in tests/browser.
# `--fuzz`: also clang, for the libFuzzer targets (make fuzz).
# `--bench`: also the baselines make bench compares with (PostgreSQL, nginx),
#   and the browser tests' packages for the console's rows.
BROWSER=0
case "${1:-}" in
  --test) BROWSER=1; PACKAGES+=(lld) ;;  # lld: links the sanitized test build twice as fast (CMakeLists.txt)
  --fuzz) PACKAGES+=(clang) ;;
  --bench) PACKAGES+=(postgresql nginx); BROWSER=1 ;;
esac
if [ "$BROWSER" = 1 ]; then
  PACKAGES+=(chromium fonts-noto-cjk)
  command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
  command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
fi

# playwright-core from the npm registry, exactly as tests/browser/package-lock.json pins it.
install_browser_driver() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  if [ ! -f "$dir/node_modules/playwright-core/package.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in tests/browser" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "$BROWSER" = 1 ] && install_browser_driver
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
[ "$BROWSER" = 1 ] && install_browser_driver
exit 0
