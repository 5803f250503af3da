#include "vector_engines/milvus_collection.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "index/vector_metric.h"

namespace iris {
namespace {

const char* const kIdField = "id";
const char* const kVectorField = "vector";
const char* const kMetadataField = "metadata";

Status CheckFilterField(const std::string& field) {
  bool safe = !field.empty();
  for (const char ch : field) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || std::string_view("\"'\\[]/~").find(ch) != std::string_view::npos) safe = false;
  }
  if (safe) return {};
  std::string message = "the milvus vector engine cannot filter on metadata field '";
  message += field;
  message += "' (names with '\"', ''', '\\', '[', ']', '/', '~' or control characters are Milvus path syntax)";
  return InvalidArgument(std::move(message));
}

// A number as a Milvus floating-point literal ("3.0", "-0.5", "1e+20"), so integers and doubles compare
// as numbers.
std::string NumberLiteral(const nlohmann::json& value) {
  const double v = value.get<double>();
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", v);
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

Result<std::string> ValueLiteral(const std::string& field, const nlohmann::json& value) {
  if (value.is_string()) return MilvusStringLiteral(value.get<std::string>());
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number()) return NumberLiteral(value);
  std::string message = "the milvus vector engine filters on strings, numbers and booleans; field '";
  message += field;
  message += "' asks for ";
  message += value.type_name();
  return InvalidArgument(std::move(message));
}

// A JSON field of a Milvus row: REST v2 returns JSON fields as their text, some versions as the object.
nlohmann::json MetadataOf(const nlohmann::json& row) {
  if (!row.contains(kMetadataField)) return nlohmann::json::object();
  const nlohmann::json& value = row[kMetadataField];
  nlohmann::json metadata = value.is_string() ? nlohmann::json::parse(value.get<std::string>(), nullptr, false) : value;
  return metadata.is_object() ? metadata : nlohmann::json::object();
}

Result<std::string> IdOf(const nlohmann::json& row) {
  if (!row.is_object() || !row.contains(kIdField) || !row[kIdField].is_string()) {
    return Internal("a Milvus row without a string id (not written by Iris)");
  }
  return row[kIdField].get<std::string>();
}

Status ValidateId(const std::string& id) {
  IRIS_RETURN_IF_ERROR(ValidateItemId(id));
  if (id.size() > kMaxMilvusIdBytes) {
    std::string message = "item ids of the milvus vector engine have at most ";
    message += std::to_string(kMaxMilvusIdBytes);
    message += " bytes";
    return InvalidArgument(std::move(message));
  }
  return {};
}

std::string IdIn(const std::string& id) {
  std::string filter = kIdField;
  filter += " in [";
  filter += MilvusStringLiteral(id);
  filter += "]";
  return filter;
}

}  // namespace

std::string MilvusMetricType(Metric metric) {
  switch (metric) {
    case Metric::kCosine:
      return "COSINE";
    case Metric::kInnerProduct:
      return "IP";
    case Metric::kL2:
      return "L2";
  }
  return "COSINE";
}

Result<std::string> MilvusFilterExpression(const SearchFilter& filter) {
  std::vector<std::string> terms;
  for (const auto& [field, value] : filter.metadata_equals) {
    IRIS_RETURN_IF_ERROR(CheckFilterField(field));
    IRIS_ASSIGN_OR_RETURN(std::string literal, ValueLiteral(field, value));
    std::string term = "(";
    term += kMetadataField;
    term += "[";
    term += MilvusStringLiteral(field);
    term += "] == ";
    term += literal;
    term += ")";
    terms.push_back(std::move(term));
  }
  if (filter.exclude_id) {
    IRIS_RETURN_IF_ERROR(ValidateItemId(*filter.exclude_id).WithContext("exclude_id"));
    std::string term = "(";
    term += kIdField;
    term += " != ";
    term += MilvusStringLiteral(*filter.exclude_id);
    term += ")";
    terms.push_back(std::move(term));
  }
  std::string expression;
  for (const std::string& term : terms) {
    if (!expression.empty()) expression += " and ";
    expression += term;
  }
  return expression;
}

