// Metric: how an HnswCollection compares vectors, and how raw index distances become the scores
// Iris reports. Scores always say which direction is better: `similarity` higher = closer.
//
//   kCosine:       vectors are L2-normalised on insert and on query, then compared by inner
//                  product. similarity = dot(a, b) in [-1, 1]; distance = 1 - similarity.
//   kInnerProduct: vectors are stored as given. similarity = dot(a, b); distance = 1 - similarity.
//   kL2:           vectors are stored as given. distance = Euclidean distance |a - b| (not squared);
//                  similarity = -distance (so higher is still closer; never 1/(1+d)).
//
// Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace iris {

enum class Metric { kCosine = 0, kInnerProduct = 1, kL2 = 2 };

// "cosine", "inner_product", "l2".
std::string_view MetricName(Metric metric);
std::optional<Metric> ParseMetric(std::string_view name);

// The scores reported for one neighbour.
struct Similarity {
  float similarity = 0;  // higher = closer
  float distance = 0;    // lower = closer
};

// Converts hnswlib's raw distance (1 - dot for inner-product spaces, squared L2 for kL2).
Similarity SimilarityFromRawDistance(Metric metric, float raw_distance);

// The longest vector kL2 and kInnerProduct accept. hnswlib computes distances in float (SIMD); with
// |a|, |b| <= 2^62 every partial sum of |a - b|^2 or a.b stays below (2 * 2^62)^2 = 2^126 < FLT_MAX,
// so every distance is finite (a component of 3e38 would make them infinite or NaN, and such an
// item would rank first for every query). kCosine normalises in double and needs no bound.
inline constexpr double kMaxVectorNorm = 4611686018427387904.0;  // 2^62

// InvalidArgument unless `vector` has `dim` finite values (and, for kCosine, a non-zero norm; for
// kL2 and kInnerProduct, a length of at most kMaxVectorNorm).
Status ValidateVector(Metric metric, int dim, std::span<const float> vector);

// The vector as the index stores it: normalised for kCosine, a plain copy otherwise.
// Call ValidateVector first.
std::vector<float> PrepareVector(Metric metric, std::span<const float> vector);

}  // namespace iris
