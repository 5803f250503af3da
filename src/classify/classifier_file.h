// A trained collection classifier ("is this image in collection X?") and its JSON file format.
// The same format is documented for users in docs/classifiers.md. Classifiers are stored as JSON,
// never as pickles or any executable format.
//
//   {
//     "format": "iris.classifier.v1",
//     "collection_id": "42",                  // [A-Za-z0-9_-], 1..64 characters
//     "version": "20261124T031500Z",          // UTC time of training, YYYYMMDDTHHMMSSZ
//     "embedding_model": "clip-vit-b-32",     // the model whose image embeddings it reads
//     "embedding_dim": 512,                   // == length of "weights"
//     "normalized_embeddings": true,          // trained on L2-normalised embeddings
//     "weights": [0.0123, ...],               // logistic regression weights, finite numbers
//     "bias": -0.41,
//     "threshold": 0.5,                       // is_in_collection = probability >= threshold
//     "training": {"samples": 812, "positives": 97, "C": 1.0, "class_weight": "balanced"},
//     "metrics": {"macro_precision": 0.91, "macro_recall": 0.88, "accuracy": 0.93, "test_samples": 163}
//   }
//
// probability = 1 / (1 + exp(-(weights . e + bias))), where e is the embedding, L2-normalised first
// when normalized_embeddings is true (idempotent for the already-normalised embeddings the server
// computes). "metrics" are measured on the held-out split of the training run that made the file.
//
// Parsing is strict: malformed JSON, another "format", a missing or mistyped field, a bad collection
// id or version, a dimension that does not match the weights, a non-finite number, a threshold
// outside (0, 1) or metrics outside [0, 1] are InvalidArgument naming the field. Unknown keys are
// ignored (a later writer may add fields without changing the format).
// Thread-safety: Classifier is an immutable-after-construction value; const methods are thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "classify/logistic_regression.h"
#include "core/result.h"

namespace iris {

inline constexpr std::string_view kClassifierFormat = "iris.classifier.v1";

// Collection ids name folders on disk: only [A-Za-z0-9_-], 1..64 characters (no path traversal).
// InvalidArgument naming the id otherwise.
Status ValidateCollectionId(std::string_view id);

// Versions: UTC time "YYYYMMDDTHHMMSSZ" (sorts by time as text).
bool IsValidClassifierVersion(std::string_view version);
std::string ClassifierVersionAt(std::chrono::system_clock::time_point time);

struct ClassifierTraining {
  int samples = 0;    // all labelled samples of the collection (train + test)
  int positives = 0;  // of which label 1
  double C = 1.0;
  std::string class_weight = "balanced";  // or "none"
};

struct ClassifierMetrics {
  double macro_precision = 0;
  double macro_recall = 0;
  double accuracy = 0;
  int test_samples = 0;
};

struct ClassifierPrediction {
  bool is_in_collection = false;
  double probability = 0;
};

struct Classifier {
  std::string collection_id;
  std::string version;
  std::string embedding_model;
  bool normalized_embeddings = true;
  LogisticModel model;  // weights (embedding_dim of them) and bias
  double threshold = 0.5;
  ClassifierTraining training;
  ClassifierMetrics metrics;

  int embedding_dim() const { return static_cast<int>(model.weights.size()); }

  // Probability and decision for one embedding made by `embedding_model`. FailedPrecondition
  // naming both sides when the model or the dimension differ from the classifier's;
  // InvalidArgument when the embedding has a non-finite value.
  Result<ClassifierPrediction> Predict(std::span<const float> embedding, std::string_view embedding_model) const;

  // The probability without checks (embedding must have embedding_dim() values).
  double Probability(std::span<const float> embedding) const;
};

Result<Classifier> ParseClassifierJson(std::string_view text);
// Pretty-printed JSON in the format above (keys in the documented order).
std::string ClassifierToJson(const Classifier& classifier);
// Reads and parses a file; NotFound when it does not exist, errors prefixed with the path.
Result<Classifier> ReadClassifierFile(const std::filesystem::path& path);

}  // namespace iris
