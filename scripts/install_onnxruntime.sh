#!/usr/bin/env bash
# Installs ONNX Runtime (CPU) into .deps/onnxruntime/{include,lib} from the pinned npm package
# com.github.asus4.onnxruntime@0.4.9 (ONNX Runtime 1.29, ORT_API_VERSION 29), checking the
# tarball's sha256. Skipped when ORT_ROOT is set (an official release with include/ and lib/)
# or when the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PKG=com.github.asus4.onnxruntime
VERSION=0.4.9
SHA256=e59788788818fdde1b2e522e766a21ba0f7d8391de55737abf81e32cc801785d
DEST=$ROOT/.deps/onnxruntime
STAMP="$DEST/.installed-$PKG-$VERSION"

if [ -n "${ORT_ROOT:-}" ]; then
  [ -f "$ORT_ROOT/include/onnxruntime_cxx_api.h" ] || [ -f "$ORT_ROOT/include/onnxruntime/onnxruntime_cxx_api.h" ] || {
    echo "ORT_ROOT=$ORT_ROOT has no include/onnxruntime_cxx_api.h" >&2; exit 1; }
  exit 0
fi
[ -f "$STAMP" ] && exit 0

CACHE=$ROOT/.deps/cache
mkdir -p "$CACHE"
TARBALL="$CACHE/$PKG-$VERSION.tgz"
if [ ! -f "$TARBALL" ] || ! echo "$SHA256  $TARBALL" | sha256sum -c --quiet - 2>/dev/null; then
  echo "setup: downloading $PKG@$VERSION from the npm registry"
  (cd "$CACHE" && npm pack --silent "$PKG@$VERSION" >/dev/null)
fi
echo "$SHA256  $TARBALL" | sha256sum -c --quiet - || { echo "sha256 mismatch for $TARBALL" >&2; rm -f "$TARBALL"; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
HEADERS='package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers'
tar -xzf "$TARBALL" -C "$TMP" --wildcards 'package/Plugins/Linux/x64/*.so' "$HEADERS/*"
rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp/include" "$DEST.tmp/lib"
cp "$TMP/$HEADERS"/*.h "$DEST.tmp/include/"
cp "$TMP"/package/Plugins/Linux/x64/*.so "$DEST.tmp/lib/"
ln -s libonnxruntime.so "$DEST.tmp/lib/libonnxruntime.so.1"   # the library's SONAME
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
touch "$STAMP"
echo "setup: ONNX Runtime installed in $DEST"
