#!/usr/bin/env bash
# Listen backlog, before/after: runs bench/connection_burst.py against `iris serve` twice, once as built
# (backlog SOMAXCONN, api/http_server.cc) and once with an LD_PRELOAD shim that makes every listen()
# use httplib 0.11's backlog of 5 (the behaviour before the fix), and prints both.
#
#     bench/connection_burst.sh [path/to/iris] [connections (64)] [rounds (5)]
#
# Needs python3 and a C compiler (for the shim). Loopback only. Not a timed test.
set -euo pipefail

BIN=$(realpath "${1:-build/iris}")
CONNECTIONS=${2:-64}
ROUNDS=${3:-5}
HERE=$(dirname "$(realpath "$0")")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/backlog5.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
int listen(int fd, int backlog) {
  (void)backlog;
  int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
  return real(fd, 5);
}
EOF
cc -shared -fPIC -o "$WORK/backlog5.so" "$WORK/backlog5.c" -ldl

run() {
  local label=$1 preload=$2
  local port=$((20000 + RANDOM % 20000))
  env ${preload:+LD_PRELOAD=$preload} "$BIN" serve --host 127.0.0.1 --port "$port" --data-dir "$WORK/data-$label" \
    --log-level warn 2>"$WORK/$label.log" &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== $label (listen backlog: $(ss -ltn "sport = :$port" | awk 'NR==2 {print $3}'))"
  python3 "$HERE/connection_burst.py" --port "$port" --connections "$CONNECTIONS" --rounds "$ROUNDS"
  kill "$pid"
  wait "$pid" || true
}

run "backlog-5" "$WORK/backlog5.so"
run "as-built" ""
