#!/usr/bin/env bash
# scripts/install_npm_lock.sh NAME: installs the npm packages pinned by scripts/NAME/package-lock.json into
# .deps/NAME with `npm ci` (every package at its locked version and integrity hash; no browser or other
# download scripts: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD). Skipped when that lock file is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=${1:?usage: scripts/install_npm_lock.sh NAME}
DEST=$(pwd)/.deps/$NAME
STAMP="$DEST/.installed-$(sha256sum "scripts/$NAME/package-lock.json" | cut -c1-16)"
[ -f "$STAMP" ] && exit 0
rm -rf "$DEST" && mkdir -p "$DEST"
cp "scripts/$NAME/package.json" "scripts/$NAME/package-lock.json" "$DEST/"
(cd "$DEST" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
touch "$STAMP"
echo "setup: $NAME installed in $DEST"