MilvusCollection::MilvusCollection(std::shared_ptr<const MilvusClient> client, std::string milvus_name,
                                   CollectionDescription description, std::string instance)
    : client_(std::move(client)),
      milvus_name_(std::move(milvus_name)),
      description_(std::move(description)),
      instance_(std::move(instance)) {}

Result<nlohmann::json> MilvusCollection::RowFor(const DurableItem& item) const {
  IRIS_RETURN_IF_ERROR(ValidateId(item.id));
  const CollectionOptions& index = description_.index;
  IRIS_RETURN_IF_ERROR(ValidateVector(index.metric, index.dim, item.vector));
  if (!item.metadata.is_object() && !item.metadata.is_null()) return InvalidArgument("metadata must be a JSON object");
  nlohmann::json metadata = item.metadata.is_null() ? nlohmann::json::object() : item.metadata;
  return nlohmann::json{{kIdField, item.id},
                        {kVectorField, PrepareVector(index.metric, item.vector)},
                        {kMetadataField, std::move(metadata)}};
}

Status MilvusCollection::Upsert(const std::string& id, std::span<const float> vector, nlohmann::json metadata) {
  DurableItem item{id, std::vector<float>(vector.begin(), vector.end()), std::move(metadata)};
  return UpsertBatch(std::span<const DurableItem>(&item, 1));
}

Status MilvusCollection::UpsertBatch(std::span<const DurableItem> items) {
  if (items.empty()) return {};
  nlohmann::json rows = nlohmann::json::array();
  for (const DurableItem& item : items) {
    IRIS_ASSIGN_OR_RETURN(nlohmann::json row, RowFor(item));
    rows.push_back(std::move(row));
  }
  return client_->Call("entities/upsert", nlohmann::json{{"collectionName", milvus_name_}, {"data", std::move(rows)}})
      .status();
}

Status MilvusCollection::Delete(const std::string& id) {
  IRIS_ASSIGN_OR_RETURN(bool present, Contains(id));
  if (!present) return NotFound("no item '" + id + "'");
  return client_->Call("entities/delete", nlohmann::json{{"collectionName", milvus_name_}, {"filter", IdIn(id)}})
      .status();
}

Result<std::optional<nlohmann::json>> MilvusCollection::Fetch(const std::string& id,
                                                              const nlohmann::json& fields) const {
  IRIS_RETURN_IF_ERROR(ValidateId(id));
  // entities/query with Iris's own escaped filter, not entities/get: some Milvus versions splice the ids
  // of entities/get into an expression unescaped, so an id holding '"' would not be found.
  IRIS_ASSIGN_OR_RETURN(nlohmann::json rows,
                        client_->Call("entities/query", nlohmann::json{{"collectionName", milvus_name_},
                                                                       {"filter", IdIn(id)},
                                                                       {"outputFields", fields},
                                                                       {"consistencyLevel", "Strong"}}));
  if (!rows.is_array()) return Internal("Milvus query answered no row list");
  for (auto& row : rows) {
    IRIS_ASSIGN_OR_RETURN(std::string found, IdOf(row));
    if (found == id) return std::optional<nlohmann::json>(std::move(row));
  }
  return std::optional<nlohmann::json>();
}

Result<CollectionItem> MilvusCollection::Get(const std::string& id) const {
  IRIS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> found,
                        Fetch(id, nlohmann::json::array({kIdField, kVectorField, kMetadataField})));
  if (!found) return NotFound("no item '" + id + "'");
  const nlohmann::json& row = *found;
  CollectionItem item;
  item.id = id;
  item.metadata = MetadataOf(row);
  const nlohmann::json& vector = row.contains(kVectorField) ? row[kVectorField] : nlohmann::json();
  if (!vector.is_array()) return Internal("Milvus returned item '" + id + "' without its vector");
  for (const auto& v : vector) {
    if (!v.is_number()) return Internal("Milvus returned a vector that is not numbers");
    item.vector.push_back(v.get<float>());
  }
  return item;
}

