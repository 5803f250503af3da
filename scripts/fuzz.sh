#!/usr/bin/env bash
# Fuzzes Iris's parsers of user-controlled bytes with libFuzzer (clang) under ASan + UBSan, for a fixed
# budget per target, and prints executions, coverage and crashes per target (docs/fuzzing.md).
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 60; TARGETS="image_decode task_list" to pick some
# Not part of CI (its time is for the tests); run it after changing a parser. Needs what scripts/setup.sh
# installs, clang-14 included (setup.sh is run first when either is missing).
# A crash is saved under build-fuzz/crashes/<target>/: copy it to fuzz/regressions/<target>/, fix the
# bug, and the ctest fuzz_regressions_<target> keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=${1:-60}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SHARED=${IRIS_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
export IRIS_SHARED_DIR=$SHARED
ALL_TARGETS="image_decode signature_codec clip_tokenizer collection_log request_head task_list http_request"
TARGETS=${TARGETS:-$ALL_TARGETS}

if [ ! -d "$ROOT/.deps/onnxruntime" ] || ! command -v clang++-14 >/dev/null; then "$ROOT/scripts/setup.sh"; fi

# http_request fuzzes cpp-httplib's parser, so it needs that parser compiled with the sanitizers and
# coverage: the source of the exact Debian version installed (the .so the server links), from Debian's
# archive, checked against the sha256 of its .dsc, with Debian's patches applied. Another version, or
# no archive: the target links the uninstrumented .so and the script says so.
HTTPLIB_DIR=""
fetch_httplib_source() {
  local version pool=http://deb.debian.org/debian/pool/main/c/cpp-httplib dir=$BUILD/httplib-src
  version=$(dpkg-query -W -f='${Version}' libcpp-httplib-dev 2>/dev/null || true)
  if [ "$version" != "0.11.4+ds-1+deb12u1" ]; then
    echo "fuzz.sh: libcpp-httplib-dev is '$version', not the pinned 0.11.4+ds-1+deb12u1: http_request runs uninstrumented" >&2
    return 0
  fi
  if [ ! -f "$dir/src/httplib.h" ]; then
    rm -rf "$dir" && mkdir -p "$dir/src"
    local orig=cpp-httplib_0.11.4+ds.orig.tar.xz deb=cpp-httplib_0.11.4+ds-1+deb12u1.debian.tar.xz
    if ! curl -fsS --max-time 120 -o "$dir/$orig" "$pool/$orig" || ! curl -fsS --max-time 120 -o "$dir/$deb" "$pool/$deb"; then
      echo "fuzz.sh: cannot download cpp-httplib's source from $pool: http_request runs uninstrumented" >&2
      return 0
    fi
    (cd "$dir" && sha256sum -c --quiet - <<SUMS
8b1a5df569003b6a4f24c68489bbda5c64aec94697bdc9ebba5d79408b2ae7eb  $orig
a0adf8a38610806f6d94ba69839438635e5e6580775e28ff31d6a081e34f1484  $deb
SUMS
    )
    tar -xf "$dir/$orig" -C "$dir/src" --strip-components=1
    tar -xf "$dir/$deb" -C "$dir"
    while read -r p; do [ -n "$p" ] && patch -s -d "$dir/src" -p1 <"$dir/debian/patches/$p"; done <"$dir/debian/patches/series"
  fi
  HTTPLIB_DIR=$dir/src
}
case " $TARGETS " in *" http_request "*) fetch_httplib_source ;; esac

SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" \
  -DIRIS_FUZZ=ON -DIRIS_FUZZ_HTTPLIB_DIR="$HTTPLIB_DIR" -DIRIS_BUILD_TESTS=OFF -DIRIS_BUILD_BENCHMARKS=OFF -DIRIS_WERROR=OFF -DIRIS_SHARED_DIR="$SHARED" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target iris_fuzz_all

SUMMARY=$BUILD/fuzz-summary.txt
printf '%-16s %8s %12s %10s %8s %8s %8s %8s\n' target seconds executions exec/s cov ft corpus crashes >"$SUMMARY"
for t in $TARGETS; do
  corpus=$BUILD/corpus/$t
  crashes=$BUILD/crashes/$t
  mkdir -p "$corpus" "$crashes"
  "$BUILD/fuzz/iris_fuzz_replay_$t" --write-seeds "$corpus" >/dev/null
  extra=()
  if [ "$t" = image_decode ]; then
    # Real photos of every format in ../shared/data (small ones: libFuzzer mutates them byte by byte).
    find "$SHARED/data" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \
      -o -iname '*.gif' -o -iname '*.tif' -o -iname '*.tiff' -o -iname '*.bmp' -o -iname '*.heic' -o -iname '*.avif' \) \
      -size -200k 2>/dev/null | sort | head -n 40 | while read -r f; do cp "$f" "$corpus/"; done || true
    extra=(-max_len=262144)
  fi
  log=$BUILD/fuzz-$t.log
  echo "== $t: ${SECONDS_PER_TARGET}s"
  "$BUILD/fuzz/iris_fuzz_$t" "$corpus" "$ROOT/fuzz/regressions/$t" -max_total_time="$SECONDS_PER_TARGET" \
    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" "${extra[@]}" >"$log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
  files=$(find "$corpus" -type f | wc -l)
  found=$(find "$crashes" -type f | wc -l)
  rate=$(awk -v e="${execs:-0}" -v s="$SECONDS_PER_TARGET" 'BEGIN { printf "%.0f", e / s }')
  printf '%-16s %8s %12s %10s %8s %8s %8s %8s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "$rate" "${cov:-?}" \
    "${ft:-?}" "$files" "$found" >>"$SUMMARY"
  if [ "$found" != 0 ]; then
    echo "   crash inputs in $crashes (first lines of the report below); log: $log"
    grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$log" || true
  fi
done
echo
cat "$SUMMARY"
