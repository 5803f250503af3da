#include "classify/classifier_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "classify/binary_metrics.h"
#include "core/json_limits.h"

namespace iris {
namespace {

// Ranking order of the bake-off: evaluated first; then precision, recall, newer version.
bool RanksBefore(const BakeOffCandidate& a, const BakeOffCandidate& b) {
  if (a.evaluated != b.evaluated) return a.evaluated;
  if (a.evaluated) {
    if (a.metrics.macro_precision != b.metrics.macro_precision) {
      return a.metrics.macro_precision > b.metrics.macro_precision;
    }
    if (a.metrics.macro_recall != b.metrics.macro_recall) return a.metrics.macro_recall > b.metrics.macro_recall;
  }
  return a.version > b.version;
}

BakeOffCandidate Evaluate(Result<Classifier> classifier, std::string_view collection_id, const std::string& version,
                          const LabeledEmbeddings& test_set) {
  BakeOffCandidate c;
  c.version = version;
  c.file = ClassifierStore::RelativeFile(collection_id, version);
  if (!classifier.ok()) {
    c.note = "unreadable: " + classifier.status().message();
    return c;
  }
  c.metrics = classifier->metrics;
  if (classifier->embedding_model != test_set.embedding_model) {
    c.note =
        "trained on model '" + classifier->embedding_model + "', test set is from '" + test_set.embedding_model + "'";
    return c;
  }
  std::vector<int> predicted;
  predicted.reserve(test_set.embeddings.size());
  for (const auto& e : test_set.embeddings) {
    auto p = classifier->Predict(e, test_set.embedding_model);
    if (!p.ok()) {
      c.note = p.status().message();
      return c;
    }
    predicted.push_back(p->is_in_collection ? 1 : 0);
  }
  const BinaryMetrics m = ComputeBinaryMetrics(predicted, test_set.labels);
  c.metrics = {m.macro_precision, m.macro_recall, m.accuracy, m.test_samples};
  c.evaluated = true;
  return c;
}

}  // namespace

Status NoClassifierError(std::string_view collection_id) {
  const std::string id(collection_id);
  return NotFound("no classifier for collection '" + id + "' (train one with: iris train-classifier --data FILE" +
                  " --collection " + id + ")");
}

std::string ClassifierStore::RelativeFile(std::string_view collection_id, std::string_view version) {
  std::string file = "collection_";
  file += collection_id;
  file += "/classifier_";
  file += version;
  file += ".json";
  return file;
}

Status ClassifierStore::SetBest(std::string_view collection_id, const BestModelEntry& entry) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  if (!IsValidClassifierVersion(entry.version)) {
    return InvalidArgument("classifier version '" + entry.version + "' must look like 20261124T031500Z");
  }
  BestModelEntry fixed = entry;
  fixed.file = RelativeFile(collection_id, entry.version);
  return WithWriteLock([&](Writer& writer) -> Status {
    IRIS_ASSIGN_OR_RETURN(std::vector<std::string> versions, writer.Versions(collection_id));
    if (std::find(versions.begin(), versions.end(), entry.version) == versions.end()) {
      return FailedPrecondition("collection '" + std::string(collection_id) + "' has no stored version " +
                                entry.version);
    }
    return writer.PutBest(collection_id, fixed);
  });
}

Result<BakeOffResult> ClassifierStore::BakeOff(std::string_view collection_id, const LabeledEmbeddings& test_set,
                                               int keep) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  if (keep < 1) return InvalidArgument("keep must be at least 1");
  if (test_set.embeddings.size() != test_set.labels.size() || test_set.embeddings.empty()) {
    return InvalidArgument("bake-off test set must have one label per embedding and at least one embedding");
  }
  BakeOffResult result;
  IRIS_RETURN_IF_ERROR(WithWriteLock([&](Writer& writer) -> Status {
    result = BakeOffResult{};
    result.collection_id = collection_id;
    IRIS_ASSIGN_OR_RETURN(std::vector<std::string> versions, writer.Versions(collection_id));
    if (versions.empty()) {
      return FailedPrecondition("collection '" + std::string(collection_id) + "' has no stored classifier versions");
    }
    for (const auto& v : versions) {
      result.ranked.push_back(Evaluate(writer.Load(collection_id, v), collection_id, v, test_set));
    }
    std::stable_sort(result.ranked.begin(), result.ranked.end(), RanksBefore);

    const BakeOffCandidate& best = result.ranked.front();
    result.best = {best.file, best.version, best.metrics.macro_precision, best.metrics.macro_recall,
                   best.metrics.test_samples};
    IRIS_RETURN_IF_ERROR(writer.PutBest(collection_id, result.best));

    for (std::size_t i = 0; i < result.ranked.size(); ++i) {
      auto& c = result.ranked[i];
      c.kept = static_cast<int>(i) < keep;
      if (c.kept) continue;
      IRIS_RETURN_IF_ERROR(writer.DeleteVersion(collection_id, c.version));
      result.deleted.push_back(c.file);
    }
    return {};
  }));
  return result;
}

