#!/usr/bin/env bash
# Builds Iris (through scripts/setup.sh, so it also installs what is missing) and runs every
# test with ctest. Tests read real models and photos from ../shared (override: IRIS_SHARED_DIR).
#   scripts/test.sh                 all tests
#   scripts/test.sh -L e2e          only end-to-end tests (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
export IRIS_SHARED_DIR=${IRIS_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
if [ ! -d "$IRIS_SHARED_DIR/models" ] || [ ! -d "$IRIS_SHARED_DIR/data" ]; then
  echo "test: IRIS_SHARED_DIR=$IRIS_SHARED_DIR has no models/ and data/; point it at the shared folder" >&2
  exit 1
fi
"$ROOT/scripts/setup.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 -j "$(nproc)" "$@"
