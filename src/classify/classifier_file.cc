#include "classify/classifier_file.h"

#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "core/json_limits.h"

namespace iris {
namespace {

using Json = nlohmann::json;

Status FieldError(std::string_view field, std::string_view problem) {
  return InvalidArgument("classifier file: \"" + std::string(field) + "\" " + std::string(problem));
}

Result<const Json*> Field(const Json& object, std::string_view name, std::string_view path = "") {
  const std::string full = path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
  auto it = object.find(std::string(name));
  if (it == object.end()) return FieldError(full, "is missing");
  return &*it;
}

Result<std::string> StringField(const Json& object, std::string_view name) {
  IRIS_ASSIGN_OR_RETURN(const Json* v, Field(object, name));
  if (!v->is_string()) return FieldError(name, "must be a string");
  return v->get<std::string>();
}

Result<double> NumberField(const Json& object, std::string_view name, std::string_view path = "") {
  IRIS_ASSIGN_OR_RETURN(const Json* v, Field(object, name, path));
  const std::string full = path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
  if (!v->is_number()) return FieldError(full, "must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) return FieldError(full, "must be finite");
  return d;
}

Result<int> CountField(const Json& object, std::string_view name, std::string_view path = "") {
  IRIS_ASSIGN_OR_RETURN(const Json* v, Field(object, name, path));
  const std::string full = path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
  if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > (1ll << 31) - 1) {
    return FieldError(full, "must be a non-negative integer");
  }
  return v->get<int>();
}

Result<double> UnitField(const Json& object, std::string_view name, std::string_view path) {
  IRIS_ASSIGN_OR_RETURN(double v, NumberField(object, name, path));
  if (v < 0 || v > 1) return FieldError(std::string(path) + "." + std::string(name), "must be within [0, 1]");
  return v;
}

Status ParseTraining(const Json& t, ClassifierTraining& out) {
  if (!t.is_object()) return FieldError("training", "must be an object");
  IRIS_ASSIGN_OR_RETURN(out.samples, CountField(t, "samples", "training"));
  IRIS_ASSIGN_OR_RETURN(out.positives, CountField(t, "positives", "training"));
  if (out.positives > out.samples) return FieldError("training.positives", "exceeds training.samples");
  IRIS_ASSIGN_OR_RETURN(out.C, NumberField(t, "C", "training"));
  if (!(out.C > 0)) return FieldError("training.C", "must be > 0");
  IRIS_ASSIGN_OR_RETURN(const Json* cw, Field(t, "class_weight", "training"));
  if (!cw->is_string() || (*cw != "balanced" && *cw != "none")) {
    return FieldError("training.class_weight", "must be \"balanced\" or \"none\"");
  }
  out.class_weight = cw->get<std::string>();
  return {};
}

Status ParseMetrics(const Json& m, ClassifierMetrics& out) {
  if (!m.is_object()) return FieldError("metrics", "must be an object");
  IRIS_ASSIGN_OR_RETURN(out.macro_precision, UnitField(m, "macro_precision", "metrics"));
  IRIS_ASSIGN_OR_RETURN(out.macro_recall, UnitField(m, "macro_recall", "metrics"));
  IRIS_ASSIGN_OR_RETURN(out.accuracy, UnitField(m, "accuracy", "metrics"));
  IRIS_ASSIGN_OR_RETURN(out.test_samples, CountField(m, "test_samples", "metrics"));
  return {};
}

}  // namespace

Status ValidateCollectionId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return InvalidArgument("collection id '" + std::string(id.substr(0, 80)) + "' must have 1 to 64 characters");
  }
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgument("collection id '" + std::string(id) + "' may only contain letters, digits, '_' and '-'");
    }
  }
  return {};
}

