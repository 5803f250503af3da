#!/usr/bin/env bash
# Installs s3rver (an S3-compatible server in Node.js; the tests start it on loopback to exercise the S3
# blob store) into .deps/s3rver from scripts/s3rver/package-lock.json (pinned with integrity hashes).
exec "$(dirname "$0")/install_npm_lock.sh" s3rver