Result<std::map<std::string, BestModelEntry>> ParseBestModelsJson(std::string_view text) {
  auto parsed = ParseBoundedJson(text, kMaxStoredJsonDepth);
  if (!parsed.ok()) return parsed.status().WithContext("best_models.json");
  const nlohmann::json& j = *parsed;
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("best_models.json is not a JSON object");
  std::map<std::string, BestModelEntry> index;
  for (const auto& [id, e] : j.items()) {
    if (auto s = ValidateCollectionId(id); !s.ok()) return s.WithContext("best_models.json");
    const std::string where = "best_models.json entry '" + id + "'";
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string() || !e.contains("version") ||
        !e["version"].is_string()) {
      return InvalidArgument(where + " must be an object with \"file\" and \"version\" strings");
    }
    BestModelEntry entry;
    entry.file = e["file"].get<std::string>();
    entry.version = e["version"].get<std::string>();
    if (!IsValidClassifierVersion(entry.version)) return InvalidArgument(where + " has a malformed version");
    if (entry.file != ClassifierStore::RelativeFile(id, entry.version)) {
      return InvalidArgument(where + ": \"file\" must be " + ClassifierStore::RelativeFile(id, entry.version));
    }
    for (const char* key : {"macro_precision", "macro_recall"}) {
      if (e.contains(key) && !e[key].is_number()) return InvalidArgument(where + ": \"" + key + "\" must be a number");
    }
    entry.macro_precision = e.value("macro_precision", 0.0);
    entry.macro_recall = e.value("macro_recall", 0.0);
    if (e.contains("test_samples") && !e["test_samples"].is_number_integer()) {
      return InvalidArgument(where + ": \"test_samples\" must be an integer");
    }
    entry.test_samples = e.value("test_samples", 0);
    index[id] = std::move(entry);
  }
  return index;
}

std::string BestModelsToJson(const std::map<std::string, BestModelEntry>& index) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [id, e] : index) {
    j[id] = {{"file", e.file},
             {"version", e.version},
             {"macro_precision", e.macro_precision},
             {"macro_recall", e.macro_recall},
             {"test_samples", e.test_samples}};
  }
  return j.dump(2) + "\n";
}

Result<std::shared_ptr<const Classifier>> ClassifierStore::LoadEntry(std::string_view collection_id,
                                                                     const BestModelEntry& entry) const {
  auto loaded = Load(collection_id, entry.version);
  if (!loaded.ok()) {
    if (loaded.status().code() == StatusCode::kUnavailable) return loaded.status();
    return FailedPrecondition("the classifier the index (best_models.json) names for collection '" +
                              std::string(collection_id) + "' cannot be used: " + loaded.status().message());
  }
  return std::make_shared<const Classifier>(std::move(loaded).value());
}

Result<std::shared_ptr<const Classifier>> ClassifierStore::LoadBest(std::string_view collection_id) const {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  IRIS_ASSIGN_OR_RETURN(auto index, ReadBestModels());
  auto it = index.find(std::string(collection_id));
  if (it == index.end()) return NoClassifierError(collection_id);
  return LoadEntry(collection_id, it->second);
}

ClassifierCache::ClassifierCache(std::shared_ptr<const ClassifierStore> store) : store_(std::move(store)) {}

Result<std::shared_ptr<const Classifier>> ClassifierCache::Get(std::string_view collection_id) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  const std::string id(collection_id);
  std::lock_guard lock(mu_);
  // Two attempts: a trainer may replace the index and prune the version it named between our reading
  // the index and loading that version; the second attempt sees the new index.
  for (int attempt = 0;; ++attempt) {
    IRIS_ASSIGN_OR_RETURN(std::string now, store_->IndexStamp());
    if (!loaded_ || now != stamp_) {
      IRIS_ASSIGN_OR_RETURN(index_, store_->ReadBestModels());
      classifiers_.clear();
      stamp_ = std::move(now);
      loaded_ = true;
    }
    auto it = index_.find(id);
    if (it == index_.end()) return NoClassifierError(collection_id);
    if (auto c = classifiers_.find(id); c != classifiers_.end()) return c->second;
    auto classifier = store_->LoadEntry(collection_id, it->second);
    if (!classifier.ok()) {
      if (attempt == 0) {
        auto again = store_->IndexStamp();
        if (again.ok() && *again != stamp_) continue;
      }
      return classifier.status();
    }
    classifiers_[id] = *classifier;
    return classifier;
  }
}

}  // namespace iris
