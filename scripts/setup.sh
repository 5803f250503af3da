#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Iris and builds it. Idempotent: a second run
# installs nothing and only rebuilds what changed.
#
#   scripts/setup.sh            install dependencies, configure, build (Release)
#   BUILD_DIR=... BUILD_TYPE=... scripts/setup.sh
#   ORT_ROOT=/opt/onnxruntime scripts/setup.sh   use an official ONNX Runtime release
#                                                instead of the pinned npm package
#   IRIS_MODEL_MIRROR=DIR scripts/setup.sh       install the default analysis models from DIR
#                                                (default: ../shared/models when it exists)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BUILD_TYPE=${BUILD_TYPE:-Release}

# --- Debian packages (why each one: README "Dependencies") ---------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libvips-dev libvips-tools libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev
  libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
  libtomlplusplus-dev libhnswlib-dev libgtest-dev libgmock-dev libbenchmark-dev libzip-dev zlib1g-dev
  libpq-dev   # the PostgreSQL client (storage.database_url: several processes, one job queue)
  postgresql  # tests: a real server per test, in a temp dir (tests/support/postgres_process.h)
  python3 chromium
  python3-onnx python3-numpy  # tests: int8 twins of the stand-ins (../shared/tools/quantize_dynamic.py)
  clang-14  # scripts/fuzz.sh: libFuzzer, ASan, UBSan (not used by the build or the tests)
)
missing=()
# npm fetches ONNX Runtime; a machine may have its own Node.js/npm outside Debian's packages.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- ONNX Runtime ------------------------------------------------------------------------
"$ROOT/scripts/install_onnxruntime.sh"
ORT_DIR=${ORT_ROOT:-$ROOT/.deps/onnxruntime}

# --- s3rver (the S3-compatible server the tests run on loopback) ---------------------------
"$ROOT/scripts/install_s3rver.sh"

# --- playwright-core (drives chromium in the console's browser tests) --------------------------
"$ROOT/scripts/install_playwright.sh"

# --- configure and build ------------------------------------------------------------------
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DORT_ROOT="$ORT_DIR" -DIRIS_WERROR=ON
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "setup: built $BUILD_DIR/iris"

# --- default models -------------------------------------------------------------------------
# The detectors behind /analyze_image/ (permissive licences; see docs/models.md) are installed into
# models.dir (./iris-data/models) from a local mirror when one is at hand, so `iris serve` can detect
# persons and faces at once. Anything else is `iris models pull NAME`. Already-installed files are
# only re-verified.
MIRROR=${IRIS_MODEL_MIRROR:-}
[ -z "$MIRROR" ] && [ -d "$ROOT/../shared/models" ] && MIRROR="$ROOT/../shared/models"
if [ -n "$MIRROR" ]; then
  "$BUILD_DIR/iris" models pull yolox-nano yunet ultraface-rfb-320 ultraface-rfb-640 --model-mirror "$MIRROR" \
    --log-level warn >/dev/null && echo "setup: default analysis models installed from $MIRROR" ||
    echo "setup: could not install the default analysis models from $MIRROR (iris models pull ... to retry)"
else
  echo "setup: no model mirror; install models with: build/iris models pull yolox-nano yunet"
fi
