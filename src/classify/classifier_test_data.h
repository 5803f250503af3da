// Test data for the classifier store tests: tiny classifiers whose metrics on TestSet() are known
// exactly, and versions that sort by the second they name. For tests only.
#pragma once

#include <cstdio>
#include <string>

#include "classify/classifier_store.h"

namespace iris::testing {

// A 2-d classifier "x0 > cut" (steep logistic), so its metrics on a test set are known exactly.
inline Classifier CutClassifier(std::string id, std::string version, double cut, std::string model = "m") {
  Classifier c;
  c.collection_id = std::move(id);
  c.version = std::move(version);
  c.embedding_model = std::move(model);
  c.normalized_embeddings = false;
  c.model.weights = {100.0, 0.0};
  c.model.bias = -100.0 * cut;
  c.training = {10, 5, 1.0, "balanced"};
  c.metrics = {0.5, 0.5, 0.5, 2};
  return c;
}

// Test points x0 = 0.1 .. 0.8 of model "m" with labels: positive iff x0 > 0.45.
inline LabeledEmbeddings TestSet() {
  LabeledEmbeddings t;
  t.embedding_model = "m";
  for (int i = 1; i <= 8; ++i) {
    t.embeddings.push_back({static_cast<float>(i / 10.0), 0.0f});
    t.labels.push_back(i >= 5 ? 1 : 0);
  }
  return t;
}

// The version "20260101T0000<second>Z".
inline std::string V(int second) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "20260101T0000%02dZ", second);
  return buf;
}

}  // namespace iris::testing
