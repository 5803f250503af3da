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

// InvalidArgument unless `vector` has `dim` finite values (and, for kCosine, a non-zero norm).
Status ValidateVector(Metric metric, int dim, std::span<const float> vector);

// The vector as the index stores it: normalised for kCosine, a plain copy otherwise.
// Call ValidateVector first.
std::vector<float> PrepareVector(Metric metric, std::span<const float> vector);

}  // namespace iris
