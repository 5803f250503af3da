#!/usr/bin/env bash
# Installs playwright-core (drives a browser over the DevTools protocol; the console's browser tests use it
# with Debian's chromium, no downloaded browser) into .deps/playwright from scripts/playwright/package-lock.json
# (pinned with its integrity hash).
exec "$(dirname "$0")/install_npm_lock.sh" playwright
