#!/usr/bin/env bash
# Side-by-side speed comparison, in one run on one machine (docs/performance.md):
#   1. the seed-style Python peer (../shared/peers, FastAPI + PyTorch, its own thread defaults)
#   2. iris serve with the same random-weight ViT-B/32 (identical weights, ONNX export)
# both driven by the same client (`iris bench embed`: N keep-alive clients, multipart uploads),
# then the bare ONNX Runtime model at batch 1 and 8 (the physical ceiling).
#
#   bench/compare_with_peer.sh [IMAGE_DIR]
# Needs: build/iris (scripts/setup.sh), Debian's python3-torch python3-torchvision python3-fastapi
# python3-uvicorn python3-multipart python3-pil python3-onnx (for make_models.py), libopenblas0-pthread
# (without it Debian's torch falls back to the reference BLAS and the peer is ~35x slower), and the bench
# models (made here in /tmp/bench-models if missing: ~1 GB, never in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${IRIS_SHARED_DIR:-$ROOT/../shared}
MODELS=${PEER_MODEL_DIR:-/tmp/bench-models}
IMAGES=${1:-}
CONCURRENCY=${CONCURRENCY:-4}
DURATION=${DURATION:-30}
PORT=${PORT:-8011}
if [ -z "$IMAGES" ]; then
  IMAGES=$(mktemp -d)
  cp "$SHARED/data/debian-photos/images/aloeL.jpg" "$IMAGES/"   # 1024x887, the peer README's image
fi
[ -f "$MODELS/vit-b32-random/vision_model.onnx" ] || /usr/bin/python3 "$SHARED/tools/make_models.py" bench "$MODELS"

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== peer (seed-style Python service)"
(cd "$SHARED/peers" && PEER_MODEL_DIR=$MODELS PEER_MODELS=vit /usr/bin/python3 -m uvicorn seedstyle_server:app \
  --host 127.0.0.1 --port "$PORT" > /tmp/iris-peer.log 2>&1) &
sleep 1
PEER_PID=$(pgrep -f "uvicorn seedstyle_server:app --host 127.0.0.1 --port $PORT" | head -1)
trap 'kill $PEER_PID 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 1
done
"$ROOT/build/iris" bench embed --url "http://127.0.0.1:$PORT/embed?model=vit" --field file --pid "$PEER_PID" \
  --images "$IMAGES" --concurrency "$CONCURRENCY" --duration "$DURATION" --json /tmp/iris-bench-peer.json
kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
trap - EXIT

echo "== iris (same client, same weights) + bare ONNX Runtime"
"$ROOT/build/iris" bench embed --model "$MODELS/vit-b32-random" --images "$IMAGES" \
  --concurrency "$CONCURRENCY" --duration "$DURATION" --json /tmp/iris-bench-iris.json 2>&1 | grep -v '^20'
echo "== model file: $(du -m "$MODELS/vit-b32-random/vision_model.onnx" | cut -f1) MB"
/usr/bin/python3 - <<'PY'
import json
p = json.load(open('/tmp/iris-bench-peer.json')); i = json.load(open('/tmp/iris-bench-iris.json'))
print(f"throughput iris/peer: {i['throughput']['throughput_rps'] / p['throughput']['throughput_rps']:.2f}x")
print(f"single-request p50 iris/peer: {i['latency']['p50_ms'] / p['latency']['p50_ms']:.2f}")
print(f"iris throughput / bare batch-8: {i['throughput_vs_bare_batch8']:.2f}")
PY
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
