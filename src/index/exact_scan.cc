#include "index/exact_scan.h"

namespace iris {
namespace {

// 32 independent partial sums: the compiler keeps them in 2 (AVX-512), 4 (AVX2) or 8 (SSE) vector
// registers, so the loop is vectorised without reassociating a single float sum.
constexpr size_t kLanes = 32;

template <ScanDistance kKind>
inline float RowDistance(const float* query, const float* row, size_t dim) {
  float partial[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      if constexpr (kKind == ScanDistance::kSquaredL2) {
        const float difference = query[i + lane] - row[i + lane];
        partial[lane] += difference * difference;
      } else {
        partial[lane] += query[i + lane] * row[i + lane];
      }
    }
  }
  for (size_t lane = 0; i < dim; ++i, ++lane) {
    if constexpr (kKind == ScanDistance::kSquaredL2) {
      const float difference = query[i] - row[i];
      partial[lane] += difference * difference;
    } else {
      partial[lane] += query[i] * row[i];
    }
  }
  for (size_t width = kLanes / 2; width > 0; width /= 2) {
    for (size_t lane = 0; lane < width; ++lane) partial[lane] += partial[lane + width];
  }
  return kKind == ScanDistance::kSquaredL2 ? partial[0] : 1.0f - partial[0];
}

template <ScanDistance kKind>
inline void Rows(const float* query, size_t dim, const char* base, size_t stride, size_t count, float* out) {
  for (size_t r = 0; r < count; ++r) {
    out[r] = RowDistance<kKind>(query, reinterpret_cast<const float*>(base + r * stride), dim);
  }
}

}  // namespace

// Not under ThreadSanitizer: the loader runs the clones' resolver before TSan's runtime has started,
// and the instrumented resolver crashes (scripts/sanitize.sh tsan).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void ComputeRawDistances(ScanDistance kind, const float* query, size_t dim, const char* base, size_t stride,
                         size_t count, float* out) {
  if (kind == ScanDistance::kSquaredL2) {
    Rows<ScanDistance::kSquaredL2>(query, dim, base, stride, count, out);
  } else {
    Rows<ScanDistance::kOneMinusDot>(query, dim, base, stride, count, out);
  }
}

}  // namespace iris
