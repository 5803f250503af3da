#!/usr/bin/env bash
# Installs s3rver (an S3-compatible server in Node.js; the tests start it on loopback to exercise the S3
# blob store) into .deps/s3rver with `npm ci` from scripts/s3rver/package-lock.json, so the version and every
# transitive dependency are pinned with their integrity hashes. Skipped when that lock file is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEST=$ROOT/.deps/s3rver
STAMP="$DEST/.installed-$(sha256sum scripts/s3rver/package-lock.json | cut -c1-16)"
[ -f "$STAMP" ] && exit 0
rm -rf "$DEST" && mkdir -p "$DEST"
cp scripts/s3rver/package.json scripts/s3rver/package-lock.json "$DEST/"
(cd "$DEST" && npm ci --silent --no-audit --no-fund >/dev/null)
touch "$STAMP"
echo "setup: s3rver installed in $DEST"
