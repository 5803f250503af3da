// ExactTopK: exact k-nearest-neighbour search by scanning every stored vector, the brute-force
// counterpart of the HNSW graph walk (HnswCollection's SearchMode::kExact).
//
// Rows are read in place from strided memory (row r's `dim` floats start at base + r * stride bytes),
// so the scan runs over hnswlib's own element array without a second copy of the vectors.
// Distances are the raw distances hnswlib uses: 1 - dot for inner-product spaces (cosine vectors are
// normalised before they get here), squared Euclidean distance for L2.
//
// ComputeRawDistances is the vectorised kernel: plain loops over 32 independent lanes, which the
// compiler turns into SIMD code without -ffast-math; it is compiled for AVX-512, AVX2 and the
// baseline x86-64 ISA, and the loader picks the best one the CPU has (GCC target_clones), so the
// library needs no -march flag. On other targets it is the same portable loop.
//
// Result order: closest first; equal distances keep the lower row (earlier inserted) first. Rows
// with a NaN distance are never returned. `accept(row)` decides whether a row may be returned; it is
// called only for rows whose distance would enter the current top k, so it may be expensive.
//
// Stateless; thread-safe (the caller keeps the rows alive and unchanged during the call).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <queue>
#include <utility>
#include <vector>

namespace iris {

enum class ScanDistance { kOneMinusDot, kSquaredL2 };

// out[r] = raw distance between `query` and row r, for r in [0, count).
void ComputeRawDistances(ScanDistance kind, const float* query, size_t dim, const char* base, size_t stride,
                         size_t count, float* out);

// Up to k (raw distance, row) pairs over rows [0, count), closest first.
template <typename Accept>
std::vector<std::pair<float, size_t>> ExactTopK(ScanDistance kind, const float* query, size_t dim, const char* base,
                                                size_t stride, size_t count, size_t k, const Accept& accept) {
  using Hit = std::pair<float, size_t>;
  std::vector<Hit> hits;
  if (k == 0) return hits;
  constexpr size_t kBlock = 256;  // distances computed per kernel call; stays in L1
  float distances[kBlock];
  std::priority_queue<Hit> worst_on_top;  // lexicographic: of two equal distances the higher row is worse
  for (size_t first = 0; first < count; first += kBlock) {
    const size_t block = std::min(kBlock, count - first);
    ComputeRawDistances(kind, query, dim, base + first * stride, stride, block, distances);
    for (size_t j = 0; j < block; ++j) {
      const Hit candidate{distances[j], first + j};
      if (std::isnan(candidate.first)) continue;
      if (worst_on_top.size() == k && !(candidate < worst_on_top.top())) continue;
      if (!accept(candidate.second)) continue;
      worst_on_top.push(candidate);
      if (worst_on_top.size() > k) worst_on_top.pop();
    }
  }
  hits.resize(worst_on_top.size());
  for (size_t i = hits.size(); i > 0; --i) {
    hits[i - 1] = worst_on_top.top();
    worst_on_top.pop();
  }
  return hits;
}

}  // namespace iris
