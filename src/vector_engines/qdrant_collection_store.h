// QdrantCollectionStore: the CollectionStore (index/vector_collection.h) of storage.vector_engine =
// "qdrant": every collection is a collection of one Qdrant server, so every `iris serve` pointed at it
// sees the same collections and items (docs/scale-out.md).
//
// Layout in Qdrant (prefix = storage.qdrant_collection_prefix, default "iris_", so several Iris
// deployments can share one server):
//   <prefix>catalog     one point per Iris collection (id QdrantPointId(name), a 1-d vector [1]) whose
//                       payload is the description -- name, model, dim, metric, m, ef_construction,
//                       ef_search, created -- and `instance`, a random id of this creation. Qdrant keeps
//                       no metadata of its own that every version accepts, so Iris keeps it here.
//   <prefix>c_<name>    the items of collection <name> (qdrant_collection.h), created with the
//                       collection's size, distance (Cosine, Dot, Euclid) and hnsw_config {m, ef_construct}.
//
// Create: kAlreadyExists when the catalog names it; otherwise the Qdrant collection is created, then the
//   catalog point written. When Qdrant already has <prefix>c_<name> but the catalog does not name it,
//   another process is creating it (its catalog point appears within ~2 s: kAlreadyExists) or a create
//   stopped half-way (kAlreadyExists saying so; Drop(name) removes the leftover).
// Get: one catalog read per call, so a collection dropped or re-created by another process is seen at
//   once; the same QdrantCollection object is returned while the catalog's `instance` is unchanged.
// Drop: removes the catalog point, then the Qdrant collection (a leftover without a catalog point too).
// List: the catalog, sorted. Ping: GET /collections.
// Open creates <prefix>catalog when it is missing; kUnavailable when Qdrant cannot be reached.
//
// Thread-safety: every method may be called from any number of threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "index/vector_collection.h"
#include "vector_engines/qdrant_client.h"
#include "vector_engines/qdrant_collection.h"

namespace iris {

struct QdrantStoreOptions {
  QdrantClientOptions client;
  std::string collection_prefix = "iris_";  // [A-Za-z0-9_-]{0,32}
};

class QdrantCollectionStore : public CollectionStore {
 public:
  static Result<std::unique_ptr<QdrantCollectionStore>> Open(QdrantStoreOptions options);

  Result<std::shared_ptr<VectorCollection>> Create(const CollectionDescription& description) override;
  Result<std::shared_ptr<VectorCollection>> Get(const std::string& name) const override;
  Result<std::vector<std::string>> List() const override;
  Status Drop(const std::string& name) override;
  Status CheckpointAll() override { return {}; }
  std::string engine() const override { return "qdrant"; }
  Status Ping() const override;

  // The Qdrant collection holding the items of `name`, and the catalog's.
  std::string QdrantNameOf(const std::string& name) const { return prefix_ + "c_" + name; }
  std::string CatalogName() const { return prefix_ + "catalog"; }

 private:
  QdrantCollectionStore(std::shared_ptr<const QdrantClient> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  // The catalog point of `name`, or nullopt.
  Result<std::optional<nlohmann::json>> CatalogEntry(const std::string& name) const;
  Status EnsureCatalog() const;

  std::shared_ptr<const QdrantClient> client_;
  const std::string prefix_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<QdrantCollection>> open_;  // by name, the last instance seen
};

}  // namespace iris
