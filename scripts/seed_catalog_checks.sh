#!/usr/bin/env bash
# The jewelry seed's "Minimum Tests Before Deployment" (seed 003, section 6) against a real `iris serve`
# with a fake OpenAI-compatible provider (chat completions with images + images/edits, the test fakes of
# tests/support run as their own process by build/tests/iris_fake_openai):
#
#   1 new image upload      POST /image_similarity_search      -> duplicate_found: false
#   2 duplicate detection   the same image again               -> duplicate_found: true
#   3 caption generation    POST /generate_caption type=earring -> the full JSON reply (8 fields)
#   4 batch-4 generation    POST /generate-images earring       -> 4 images (types 1,2,4,5) + a ZIP
#   5 IP distance check     the duplicate's distance            -> within 0..1
#
#   scripts/seed_catalog_checks.sh [BUILD_DIR [SHARED_DIR]]   (defaults: build; $IRIS_SHARED_DIR, else ../shared)
# Exits non-zero when a check fails; prints one line per check. ctest runs it (tests/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SHARED=${IRIS_SHARED_DIR:-${2:-../shared}}
IRIS="$BUILD/iris"
FAKE="$BUILD/tests/iris_fake_openai"
for f in "$IRIS" "$FAKE"; do [ -x "$f" ] || { echo "missing $f: build first" >&2; exit 2; }; done
[ -d "$SHARED/models/clip-standin-colors" ] || { echo "missing $SHARED/models (set IRIS_SHARED_DIR)" >&2; exit 2; }

WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$FAKE" >"$WORK/fake.out" 2>"$WORK/fake.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '^images_url=' "$WORK/fake.out" 2>/dev/null && break; sleep 0.1; done
CHAT_URL=$(sed -n 's/^chat_url=//p' "$WORK/fake.out")
IMAGES_URL=$(sed -n 's/^images_url=//p' "$WORK/fake.out")
[ -n "$CHAT_URL" ] && [ -n "$IMAGES_URL" ] || { echo "the fake provider did not start" >&2; cat "$WORK/fake.err" >&2; exit 1; }

"$IRIS" models pull isnet-general-small-int8 --models-dir "$WORK/models" --model-mirror "$SHARED/models" \
  --log-level warn >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$IRIS" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" --models-dir "$WORK/models" \
  --local-models "colors=$SHARED/models/clip-standin-colors" --default-clip-model colors --preload-models colors \
  --captions-url "$CHAT_URL" --captions-model fake-vision-1 \
  --generation-url "$IMAGES_URL" --generation-model fake-image-1 \
  --generation-foreground-model isnet-general-small-int8 --log-level warn >"$WORK/serve.log" 2>&1 &
pids+=($!)
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 300); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$BASE/readyz" >/dev/null || { echo "iris serve did not become ready" >&2; cat "$WORK/serve.log" >&2; exit 1; }

IMG=$(ls "$SHARED"/data/clothing-cc0/images/dress/*.jpg | head -1)
failed=0
check() {  # check N NAME JSON PYTHON-EXPRESSION-ON-r
  if python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if ($4) else 1)" "$3"; then
    printf '%s  %-22s ok\n' "$1" "$2"
  else
    printf '%s  %-22s FAILED: %s\n' "$1" "$2" "$3"
    failed=1
  fi
}

r1=$(curl -s -X POST "$BASE/image_similarity_search" -F "file=@$IMG")
check 1 "new image upload" "$r1" 'r.get("duplicate_found") is False and r.get("s3_url")'
r2=$(curl -s -X POST "$BASE/image_similarity_search" -F "file=@$IMG")
check 2 "duplicate detection" "$r2" 'r.get("duplicate_found") is True and len(r["results"]) == 1'
CAPTION_IMG=$(ls "$SHARED"/data/clothing-cc0/images/shirt/*.jpg | head -1)
r3=$(curl -s -X POST "$BASE/generate_caption" -F "file=@$CAPTION_IMG" -F "type=earring")
check 3 "caption generation" "$r3" \
  'sorted(r) == ["attributes","color","description","display_name","generated_name","prompt","quality","s3_url"] and r["quality"] in "ABC"'
URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["s3_url"])' "$r1")
r4=$(curl -s -X POST "$BASE/generate-images" -H 'Content-Type: application/json' \
  -d "{\"s3_urls\": \"$URL\", \"product_type\": \"earring\"}")
check 4 "batch-4 generation" "$r4" \
  'sorted(g["image_type"] for g in r["gen_images"]) == [1,2,4,5] and r.get("zip_url") and not r.get("failed")'
check 5 "IP distance check" "$r2" 'all(0 <= x["distance"] <= 1 for x in r["results"])'
exit $failed