bool IsValidClassifierVersion(std::string_view v) {
  if (v.size() != 16 || v[8] != 'T' || v[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i == 8) continue;
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

std::string ClassifierVersionAt(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

double Classifier::Probability(std::span<const float> embedding) const {
  if (!normalized_embeddings) return model.PredictProbability(embedding);
  double sum = 0;
  for (float v : embedding) sum += static_cast<double>(v) * v;
  const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 1.0;
  double z = model.bias;
  for (std::size_t j = 0; j < model.weights.size(); ++j) z += model.weights[j] * (embedding[j] * scale);
  return 1.0 / (1.0 + std::exp(-z));
}

Result<ClassifierPrediction> Classifier::Predict(std::span<const float> embedding,
                                                 std::string_view embedding_model_name) const {
  if (embedding_model_name != embedding_model) {
    return FailedPrecondition("classifier for collection '" + collection_id + "' was trained on embeddings of model '" +
                              embedding_model + "', but the embedding comes from model '" +
                              std::string(embedding_model_name) + "'");
  }
  if (static_cast<int>(embedding.size()) != embedding_dim()) {
    return FailedPrecondition("classifier for collection '" + collection_id + "' expects " +
                              std::to_string(embedding_dim()) + "-dimensional embeddings of model '" + embedding_model +
                              "', but the embedding has " + std::to_string(embedding.size()) + " values");
  }
  for (float v : embedding) {
    if (!std::isfinite(v)) return InvalidArgument("embedding has a non-finite value");
  }
  ClassifierPrediction p;
  p.probability = Probability(embedding);
  p.is_in_collection = p.probability >= threshold;
  return p;
}

Result<Classifier> ParseClassifierJson(std::string_view text) {
  auto parsed = ParseBoundedJson(text, kMaxStoredJsonDepth);
  if (!parsed.ok()) return parsed.status().WithContext("classifier file");
  const Json& j = *parsed;
  if (j.is_discarded()) return InvalidArgument("classifier file: not valid JSON");
  if (!j.is_object()) return InvalidArgument("classifier file: must be a JSON object");
  Classifier c;
  IRIS_ASSIGN_OR_RETURN(std::string format, StringField(j, "format"));
  if (format != kClassifierFormat) {
    return InvalidArgument("classifier file: format is '" + format + "', expected '" + std::string(kClassifierFormat) +
                           "'");
  }
  IRIS_ASSIGN_OR_RETURN(c.collection_id, StringField(j, "collection_id"));
  if (auto s = ValidateCollectionId(c.collection_id); !s.ok()) return s.WithContext("classifier file");
  IRIS_ASSIGN_OR_RETURN(c.version, StringField(j, "version"));
  if (!IsValidClassifierVersion(c.version)) return FieldError("version", "must look like 20261124T031500Z");
  IRIS_ASSIGN_OR_RETURN(c.embedding_model, StringField(j, "embedding_model"));
  if (c.embedding_model.empty()) return FieldError("embedding_model", "must not be empty");
  IRIS_ASSIGN_OR_RETURN(int dim, CountField(j, "embedding_dim"));
  if (dim < 1) return FieldError("embedding_dim", "must be at least 1");
  IRIS_ASSIGN_OR_RETURN(const Json* normalized, Field(j, "normalized_embeddings"));
  if (!normalized->is_boolean()) return FieldError("normalized_embeddings", "must be true or false");
  c.normalized_embeddings = normalized->get<bool>();
  IRIS_ASSIGN_OR_RETURN(const Json* weights, Field(j, "weights"));
  if (!weights->is_array()) return FieldError("weights", "must be an array of numbers");
  if (static_cast<int>(weights->size()) != dim) {
    return FieldError("weights",
                      "has " + std::to_string(weights->size()) + " values but embedding_dim is " + std::to_string(dim));
  }
  c.model.weights.reserve(weights->size());
  for (const auto& w : *weights) {
    if (!w.is_number() || !std::isfinite(w.get<double>())) {
      return FieldError("weights", "must hold finite numbers only (value " + std::to_string(c.model.weights.size()) +
                                       " is " + w.dump() + ")");
    }
    c.model.weights.push_back(w.get<double>());
  }
  IRIS_ASSIGN_OR_RETURN(c.model.bias, NumberField(j, "bias"));
  IRIS_ASSIGN_OR_RETURN(c.threshold, NumberField(j, "threshold"));
  if (!(c.threshold > 0 && c.threshold < 1)) return FieldError("threshold", "must be between 0 and 1 (exclusive)");
  IRIS_ASSIGN_OR_RETURN(const Json* training, Field(j, "training"));
  IRIS_RETURN_IF_ERROR(ParseTraining(*training, c.training));
  IRIS_ASSIGN_OR_RETURN(const Json* metrics, Field(j, "metrics"));
  IRIS_RETURN_IF_ERROR(ParseMetrics(*metrics, c.metrics));
  return c;
}

std::string ClassifierToJson(const Classifier& c) {
  nlohmann::ordered_json j;
  j["format"] = kClassifierFormat;
  j["collection_id"] = c.collection_id;
  j["version"] = c.version;
  j["embedding_model"] = c.embedding_model;
  j["embedding_dim"] = c.embedding_dim();
  j["normalized_embeddings"] = c.normalized_embeddings;
  j["weights"] = c.model.weights;
  j["bias"] = c.model.bias;
  j["threshold"] = c.threshold;
  j["training"] = {{"samples", c.training.samples},
                   {"positives", c.training.positives},
                   {"C", c.training.C},
                   {"class_weight", c.training.class_weight}};
  j["metrics"] = {{"macro_precision", c.metrics.macro_precision},
                  {"macro_recall", c.metrics.macro_recall},
                  {"accuracy", c.metrics.accuracy},
                  {"test_samples", c.metrics.test_samples}};
  return j.dump(2) + "\n";
}

Result<Classifier> ReadClassifierFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("classifier file " + path.string() + " does not exist or cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = ParseClassifierJson(text.str());
  if (!parsed.ok()) return parsed.status().WithContext(path.string());
  return parsed;
}

}  // namespace iris
