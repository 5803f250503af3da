#!/usr/bin/env bash
# fp32 and int8 side by side, in one run on one machine (docs/performance.md, "int8 variants"):
#   1. the int8 twin of the random-weight ViT-B/32 bench model is made with ../shared/tools/quantize_dynamic.py
#      next to it if missing (<models>/vit-b32-random-int8: quantized vision_model.onnx + the same preprocessor);
#   2. `iris bench embed` on each: a real `iris serve` driven over HTTP (1-client latency, N-client throughput),
#      then the bare model at batch 1 and 8 with no server running;
#   3. `iris models compare` of the two on the real photos of ../shared/data/debian-photos (per-image cosine,
#      top-10 neighbour agreement);
#   4. the ratios of issue 17: int8 end-to-end / fp32 end-to-end (target >= 1.8), int8 end-to-end / int8 bare
#      batch 8 (target >= 0.8), and p50 one-client latency of both.
#
#   bench/compare_variants.sh [IMAGE_DIR]        (default: aloeL.jpg, the image of bench/compare_with_peer.sh)
# Env: BENCH_MODELS (default /tmp/bench-models), CONCURRENCY (8), DURATION (30 s), REPEAT (1: runs of the pair),
# OUT (/tmp/iris-variants: JSON results). Needs build/iris, Debian's python3-onnx python3-numpy (quantizing) and
# python3-torch python3-torchvision (make_models.py bench, only when the fp32 bench model is missing: ~1 GB).
# Run it on an idle machine: another build on the same cores changes every number.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${IRIS_SHARED_DIR:-$ROOT/../shared}
MODELS=${BENCH_MODELS:-/tmp/bench-models}
CONCURRENCY=${CONCURRENCY:-8}  # 8 clients let batches of 8 form, the batch the bare model is timed at
DURATION=${DURATION:-30}
REPEAT=${REPEAT:-1}
OUT=${OUT:-/tmp/iris-variants}
IMAGES=${1:-}
mkdir -p "$OUT"
if [ -z "$IMAGES" ]; then
  IMAGES=$OUT/images
  mkdir -p "$IMAGES"
  cp "$SHARED/data/debian-photos/images/aloeL.jpg" "$IMAGES/"   # 1024x887
fi
FP32=$MODELS/vit-b32-random
INT8=$MODELS/vit-b32-random-int8
[ -f "$FP32/vision_model.onnx" ] || /usr/bin/python3 "$SHARED/tools/make_models.py" bench "$MODELS"
if [ ! -f "$INT8/vision_model.onnx" ]; then
  mkdir -p "$INT8"
  cp "$FP32/preprocessor_config.json" "$INT8/"
  /usr/bin/python3 "$SHARED/tools/quantize_dynamic.py" "$FP32/vision_model.onnx" "$INT8/vision_model.onnx"
fi

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== model files: fp32 $(du -m "$FP32/vision_model.onnx" | cut -f1) MB, int8 $(du -m "$INT8/vision_model.onnx" | cut -f1) MB"
for run in $(seq "$REPEAT"); do
  for variant in fp32 int8; do
    dir=$FP32; [ "$variant" = int8 ] && dir=$INT8
    echo "== run $run: $variant (iris serve + same client, then the bare model)"
    "$ROOT/build/iris" bench embed --model "$dir" --images "$IMAGES" --concurrency "$CONCURRENCY" \
      --duration "$DURATION" --json "$OUT/bench-$variant-$run.json" 2>&1 | grep -v '^20'
  done
done

echo "== fidelity on the real photos of ../shared/data/debian-photos (int8 vs fp32)"
"$ROOT/build/iris" models compare fp32 int8 --images "$SHARED/data/debian-photos/images" \
  --local-models "fp32=$FP32,int8=$INT8" --json "$OUT/compare.json" 2>&1 | grep -v '^20'

/usr/bin/python3 - "$OUT" "$REPEAT" <<'PY'
import json, sys
out, repeat = sys.argv[1], int(sys.argv[2])
for run in range(1, repeat + 1):
    f = json.load(open(f"{out}/bench-fp32-{run}.json")); i = json.load(open(f"{out}/bench-int8-{run}.json"))
    fe, ie = f["throughput"]["throughput_rps"], i["throughput"]["throughput_rps"]
    ib = i["bare_model"]["batch_8"]["images_per_s"]; fb = f["bare_model"]["batch_8"]["images_per_s"]
    print(f"run {run}: end-to-end fp32 {fe:.2f} img/s, int8 {ie:.2f} img/s -> int8/fp32 {ie / fe:.2f}x (target >= 1.8)")
    print(f"run {run}: bare batch-8 fp32 {fb:.2f} img/s, int8 {ib:.2f} img/s -> bare int8/fp32 {ib / fb:.2f}x")
    print(f"run {run}: int8 end-to-end / int8 bare batch-8 {ie / ib:.2f} (target >= 0.8); "
          f"fp32 end-to-end / fp32 bare {fe / fb:.2f}")
    print(f"run {run}: p50 one client: fp32 {f['latency']['p50_ms']:.1f} ms, int8 {i['latency']['p50_ms']:.1f} ms")
c = json.load(open(f"{out}/compare.json"))
print(f"fidelity on {c['images']} photos: cosine min {c['cosine_min']:.4f} mean {c['cosine_mean']:.4f}; "
      f"top-{c['neighbours_k']} neighbour agreement mean {c['neighbour_agreement_mean']:.3f} "
      f"min {c['neighbour_agreement_min']:.3f} (target >= 0.9)")
PY
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
