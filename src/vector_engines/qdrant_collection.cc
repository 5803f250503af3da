#include "vector_engines/qdrant_collection.h"

#include <algorithm>

#include "core/hash.h"
#include "index/vector_metric.h"

namespace iris {
namespace {

Status CheckFilterField(const std::string& field) {
  if (field.empty() || field.find_first_of(".[]\"") != std::string::npos) {
    return InvalidArgument("the qdrant vector engine cannot filter on metadata field '" + field +
                           "' (names with '.', '[', ']' or '\"' are Qdrant path syntax)");
  }
  return {};
}

Result<nlohmann::json> FilterJson(const SearchFilter& filter) {
  nlohmann::json must = nlohmann::json::array();
  for (const auto& [field, value] : filter.metadata_equals) {
    IRIS_RETURN_IF_ERROR(CheckFilterField(field));
    const std::string key = "metadata." + field;
    if (value.is_string() || value.is_boolean()) {
      must.push_back({{"key", key}, {"match", {{"value", value}}}});
    } else if (value.is_number()) {
      must.push_back({{"key", key}, {"range", {{"gte", value}, {"lte", value}}}});
    } else {
      return InvalidArgument("the qdrant vector engine filters on strings, numbers and booleans; field '" + field +
                             "' asks for " + std::string(value.type_name()));
    }
  }
  nlohmann::json out = nlohmann::json::object();
  if (!must.empty()) out["must"] = must;
  if (filter.exclude_id) {
    out["must_not"] = nlohmann::json::array({{{"has_id", {QdrantPointId(*filter.exclude_id)}}}});
  }
  return out;
}

// The Iris id and metadata of a point's payload.
Result<std::pair<std::string, nlohmann::json>> FromPayload(const nlohmann::json& point) {
  const nlohmann::json payload = point.value("payload", nlohmann::json::object());
  if (!payload.is_object() || !payload.contains("iris_id") || !payload["iris_id"].is_string()) {
    return Internal("a Qdrant point without an iris_id payload (not written by Iris)");
  }
  nlohmann::json metadata = payload.value("metadata", nlohmann::json::object());
  if (!metadata.is_object()) metadata = nlohmann::json::object();
  return std::make_pair(payload["iris_id"].get<std::string>(), std::move(metadata));
}

}  // namespace

std::string QdrantPointId(std::string_view id) {
  std::string hex = Sha256Hex(id).substr(0, 32);
  hex[12] = '8';                                                          // version 8: custom
  hex[16] = "89ab"[std::stoi(std::string(1, hex[16]), nullptr, 16) & 3];  // RFC 9562 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string QdrantDistance(Metric metric) {
  switch (metric) {
    case Metric::kCosine:
      return "Cosine";
    case Metric::kInnerProduct:
      return "Dot";
    case Metric::kL2:
      return "Euclid";
  }
  return "Cosine";
}

QdrantCollection::QdrantCollection(std::shared_ptr<const QdrantClient> client, std::string qdrant_name,
                                   CollectionDescription description, std::string instance)
    : client_(std::move(client)),
      qdrant_name_(std::move(qdrant_name)),
      description_(std::move(description)),
      instance_(std::move(instance)) {}

std::string QdrantCollection::PointsPath(std::string_view suffix) const {
  std::string path = "/collections/";
  path += qdrant_name_;
  path += "/points";
  path += suffix;
  return path;
}

Result<nlohmann::json> QdrantCollection::PointFor(const DurableItem& item) const {
  IRIS_RETURN_IF_ERROR(ValidateItemId(item.id));
  const CollectionOptions& index = description_.index;
  IRIS_RETURN_IF_ERROR(ValidateVector(index.metric, index.dim, item.vector));
  if (!item.metadata.is_object() && !item.metadata.is_null()) return InvalidArgument("metadata must be a JSON object");
  nlohmann::json metadata = item.metadata.is_null() ? nlohmann::json::object() : item.metadata;
  return nlohmann::json{{"id", QdrantPointId(item.id)},
                        {"vector", PrepareVector(index.metric, item.vector)},
                        {"payload", {{"iris_id", item.id}, {"metadata", std::move(metadata)}}}};
}

Status QdrantCollection::Upsert(const std::string& id, std::span<const float> vector, nlohmann::json metadata) {
  DurableItem item{id, std::vector<float>(vector.begin(), vector.end()), std::move(metadata)};
  return UpsertBatch(std::span<const DurableItem>(&item, 1));
}

Status QdrantCollection::UpsertBatch(std::span<const DurableItem> items) {
  if (items.empty()) return {};
  nlohmann::json points = nlohmann::json::array();
  for (const DurableItem& item : items) {
    IRIS_ASSIGN_OR_RETURN(nlohmann::json point, PointFor(item));
    points.push_back(std::move(point));
  }
  return client_->Call("PUT", PointsPath("?wait=true"), nlohmann::json{{"points", std::move(points)}}).status();
}

Status QdrantCollection::Delete(const std::string& id) {
  IRIS_ASSIGN_OR_RETURN(bool present, Contains(id));
  if (!present) return NotFound("no item '" + id + "'");
  return client_->Call("POST", PointsPath("/delete?wait=true"), nlohmann::json{{"points", {QdrantPointId(id)}}})
      .status();
}

Result<std::optional<nlohmann::json>> QdrantCollection::Retrieve(const std::string& id, bool with_vector) const {
  IRIS_RETURN_IF_ERROR(ValidateItemId(id));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json points, client_->Call("POST", PointsPath(),
                                                             nlohmann::json{{"ids", {QdrantPointId(id)}},
                                                                            {"with_payload", true},
                                                                            {"with_vector", with_vector}}));
  if (!points.is_array()) return Internal("Qdrant retrieve answered no point list");
  if (points.empty()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(std::move(points[0]));
}

Result<CollectionItem> QdrantCollection::Get(const std::string& id) const {
  IRIS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> found, Retrieve(id, true));
  if (!found) return NotFound("no item '" + id + "'");
  const nlohmann::json& point = *found;
  IRIS_ASSIGN_OR_RETURN(auto identity, FromPayload(point));
  CollectionItem item;
  item.id = std::move(identity.first);
  item.metadata = std::move(identity.second);
  const nlohmann::json& vector = point.contains("vector") ? point["vector"] : nlohmann::json();
  if (!vector.is_array()) return Internal("Qdrant returned item '" + id + "' without its vector");
  for (const auto& v : vector) {
    if (!v.is_number()) return Internal("Qdrant returned a vector that is not numbers");
    item.vector.push_back(v.get<float>());
  }
  return item;
}

