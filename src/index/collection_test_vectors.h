// Deterministic random vectors and exact (brute-force) neighbours for the index tests and benchmark.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace iris::index_testing {

// n vectors of dim floats, uniform in [-1, 1), optionally L2-normalised; row-major.
inline std::vector<float> RandomVectors(size_t n, size_t dim, std::uint32_t seed, bool normalise) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> data(n * dim);
  for (float& value : data) value = uniform(generator);
  if (normalise) {
    for (size_t i = 0; i < n; ++i) {
      float* row = data.data() + i * dim;
      double norm = 0;
      for (size_t j = 0; j < dim; ++j) norm += static_cast<double>(row[j]) * row[j];
      const double inverse = 1.0 / std::sqrt(norm);
      for (size_t j = 0; j < dim; ++j) row[j] = static_cast<float>(row[j] * inverse);
    }
  }
  return data;
}

// Indices of the k rows with the largest dot product with query (exact).
inline std::vector<size_t> ExactTopByDot(const std::vector<float>& data, size_t dim, const float* query, size_t k) {
  const size_t n = data.size() / dim;
  std::vector<float> dots(n);
  for (size_t i = 0; i < n; ++i) {
    const float* row = data.data() + i * dim;
    float dot = 0;
    for (size_t j = 0; j < dim; ++j) dot += row[j] * query[j];
    dots[i] = dot;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](size_t a, size_t b) { return dots[a] > dots[b]; });
  order.resize(k);
  return order;
}

}  // namespace iris::index_testing
