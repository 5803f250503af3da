#include "index/vector_metric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace iris {
namespace {

TEST(VectorMetric, NamesRoundTrip) {
  for (Metric metric : {Metric::kCosine, Metric::kInnerProduct, Metric::kL2}) {
    EXPECT_EQ(ParseMetric(MetricName(metric)), metric);
  }
  EXPECT_FALSE(ParseMetric("euclid").has_value());
}

TEST(VectorMetric, ScoresSayWhichDirectionIsCloser) {
  Similarity cosine = SimilarityFromRawDistance(Metric::kCosine, 0.25f);  // hnswlib IP: 1 - dot
  EXPECT_FLOAT_EQ(cosine.similarity, 0.75f);
  EXPECT_FLOAT_EQ(cosine.distance, 0.25f);
  Similarity l2 = SimilarityFromRawDistance(Metric::kL2, 9.0f);  // hnswlib L2: squared
  EXPECT_FLOAT_EQ(l2.distance, 3.0f);
  EXPECT_FLOAT_EQ(l2.similarity, -3.0f);
}

TEST(VectorMetric, ValidatesAndNormalises) {
  std::vector<float> v = {3, 4};
  EXPECT_TRUE(ValidateVector(Metric::kCosine, 2, v).ok());
  std::vector<float> normalised = PrepareVector(Metric::kCosine, v);
  EXPECT_FLOAT_EQ(normalised[0], 0.6f);
  EXPECT_FLOAT_EQ(normalised[1], 0.8f);
  EXPECT_EQ(PrepareVector(Metric::kL2, v), v);
  EXPECT_EQ(ValidateVector(Metric::kCosine, 3, v).code(), StatusCode::kInvalidArgument);
  std::vector<float> zero = {0, 0};
  EXPECT_EQ(ValidateVector(Metric::kCosine, 2, zero).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateVector(Metric::kL2, 2, zero).ok());
  std::vector<float> nan = {std::numeric_limits<float>::quiet_NaN(), 1};
  std::vector<float> inf = {1, std::numeric_limits<float>::infinity()};
  EXPECT_EQ(ValidateVector(Metric::kL2, 2, nan).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateVector(Metric::kInnerProduct, 2, inf).code(), StatusCode::kInvalidArgument);
}

}  // namespace
// Components like 3e38 overflow float distances (inf/NaN, reported as "distance": null and ranked
// first); kL2 and kInnerProduct refuse vectors longer than kMaxVectorNorm, kCosine normalises them.
TEST(VectorMetric, RefusesVectorsWhoseDistancesWouldOverflow) {
  std::vector<float> huge = {3e38f, 1};
  EXPECT_EQ(ValidateVector(Metric::kL2, 2, huge).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateVector(Metric::kInnerProduct, 2, huge).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateVector(Metric::kCosine, 2, huge).ok());
  std::vector<float> longest = {static_cast<float>(kMaxVectorNorm), 0};
  EXPECT_TRUE(ValidateVector(Metric::kL2, 2, longest).ok());
  std::vector<float> opposite = {-static_cast<float>(kMaxVectorNorm), 0};
  float squared = 0;  // as hnswlib's L2 space computes it, in float
  for (int i = 0; i < 2; ++i) squared += (longest[i] - opposite[i]) * (longest[i] - opposite[i]);
  EXPECT_TRUE(std::isfinite(squared));
  std::vector<float> longer = {static_cast<float>(kMaxVectorNorm) * 1.01f, 0};
  EXPECT_EQ(ValidateVector(Metric::kL2, 2, longer).code(), StatusCode::kInvalidArgument);
}

}  // namespace iris