Result<bool> QdrantCollection::Contains(const std::string& id) const {
  IRIS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> found, Retrieve(id, false));
  return found.has_value();
}

Result<std::vector<CollectionHit>> QdrantCollection::Search(std::span<const float> query, int top_n,
                                                            const SearchFilter& filter,
                                                            std::optional<float> min_similarity,
                                                            SearchMode mode) const {
  const CollectionOptions& index = description_.index;
  if (top_n < 1 || top_n > kMaxTopN) {
    return InvalidArgument("top_n must be in [1, " + std::to_string(kMaxTopN) + "], got " + std::to_string(top_n));
  }
  IRIS_RETURN_IF_ERROR(ValidateVector(index.metric, index.dim, query));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json filter_json, FilterJson(filter));
  nlohmann::json body = {
      {"vector", PrepareVector(index.metric, query)},
      {"limit", top_n},
      {"with_payload", true},
      {"with_vector", false},
      {"params", {{"hnsw_ef", std::max(index.ef_search, top_n)}, {"exact", mode == SearchMode::kExact}}}};
  if (!filter_json.empty()) body["filter"] = std::move(filter_json);
  if (min_similarity) body["score_threshold"] = index.metric == Metric::kL2 ? -*min_similarity : *min_similarity;
  IRIS_ASSIGN_OR_RETURN(nlohmann::json points, client_->Call("POST", PointsPath("/search"), body));
  if (!points.is_array()) return Internal("Qdrant search answered no point list");
  std::vector<CollectionHit> hits;
  for (const auto& point : points) {
    IRIS_ASSIGN_OR_RETURN(auto identity, FromPayload(point));
    const float score = point.value("score", 0.0f);
    CollectionHit hit;
    hit.id = std::move(identity.first);
    hit.metadata = std::move(identity.second);
    if (index.metric == Metric::kL2) {
      hit.distance = score;
      hit.similarity = -score;
    } else {
      hit.similarity = score;
      hit.distance = 1 - score;
    }
    if (min_similarity && hit.similarity < *min_similarity) continue;
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<std::vector<std::string>> QdrantCollection::ListIds(std::size_t offset, std::size_t limit) const {
  std::vector<std::string> ids;
  IRIS_RETURN_IF_ERROR(client_->ScrollAll(qdrant_name_, "iris_id", [&ids](const nlohmann::json& point) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto identity, FromPayload(point));
    ids.push_back(std::move(identity.first));
    return Status::Ok();
  }));
  std::sort(ids.begin(), ids.end());
  if (offset >= ids.size()) return std::vector<std::string>{};
  const std::size_t end = limit > ids.size() - offset ? ids.size() : offset + limit;
  return std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(offset),
                                  ids.begin() + static_cast<std::ptrdiff_t>(end));
}

Result<std::size_t> QdrantCollection::Count() const {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json counted,
                        client_->Call("POST", PointsPath("/count"), nlohmann::json{{"exact", true}}));
  if (!counted.is_object() || !counted.contains("count") || !counted["count"].is_number_unsigned()) {
    return Internal("Qdrant count answered no count");
  }
  return counted["count"].get<std::size_t>();
}

}  // namespace iris
