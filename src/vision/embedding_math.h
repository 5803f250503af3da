// Small vector maths shared by the embedding adapters and routes: L2 normalisation, cosine
// similarity, softmax. Pure functions, thread-safe.
#pragma once

#include <span>
#include <vector>

namespace iris {

// Scales v to unit L2 norm in place; a zero vector stays zero.
void L2NormalizeInPlace(std::span<float> v);
float Dot(std::span<const float> a, std::span<const float> b);
// Cosine similarity of two vectors of any norm (0 when either is zero).
float CosineSimilarity(std::span<const float> a, std::span<const float> b);
// Numerically stable softmax of scale * logits.
std::vector<float> Softmax(std::span<const float> logits, float scale = 1.0f);

}  // namespace iris
