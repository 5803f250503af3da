// MilvusCollectionStore: the CollectionStore (index/vector_collection.h) of storage.vector_engine =
// "milvus": every collection is a collection of one Milvus server (REST API v2), so every `iris serve`
// pointed at it sees the same collections and items (docs/scale-out.md).
//
// Names: Milvus collection names are [A-Za-z_][A-Za-z0-9_]* (at most 255 characters), Iris's
// [A-Za-z0-9_-]{1,64}; MilvusEncodeName keeps letters and digits and writes '_' as "__" and '-' as "_h".
// Every escape starts with '_' and no plain character is one, so the encoding reads back one way only
// and the mapping is injective ("a_b" -> "a__b", "a-b" -> "a_hb", "a_hb" -> "a__hb"); the longest
// result, 128 characters, fits with the prefix.
//
// Layout in Milvus (prefix = storage.milvus_collection_prefix, default "iris_", so several Iris
// deployments can share one server; empty, or [A-Za-z_][A-Za-z0-9_]{0,31}):
//   <prefix>catalog        one row per Iris collection: `name` (VarChar primary key, the Iris name),
//                          `vector` (a 2-d dummy [1, 0]: Milvus wants a vector field in every
//                          collection) and `description` (JSON: name, model, dim, metric, m,
//                          ef_construction, ef_search, created, and `instance`, a random id of this
//                          creation). Milvus keeps no collection metadata Iris could use, so Iris keeps it here.
//   <prefix>c_<encoded>    the items of the collection (milvus_collection.h), created with its dim,
//                          metric (COSINE, IP, L2) and an HNSW index {M, efConstruction}.
// Both are created with consistency level Strong and loaded before use.
//
// Create: kInvalidArgument unless dim is in [2, 32768] (Milvus's float-vector range; the local engine
//   takes 1..65536); kAlreadyExists when the catalog names it. Milvus's create is idempotent for an
//   identical schema, so Iris first asks collections/has: when Milvus already holds <prefix>c_<name> but
//   the catalog does not name it, another process is creating it (its catalog row appears within ~2 s:
//   kAlreadyExists) or a create stopped half-way (kAlreadyExists saying so; Drop(name) removes the
//   leftover). Otherwise the items collection is created and loaded, then the catalog row written. Two
//   processes creating one name at the same instant can both succeed (same schema: the same collection;
//   the catalog keeps the last description).
// Get: one catalog read per call, so a collection dropped or re-created by another process is seen at
//   once; the same MilvusCollection object is returned while the catalog's `instance` is unchanged.
// Drop: deletes the catalog row, then drops the Milvus collection (a leftover without a catalog row too).
// List: the catalog's names (MilvusClient::ScanKeys), sorted. Ping: collections/list.
// Open creates and loads <prefix>catalog when needed; kUnavailable when Milvus cannot be reached,
// kFailedPrecondition for a token Milvus refuses.
//
// Thread-safety: every method may be called from any number of threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "index/vector_collection.h"
#include "vector_engines/milvus_client.h"
#include "vector_engines/milvus_collection.h"

namespace iris {

struct MilvusStoreOptions {
  MilvusClientOptions client;
  std::string collection_prefix = "iris_";
};

// The Milvus spelling of an Iris collection name (see above); injective.
std::string MilvusEncodeName(std::string_view iris_name);

class MilvusCollectionStore : public CollectionStore {
 public:
  static Result<std::unique_ptr<MilvusCollectionStore>> Open(MilvusStoreOptions options);

  Result<std::shared_ptr<VectorCollection>> Create(const CollectionDescription& description) override;
  Result<std::shared_ptr<VectorCollection>> Get(const std::string& name) const override;
  Result<std::vector<std::string>> List() const override;
  Status Drop(const std::string& name) override;
  Status CheckpointAll() override { return {}; }
  std::string engine() const override { return "milvus"; }
  Status Ping() const override;

  // The Milvus collection holding the items of `name`, and the catalog's.
  std::string MilvusNameOf(const std::string& name) const { return prefix_ + "c_" + MilvusEncodeName(name); }
  std::string CatalogName() const { return prefix_ + "catalog"; }

 private:
  MilvusCollectionStore(std::shared_ptr<const MilvusClient> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  // The catalog description of `name`, or nullopt.
  Result<std::optional<nlohmann::json>> CatalogEntry(const std::string& name) const;
  Result<bool> Has(const std::string& milvus_name) const;
  Status EnsureCatalog() const;

  std::shared_ptr<const MilvusClient> client_;
  const std::string prefix_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<MilvusCollection>> open_;  // by name, the last instance seen
};

}  // namespace iris
