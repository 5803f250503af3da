#!/usr/bin/env bash
# Installs playwright-core (drives a browser over the DevTools protocol; the console's browser tests use it with
# Debian's chromium, no downloaded browser) into .deps/playwright with `npm ci` from
# scripts/playwright/package-lock.json, so the version and its integrity hash are pinned. Skipped when that
# lock file is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEST=$ROOT/.deps/playwright
STAMP="$DEST/.installed-$(sha256sum scripts/playwright/package-lock.json | cut -c1-16)"
[ -f "$STAMP" ] && exit 0
rm -rf "$DEST" && mkdir -p "$DEST"
cp scripts/playwright/package.json scripts/playwright/package-lock.json "$DEST/"
(cd "$DEST" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
touch "$STAMP"
echo "setup: playwright-core installed in $DEST"
