#include "vector_engines/qdrant_collection_store.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>

#include "core/logging.h"
#include "core/utc_time.h"
#include "index/collection_manager.h"
#include "index/vector_metric.h"
#include "vector_engines/catalog_description.h"

namespace iris {
namespace {

Status ValidateIndexSettings(const CollectionOptions& index) {
  if (index.dim < 1 || index.dim > 65536) return InvalidArgument("dim must be in [1, 65536]");
  return ValidateHnswSettings(index);
}

}  // namespace

Result<std::unique_ptr<QdrantCollectionStore>> QdrantCollectionStore::Open(QdrantStoreOptions options) {
  if (options.collection_prefix.size() > 32 ||
      options.collection_prefix.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
          std::string::npos) {
    return InvalidArgument("storage.qdrant_collection_prefix must be [A-Za-z0-9_-]{0,32}");
  }
  IRIS_ASSIGN_OR_RETURN(QdrantClient client, QdrantClient::Create(options.client));
  std::unique_ptr<QdrantCollectionStore> store(
      new QdrantCollectionStore(std::make_shared<const QdrantClient>(std::move(client)), options.collection_prefix));
  IRIS_RETURN_IF_ERROR(store->EnsureCatalog());
  return store;
}

Status QdrantCollectionStore::EnsureCatalog() const {
  auto found = client_->Call("GET", "/collections/" + CatalogName());
  if (found.ok()) return {};
  if (found.status().code() != StatusCode::kNotFound) return found.status();
  auto created = client_->Call("PUT", "/collections/" + CatalogName(),
                               nlohmann::json{{"vectors", {{"size", 1}, {"distance", "Dot"}}}});
  if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) return {};  // or another process did
  return created.status();
}

Result<std::optional<nlohmann::json>> QdrantCollectionStore::CatalogEntry(const std::string& name) const {
  IRIS_ASSIGN_OR_RETURN(
      nlohmann::json points,
      client_->Call("POST", "/collections/" + CatalogName() + "/points",
                    nlohmann::json{{"ids", {QdrantPointId(name)}}, {"with_payload", true}, {"with_vector", false}}));
  if (!points.is_array()) return Internal("Qdrant retrieve answered no point list");
  if (points.empty()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(points[0].value("payload", nlohmann::json::object()));
}

Result<std::shared_ptr<VectorCollection>> QdrantCollectionStore::Create(const CollectionDescription& requested) {
  IRIS_RETURN_IF_ERROR(CollectionManager::ValidateName(requested.name));
  if (requested.model.empty()) return InvalidArgument("model must not be empty");
  IRIS_RETURN_IF_ERROR(ValidateIndexSettings(requested.index));
  const std::string& name = requested.name;
  const Status exists = AlreadyExists("collection '" + name + "' already exists");
  IRIS_ASSIGN_OR_RETURN(auto entry, CatalogEntry(name));
  if (entry) return exists;
  CollectionDescription description = requested;
  description.created = UtcNowIso8601();
  const std::string instance = RandomCatalogInstance();
  const nlohmann::json spec = {
      {"vectors", {{"size", description.index.dim}, {"distance", QdrantDistance(description.index.metric)}}},
      {"hnsw_config", {{"m", description.index.m}, {"ef_construct", description.index.ef_construction}}}};
  auto made = client_->Call("PUT", "/collections/" + QdrantNameOf(name), spec);
  if (!made.ok() && made.status().code() == StatusCode::kAlreadyExists) {
    // Another process is creating it (its catalog point follows), or a create stopped half-way.
    for (int i = 0; i < 20; ++i) {
      IRIS_ASSIGN_OR_RETURN(entry, CatalogEntry(name));
      if (entry) return exists;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return AlreadyExists("Qdrant already holds collection " + QdrantNameOf(name) +
                         " but Iris's catalog does not name '" + name + "' (a create stopped half-way?): drop '" +
                         name + "' to remove it");
  }
  IRIS_RETURN_IF_ERROR(made.status());
  IRIS_RETURN_IF_ERROR(client_
                           ->Call("PUT", "/collections/" + CatalogName() + "/points?wait=true",
                                  nlohmann::json{{"points",
                                                  {{{"id", QdrantPointId(name)},
                                                    {"vector", {1.0}},
                                                    {"payload", CatalogDescriptionJson(description, instance)}}}}})
                           .status());
  auto collection = std::make_shared<QdrantCollection>(client_, QdrantNameOf(name), description, instance);
  std::lock_guard lock(mutex_);
  open_[name] = collection;
  return std::shared_ptr<VectorCollection>(collection);
}

Result<std::shared_ptr<VectorCollection>> QdrantCollectionStore::Get(const std::string& name) const {
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
  IRIS_ASSIGN_OR_RETURN(CollectionDescription description, CatalogDescriptionFromJson(*entry, "Qdrant"));
  auto collection = std::make_shared<QdrantCollection>(client_, QdrantNameOf(name), std::move(description), instance);
  open_[name] = collection;
  return std::shared_ptr<VectorCollection>(collection);
}

Result<std::vector<std::string>> QdrantCollectionStore::List() const {
  std::vector<std::string> names;
  IRIS_RETURN_IF_ERROR(client_->ScrollAll(CatalogName(), "name", [&names](const nlohmann::json& point) -> Status {
    const nlohmann::json payload = point.value("payload", nlohmann::json::object());
    if (payload.contains("name") && payload["name"].is_string()) names.push_back(payload["name"].get<std::string>());
    return Status::Ok();
  }));
  std::sort(names.begin(), names.end());
  return names;
}

Status QdrantCollectionStore::Drop(const std::string& name) {
  IRIS_RETURN_IF_ERROR(CollectionManager::ValidateName(name));
  IRIS_ASSIGN_OR_RETURN(auto entry, CatalogEntry(name));
  if (entry) {
    IRIS_RETURN_IF_ERROR(client_
                             ->Call("POST", "/collections/" + CatalogName() + "/points/delete?wait=true",
                                    nlohmann::json{{"points", {QdrantPointId(name)}}})
                             .status());
  }
  {
    std::lock_guard lock(mutex_);
    open_.erase(name);
  }
  auto removed = client_->Call("DELETE", "/collections/" + QdrantNameOf(name));
  // Qdrant answers a delete of a missing collection with {"result": false} (or 404 on some versions).
  const bool leftover = removed.ok() && removed->is_boolean() && removed->get<bool>();
  if (!removed.ok() && removed.status().code() != StatusCode::kNotFound) return removed.status();
  if (!entry && !leftover) return NotFound("no collection named '" + name + "'");
  if (!entry) LogWarn("qdrant.leftover_dropped", {{"collection", QdrantNameOf(name)}});
  return {};
}

Status QdrantCollectionStore::Ping() const { return client_->Call("GET", "/collections").status(); }

}  // namespace iris
