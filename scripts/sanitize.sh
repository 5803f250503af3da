#!/usr/bin/env bash
# Sanitizer builds and runs (docs/sanitizers.md). Each mode configures its own build folder with g++, builds
# what it runs, and runs it with ctest; the summary line of ctest is the result. Not part of CI (an ASan
# build of everything takes ~1 h on 2 cores).
#   scripts/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer, every test (build-asan/)
#   scripts/sanitize.sh tsan   ThreadSanitizer, the tests of the concurrent parts: dynamic batcher
#                              (iris_runtime_test), job runner (iris_jobs_test), result cache and stores
#                              (iris_store_test), collections (iris_index_test) (build-tsan/)
#   TEST_BINARIES="core/iris_core_test image/iris_image_test" scripts/sanitize.sh asan
#                              build and run only these test binaries (paths under build-<mode>/src/)
# Extra arguments go to ctest (asan, e.g. -R Batcher) or to each gtest binary (tsan, e.g. --gtest_filter=*Batch*). Needs what scripts/setup.sh installs (run first if missing).
# A sanitizer report stops the test process (halt_on_error / abort_on_error), so it fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-}
shift || true
export IRIS_SHARED_DIR=${IRIS_SHARED_DIR:-$(cd "$ROOT/.." && pwd)/shared}
[ -d "$ROOT/.deps/onnxruntime" ] || "$ROOT/scripts/setup.sh"
SUPP=$ROOT/scripts/sanitizers

case "$MODE" in
  asan)
    # NO_MANUAL_VECTORIZATION: hnswlib 0.6.2's SSE prefetch reads one neighbour id past a full neighbour
    # list (hnswalg.h:214, a 4-byte read past the allocation that only feeds _mm_prefetch); without it
    # ASan stops at that read in every index test and checks nothing after it (docs/sanitizers.md).
    FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DNO_MANUAL_VECTORIZATION"
    # hnswlib 0.6.2's getConnectionsWithLock copies an empty link list with memcpy(nullptr, p, 0) (the update
    # path: a replaced item, a reused element); UBSan's nonnull check aborts on it. Off for that one file.
    EXTRA_CMAKE=(-DIRIS_HNSWLIB_SANITIZER_OPTIONS=-fno-sanitize=nonnull-attribute)
    read -r -a TEST_BINARIES <<<"${TEST_BINARIES:-}"  # empty: everything, through ctest
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$SUPP/ubsan.supp"
    ;;
  tsan)
    FLAGS="-fsanitize=thread -fno-omit-frame-pointer"
    EXTRA_CMAKE=()
    read -r -a TEST_BINARIES <<<"${TEST_BINARIES:-runtime/iris_runtime_test jobs/iris_jobs_test store/iris_store_test index/iris_index_test dedup/iris_dedup_test}"
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp"
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan [ctest arguments]" >&2
    exit 2
    ;;
esac

TARGETS=()  # everything
if [ "${#TEST_BINARIES[@]}" -gt 0 ]; then
  TARGETS=(--target)
  for b in "${TEST_BINARIES[@]}"; do TARGETS+=("$(basename "$b")"); done
fi
BUILD=$ROOT/build-$MODE
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$FLAGS" \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$FLAGS" -DCMAKE_SHARED_LINKER_FLAGS="$FLAGS" \
  -DIRIS_BUILD_BENCHMARKS=OFF -DIRIS_WERROR=OFF -DIRIS_SHARED_DIR="$IRIS_SHARED_DIR" "${EXTRA_CMAKE[@]}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" "${TARGETS[@]}"
if [ "${#TEST_BINARIES[@]}" -gt 0 ]; then
  # The test binaries themselves (gtest), one after the other (TSan needs the cores for its own threads).
  rc=0
  for b in "${TEST_BINARIES[@]}"; do
    log=$BUILD/$(basename "$b").log
    options=${TSAN_OPTIONS:-}
    # hnswlib makes 65,536 mutexes per graph; they overflow TSan's lock-order (deadlock) detector, whose
    # reports then have no stacks. Data races are still detected in the index tests.
    [ "$MODE" = tsan ] && [ "$(basename "$b")" = iris_index_test ] && options="$options:detect_deadlocks=0"
    if TSAN_OPTIONS=$options "$BUILD/src/$b" "$@" >"$log" 2>&1; then status=clean; else status="FAILED (see $log)"; rc=1; fi
    echo "== $MODE $(basename "$b"): $(grep -E '^\[  PASSED  \]|^\[  FAILED  \]' "$log" | head -1) -- $status"
  done
  exit "$rc"
fi
# The out-of-descriptors test cannot run under UBSan here: with no descriptor free, GCC 12's UBSan runtime
# cannot probe a vtable (it checks memory through a pipe) and reports every checked polymorphic call as an
# invalid object: libvips' VOption, then a std::make_shared control block once that file was exempted
# (docs/sanitizers.md). The test runs in every normal build (CI). IRIS_SANITIZE_EXCLUDE='' runs it anyway.
EXCLUDE=${IRIS_SANITIZE_EXCLUDE-AServerOutOfFileDescriptorsIsNotReadyAndSaysSo}
EXCLUDE_ARGS=()
[ "$MODE" = asan ] && [ -n "$EXCLUDE" ] && EXCLUDE_ARGS=(-E "$EXCLUDE")
set +e
ctest --test-dir "$BUILD" --output-on-failure --timeout 1800 -j "$(nproc)" "${EXCLUDE_ARGS[@]}" "$@" | tee "$BUILD/ctest.log"
rc=${PIPESTATUS[0]}
set -e
echo "== $MODE: $(grep -E 'tests passed|tests failed' "$BUILD/ctest.log" | tail -1)"
exit "$rc"
