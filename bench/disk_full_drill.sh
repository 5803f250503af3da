#!/usr/bin/env bash
# Disk-full drill: runs `iris serve` with its data directory on a small private tmpfs, fills that
# file system, and prints what each kind of write answers, what /readyz says, and whether the
# server recovers (and keeps every acknowledged write) once space returns.
#
#     bench/disk_full_drill.sh [path/to/iris]        (default build/iris; SIZE=32m to change the tmpfs)
#
# Needs `unshare -rm` (a user + mount namespace, so no root is needed on most Linux machines): the
# tmpfs exists only inside the server's namespace; this script talks to the server over loopback and
# tells the namespace when to fill and free the disk through two files in a host temp directory.
# Not a ctest: it mounts a file system. Expected output: every write after the fill is 507 with a JSON
# detail, /readyz is 503 with the storage check failing, and after the free everything is 2xx again.
set -euo pipefail

BIN=$(realpath "${1:-build/iris}")
SIZE=${SIZE:-32m}
CONTROL=$(mktemp -d)
DATA=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
BASE="http://127.0.0.1:$PORT"
trap 'touch "$CONTROL/stop"; sleep 1; rm -rf "$CONTROL" "$DATA"' EXIT

unshare -rm bash -c '
  set -e
  mount -t tmpfs -o size='"$SIZE"' tmpfs "'"$DATA"'"
  "'"$BIN"'" serve --data-dir "'"$DATA"'" --host 127.0.0.1 --port '"$PORT"' 2>"'"$CONTROL"'/server.log" &
  server=$!
  until [ -e "'"$CONTROL"'/fill" ] || [ -e "'"$CONTROL"'/stop" ]; do sleep 0.1; done
  # Fill to the last block: dd stops at ENOSPC.
  dd if=/dev/zero of="'"$DATA"'/filler" bs=64k 2>/dev/null || true
  touch "'"$CONTROL"'/filled"
  until [ -e "'"$CONTROL"'/free" ] || [ -e "'"$CONTROL"'/stop" ]; do sleep 0.1; done
  rm -f "'"$DATA"'/filler"
  touch "'"$CONTROL"'/freed"
  until [ -e "'"$CONTROL"'/stop" ]; do sleep 0.1; done
  kill $server; wait $server || true
' &

for _ in $(seq 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# A tiny PNG from printf (a 1x1 red pixel), varied so each upload is a new blob.
png() { python3 -c '
import struct, sys, zlib
w = h = 16; seed = int(sys.argv[1])
raw = b"".join(b"\x00" + bytes((seed * 7 + x * 13 + y) & 255 for x in range(w * 3)) for y in range(h))
def chunk(k, d): return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xFFFFFFFF)
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))' "$1"; }

say() { printf '%-34s %s\n' "$1" "$2"; }
code() { curl -s -o "$CONTROL/body" -w '%{http_code}' "$@"; }
body() { head -c 160 "$CONTROL/body"; }

json='-H Content-Type:application/json'
code -X POST $json -d '{"name":"kept","model":"external","dim":2,"metric":"l2"}' "$BASE/v1/collections" >/dev/null
for i in 1 2 3; do code -X PUT $json -d "{\"vector\":[$i,0]}" "$BASE/v1/collections/kept/items/before-$i" >/dev/null; done
png 1 >"$CONTROL/a.png"
say "before: image upload" "$(code -F file=@"$CONTROL/a.png" "$BASE/v1/images") $(body)"
say "before: /readyz" "$(code "$BASE/readyz")"

touch "$CONTROL/fill"
for _ in $(seq 300); do [ -e "$CONTROL/filled" ] && break; sleep 0.1; done
echo "--- data directory full ---"
png 2 >"$CONTROL/b.png"
say "item PUT" "$(code -X PUT $json -d '{"vector":[9,0]}' "$BASE/v1/collections/kept/items/during") $(body)"
# A small record can still fit in the log's last allocated page: write until the first refusal.
for i in $(seq 2000); do
  status=$(code -X PUT $json -d "{\"vector\":[$i,1],\"metadata\":{\"pad\":\"$(printf '%0200d' 0)\"}}" \
    "$BASE/v1/collections/kept/items/fill-$i")
  [ "$status" = 200 ] || break
done
say "item PUTs until refused" "after $((i - 1)) more: $status $(body)"
say "collection create" "$(code -X POST $json -d '{"name":"new","model":"external","dim":2}' "$BASE/v1/collections") $(body)"
say "image upload (blob + SQLite)" "$(code -F file=@"$CONTROL/b.png" "$BASE/v1/images") $(body)"
say "item DELETE" "$(code -X DELETE "$BASE/v1/collections/kept/items/before-1") $(body)"
say "/readyz" "$(code "$BASE/readyz") $(body)"
say "/healthz" "$(code "$BASE/healthz")"

touch "$CONTROL/free"
for _ in $(seq 300); do [ -e "$CONTROL/freed" ] && break; sleep 0.1; done
echo "--- space returned ---"
say "/readyz" "$(code "$BASE/readyz")"
say "item PUT" "$(code -X PUT $json -d '{"vector":[9,0]}' "$BASE/v1/collections/kept/items/after") $(body)"
say "collection create" "$(code -X POST $json -d '{"name":"new","model":"external","dim":2}' "$BASE/v1/collections")"
say "image upload" "$(code -F file=@"$CONTROL/b.png" "$BASE/v1/images")"
say "acknowledged items" "$(curl -s "$BASE/v1/collections/kept" | head -c 200)"
missing=0
for id in before-2 before-3 during after $(seq -f 'fill-%g' 1 $((i - 1))); do
  [ "$(code "$BASE/v1/collections/kept/items/$id")" = 200 ] || missing=$((missing + 1))
done
say "acknowledged but missing" "$missing"
