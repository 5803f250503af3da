#include "vision/embedding_math.h"

#include <algorithm>
#include <cmath>

namespace iris {

void L2NormalizeInPlace(std::span<float> v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= inv;
}

float Dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(sum);
}

float CosineSimilarity(std::span<const float> a, std::span<const float> b) {
  const double na = std::sqrt(static_cast<double>(Dot(a, a)));
  const double nb = std::sqrt(static_cast<double>(Dot(b, b)));
  if (na == 0 || nb == 0) return 0;
  return static_cast<float>(Dot(a, b) / (na * nb));
}

std::vector<float> Softmax(std::span<const float> logits, float scale) {
  std::vector<float> out(logits.size());
  if (logits.empty()) return out;
  const float top = *std::max_element(logits.begin(), logits.end()) * scale;
  double sum = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    out[i] = static_cast<float>(std::exp(static_cast<double>(logits[i] * scale - top)));
    sum += out[i];
  }
  for (float& x : out) x = static_cast<float>(x / sum);
  return out;
}

}  // namespace iris
