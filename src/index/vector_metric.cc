#include "index/vector_metric.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace iris {

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kCosine:
      return "cosine";
    case Metric::kInnerProduct:
      return "inner_product";
    case Metric::kL2:
      return "l2";
  }
  return "unknown";
}

std::optional<Metric> ParseMetric(std::string_view name) {
  for (Metric metric : {Metric::kCosine, Metric::kInnerProduct, Metric::kL2}) {
    if (MetricName(metric) == name) return metric;
  }
  return std::nullopt;
}

Similarity SimilarityFromRawDistance(Metric metric, float raw_distance) {
  if (metric == Metric::kL2) {
    // Rounding can make a squared distance of identical vectors slightly negative.
    float distance = std::sqrt(std::max(raw_distance, 0.0f));
    return {-distance, distance};
  }
  // hnswlib's inner-product space reports 1 - dot.
  return {1.0f - raw_distance, raw_distance};
}

Status ValidateVector(Metric metric, int dim, std::span<const float> vector) {
  if (vector.size() != static_cast<size_t>(dim)) {
    return InvalidArgument("vector has " + std::to_string(vector.size()) + " values, the collection expects " +
                           std::to_string(dim));
  }
  double squared_norm = 0;
  for (size_t i = 0; i < vector.size(); ++i) {
    if (!std::isfinite(vector[i])) {
      return InvalidArgument("vector value " + std::to_string(i) + " is not a finite number");
    }
    squared_norm += static_cast<double>(vector[i]) * vector[i];
  }
  if (metric == Metric::kCosine && !(squared_norm > 0)) {
    return InvalidArgument("a zero vector has no direction and cannot be used with the cosine metric");
  }
  if (metric != Metric::kCosine && squared_norm > kMaxVectorNorm * kMaxVectorNorm) {
    return InvalidArgument("vector is too long for the " + std::string(MetricName(metric)) +
                           " metric: its length must be at most 2^62 (about 4.6e18) so that distances stay finite");
  }
  return Status::Ok();
}

std::vector<float> PrepareVector(Metric metric, std::span<const float> vector) {
  std::vector<float> prepared(vector.begin(), vector.end());
  if (metric != Metric::kCosine) return prepared;
  double squared_norm = 0;
  for (float value : prepared) squared_norm += static_cast<double>(value) * value;
  const double inverse_norm = 1.0 / std::sqrt(squared_norm);
  for (float& value : prepared) value = static_cast<float>(value * inverse_norm);
  return prepared;
}

}  // namespace iris