Result<bool> MilvusCollection::Contains(const std::string& id) const {
  IRIS_ASSIGN_OR_RETURN(std::optional<nlohmann::json> found, Fetch(id, nlohmann::json::array({kIdField})));
  return found.has_value();
}

Result<std::vector<CollectionHit>> MilvusCollection::Search(std::span<const float> query, int top_n,
                                                            const SearchFilter& filter,
                                                            std::optional<float> min_similarity,
                                                            SearchMode mode) const {
  const CollectionOptions& index = description_.index;
  if (top_n < 1 || top_n > kMaxTopN) {
    return InvalidArgument("top_n must be in [1, " + std::to_string(kMaxTopN) + "], got " + std::to_string(top_n));
  }
  IRIS_RETURN_IF_ERROR(ValidateVector(index.metric, index.dim, query));
  IRIS_ASSIGN_OR_RETURN(std::string expression, MilvusFilterExpression(filter));
  int ef = std::max(index.ef_search, top_n);
  if (mode == SearchMode::kExact) ef = std::max(ef, kMilvusExactEf);
  nlohmann::json body = {{"collectionName", milvus_name_},
                         {"data", nlohmann::json::array({PrepareVector(index.metric, query)})},
                         {"annsField", kVectorField},
                         {"limit", top_n},
                         {"outputFields", {kIdField, kMetadataField}},
                         {"searchParams", {{"params", {{"ef", ef}}}}},
                         {"consistencyLevel", "Strong"}};
  if (!expression.empty()) body["filter"] = std::move(expression);
  IRIS_ASSIGN_OR_RETURN(nlohmann::json rows, client_->Call("entities/search", body));
  if (!rows.is_array()) return Internal("Milvus search answered no hit list");
  std::vector<CollectionHit> hits;
  for (const auto& row : rows) {
    IRIS_ASSIGN_OR_RETURN(std::string id, IdOf(row));
    if (!row.contains("distance") || !row["distance"].is_number()) return Internal("a Milvus hit without a distance");
    const float score = row["distance"].get<float>();
    CollectionHit hit;
    hit.id = std::move(id);
    hit.metadata = MetadataOf(row);
    if (index.metric == Metric::kL2) {
      hit.distance = std::sqrt(std::max(score, 0.0f));
      hit.similarity = -hit.distance;
    } else {
      hit.similarity = score;
      hit.distance = 1 - score;
    }
    if (min_similarity && hit.similarity < *min_similarity) continue;
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<std::vector<std::string>> MilvusCollection::ListIds(std::size_t offset, std::size_t limit) const {
  std::vector<std::string> ids;
  const std::size_t wanted = limit > SIZE_MAX - offset ? SIZE_MAX : offset + limit;
  if (limit == 0) return ids;
  IRIS_RETURN_IF_ERROR(client_->ScanKeys(milvus_name_, kIdField, [&](const std::string& id) -> Result<bool> {
    ids.push_back(id);
    return ids.size() < wanted;
  }));
  std::sort(ids.begin(), ids.end());
  if (offset >= ids.size()) return std::vector<std::string>{};
  const std::size_t end = std::min(ids.size(), wanted);
  return std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(offset),
                                  ids.begin() + static_cast<std::ptrdiff_t>(end));
}

Result<std::size_t> MilvusCollection::Count() const {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json rows,
                        client_->Call("entities/query", nlohmann::json{{"collectionName", milvus_name_},
                                                                       {"filter", ""},
                                                                       {"outputFields", {"count(*)"}},
                                                                       {"consistencyLevel", "Strong"}}));
  const nlohmann::json counted = rows.is_array() && !rows.empty() && rows[0].is_object()
                                     ? rows[0].value("count(*)", nlohmann::json())
                                     : nlohmann::json();
  // An int64 field arrives as a number, or as its decimal text from servers that quote int64 values.
  if (counted.is_number_unsigned()) return counted.get<std::size_t>();
  if (counted.is_string() && !counted.get<std::string>().empty() &&
      counted.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<std::size_t>(std::stoull(counted.get<std::string>()));
  }
  return Internal("Milvus count answered no count(*)");
}

}  // namespace iris
