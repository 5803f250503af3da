#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Iris and builds it. Idempotent: a second run
# installs nothing and only rebuilds what changed.
#
#   scripts/setup.sh            install dependencies, configure, build (Release)
#   BUILD_DIR=... BUILD_TYPE=... scripts/setup.sh
#   ORT_ROOT=/opt/onnxruntime scripts/setup.sh   use an official ONNX Runtime release
#                                                instead of the pinned npm package
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
  libtomlplusplus-dev libhnswlib-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3
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

# --- configure and build ------------------------------------------------------------------
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DORT_ROOT="$ORT_DIR" -DIRIS_WERROR=ON
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "setup: built $BUILD_DIR/iris"
