#include "vector_engines/milvus_collection_store.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "core/logging.h"
#include "core/utc_time.h"
#include "index/collection_manager.h"
#include "index/vector_metric.h"
#include "vector_engines/catalog_description.h"

namespace iris {
namespace {

constexpr int kMinMilvusDim = 2;
constexpr int kMaxMilvusDim = 32768;

Status ValidateIndexSettings(const CollectionOptions& index) {
  if (index.dim < kMinMilvusDim || index.dim > kMaxMilvusDim) {
    return InvalidArgument("dim must be in [2, 32768] on the milvus vector engine (Milvus's float-vector range)");
  }
  return ValidateHnswSettings(index);
}

nlohmann::json Field(const std::string& name, const std::string& type, nlohmann::json params = nullptr) {
  nlohmann::json field = {{"fieldName", name}, {"dataType", type}};
  if (!params.is_null()) field["elementTypeParams"] = std::move(params);
  return field;
}

// collections/create for a collection with a VarChar primary key, a float vector and a JSON field, the
// vector indexed as `index`. Type parameters go as strings, which every REST v2 version reads.
nlohmann::json CreateRequest(const std::string& collection, const std::string& key, int key_bytes,
                             const std::string& json_field, int dim, nlohmann::json index) {
  nlohmann::json fields = nlohmann::json::array();
  nlohmann::json primary = Field(key, "VarChar", {{"max_length", std::to_string(key_bytes)}});
  primary["isPrimary"] = true;
  fields.push_back(std::move(primary));
  fields.push_back(Field("vector", "FloatVector", {{"dim", std::to_string(dim)}}));
  fields.push_back(Field(json_field, "JSON"));
  index["fieldName"] = "vector";
  index["indexName"] = "vector";
  return {{"collectionName", collection},
          {"schema", {{"autoID", false}, {"enableDynamicField", false}, {"fields", std::move(fields)}}},
          {"indexParams", nlohmann::json::array({std::move(index)})},
          {"params", {{"consistencyLevel", "Strong"}}}};
}

Status ValidatePrefix(const std::string& prefix) {
  const bool ok = prefix.size() <= 32 &&
                  prefix.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
                      std::string::npos &&
                  (prefix.empty() || !std::isdigit(static_cast<unsigned char>(prefix[0])));
  if (ok) return {};
  return InvalidArgument("storage.milvus_collection_prefix must be empty or [A-Za-z_][A-Za-z0-9_]{0,31}");
}

}  // namespace

std::string MilvusEncodeName(std::string_view iris_name) {
  std::string out;
  out.reserve(iris_name.size() * 2);
  for (const char c : iris_name) {
    if (c == '_') {
      out += "__";
    } else if (c == '-') {
      out += "_h";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<MilvusCollectionStore>> MilvusCollectionStore::Open(MilvusStoreOptions options) {
  IRIS_RETURN_IF_ERROR(ValidatePrefix(options.collection_prefix));
  IRIS_ASSIGN_OR_RETURN(MilvusClient client, MilvusClient::Create(options.client));
  std::unique_ptr<MilvusCollectionStore> store(
      new MilvusCollectionStore(std::make_shared<const MilvusClient>(std::move(client)), options.collection_prefix));
  IRIS_RETURN_IF_ERROR(store->EnsureCatalog());
  return store;
}

Result<bool> MilvusCollectionStore::Has(const std::string& milvus_name) const {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json has,
                        client_->Call("collections/has", nlohmann::json{{"collectionName", milvus_name}}));
  if (!has.is_object() || !has.contains("has") || !has["has"].is_boolean()) {
    return Internal("Milvus collections/has answered no \"has\"");
  }
  return has["has"].get<bool>();
}

Status MilvusCollectionStore::EnsureCatalog() const {
  IRIS_ASSIGN_OR_RETURN(bool exists, Has(CatalogName()));
  if (!exists) {
    // Another process creating it at the same time is fine: Milvus's create is idempotent for one schema.
    IRIS_RETURN_IF_ERROR(
        client_
            ->Call("collections/create", CreateRequest(CatalogName(), "name", 64, "description", 2,
                                                       {{"metricType", "IP"}, {"indexType", "AUTOINDEX"}}))
            .status());
  }
  return client_->EnsureLoaded(CatalogName());
}

Result<std::optional<nlohmann::json>> MilvusCollectionStore::CatalogEntry(const std::string& name) const {
  std::string filter = "name in [";
  filter += MilvusStringLiteral(name);
  filter += "]";
  IRIS_ASSIGN_OR_RETURN(nlohmann::json rows,
                        client_->Call("entities/query", nlohmann::json{{"collectionName", CatalogName()},
                                                                       {"filter", filter},
                                                                       {"outputFields", {"name", "description"}},
                                                                       {"consistencyLevel", "Strong"}}));
  if (!rows.is_array()) return Internal("Milvus query answered no row list");
  for (const auto& row : rows) {
    if (!row.is_object() || row.value("name", "") != name || !row.contains("description")) continue;
    const nlohmann::json& value = row["description"];
    nlohmann::json description =
        value.is_string() ? nlohmann::json::parse(value.get<std::string>(), nullptr, false) : value;
    if (!description.is_object()) return Internal("the Milvus catalog entry of '" + name + "' is not a JSON object");
    return std::optional<nlohmann::json>(std::move(description));
  }
  return std::optional<nlohmann::json>();
}

Result<std::shared_ptr<VectorCollection>> MilvusCollectionStore::Create(const CollectionDescription& requested) {
  IRIS_RETURN_IF_ERROR(CollectionManager::ValidateName(requested.name));
  if (requested.model.empty()) return InvalidArgument("model must not be empty");
  IRIS_RETURN_IF_ERROR(ValidateIndexSettings(requested.index));
  const std::string& name = requested.name;
  const std::string milvus_name = MilvusNameOf(name);
  const Status exists = AlreadyExists("collection '" + name + "' already exists");
  IRIS_ASSIGN_OR_RETURN(auto entry, CatalogEntry(name));
  if (entry) return exists;
  IRIS_ASSIGN_OR_RETURN(bool leftover, Has(milvus_name));
  if (leftover) {
    // Another process is creating it (its catalog row follows), or a create stopped half-way.
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      IRIS_ASSIGN_OR_RETURN(auto appeared, CatalogEntry(name));
      if (appeared) return exists;
    }
    std::string message = "Milvus already holds collection ";
    message += milvus_name;
    message += " but Iris's catalog does not name '";
    message += name;
    message += "' (a create stopped half-way?): drop '";
    message += name;
    message += "' to remove it";
    return AlreadyExists(std::move(message));
  }
  CollectionDescription description = requested;
  description.created = UtcNowIso8601();
  const std::string instance = RandomCatalogInstance();
  const CollectionOptions& index = description.index;
  IRIS_RETURN_IF_ERROR(
      client_
          ->Call("collections/create",
                 CreateRequest(milvus_name, "id", static_cast<int>(kMaxMilvusIdBytes), "metadata", index.dim,
                               {{"metricType", MilvusMetricType(index.metric)},
                                {"indexType", "HNSW"},
                                {"params", {{"M", index.m}, {"efConstruction", index.ef_construction}}}}))
          .status());
  IRIS_RETURN_IF_ERROR(client_->EnsureLoaded(milvus_name));
  const nlohmann::json row = {
      {"name", name}, {"vector", {1.0, 0.0}}, {"description", CatalogDescriptionJson(description, instance)}};
  IRIS_RETURN_IF_ERROR(
      client_->Call("entities/upsert", nlohmann::json{{"collectionName", CatalogName()}, {"data", {row}}}).status());
  auto collection = std::make_shared<MilvusCollection>(client_, milvus_name, description, instance);
  std::lock_guard lock(mutex_);
  open_[name] = collection;
  return std::shared_ptr<VectorCollection>(collection);
}

Result<std::shared_ptr<VectorCollection>> MilvusCollectionStore::Get(const std::string& name) const {
  IRIS_RETURN_IF_ERROR(CollectionManager::ValidateName(name));
  IRIS_ASSIGN_OR_RETURN(auto entry, CatalogEntry(name));
  std::lock_guard lock(mutex_);
  if (!entry) {
    open_.erase(name);
    return NotFound("no collection named '" + name + "'");
  }
  const std::string instance = entry->value("instance", "");
  if (auto it = open_.find(name); it != open_.end() && it->second->instance() == instance) {
    return std::shared_ptr<VectorCollection>(it->second);
  }
  IRIS_ASSIGN_OR_RETURN(CollectionDescription description, CatalogDescriptionFromJson(*entry, "Milvus"));
  auto collection = std::make_shared<MilvusCollection>(client_, MilvusNameOf(name), std::move(description), instance);
  open_[name] = collection;
  return std::shared_ptr<VectorCollection>(collection);
}

Result<std::vector<std::string>> MilvusCollectionStore::List() const {
  std::vector<std::string> names;
  IRIS_RETURN_IF_ERROR(client_->ScanKeys(CatalogName(), "name", [&names](const std::string& name) -> Result<bool> {
    names.push_back(name);
    return true;
  }));
  std::sort(names.begin(), names.end());
  return names;
}

Status MilvusCollectionStore::Drop(const std::string& name) {
  IRIS_RETURN_IF_ERROR(CollectionManager::ValidateName(name));
  IRIS_ASSIGN_OR_RETURN(auto entry, CatalogEntry(name));
  if (entry) {
    std::string filter = "name in [";
    filter += MilvusStringLiteral(name);
    filter += "]";
    IRIS_RETURN_IF_ERROR(
        client_->Call("entities/delete", nlohmann::json{{"collectionName", CatalogName()}, {"filter", filter}})
            .status());
  }
  {
    std::lock_guard lock(mutex_);
    open_.erase(name);
  }
  const std::string milvus_name = MilvusNameOf(name);
  IRIS_ASSIGN_OR_RETURN(bool present, Has(milvus_name));
  if (present) {
    IRIS_RETURN_IF_ERROR(client_->Call("collections/drop", nlohmann::json{{"collectionName", milvus_name}}).status());
  }
  if (!entry && !present) return NotFound("no collection named '" + name + "'");
  if (!entry) LogWarn("milvus.leftover_dropped", {{"collection", milvus_name}});
  return {};
}

Status MilvusCollectionStore::Ping() const {
  return client_->Call("collections/list", nlohmann::json::object()).status();
}

}  // namespace iris
