// VectorCollection and CollectionStore: the named vector collections as the application layer
// (app/collection_service.h) sees them, whichever engine holds the vectors. Chosen by
// storage.vector_engine (docs/scale-out.md):
//
//   "local"   CollectionManager / DurableCollection (index/collection_manager.h): HNSW in memory, a log
//             and snapshots under <data_dir>/collections. The embedded default; one process.
//   "qdrant", "milvus"  Qdrant/MilvusCollectionStore (vector_engines/{qdrant,milvus}_collection_store.h): the
//             collections of an external Qdrant (REST) or Milvus (REST v2) server, shared by every process.
//
// Contract every implementation keeps (src/vector_engines/collection_contract_test.cc runs one suite
// on all three):
//   * An item is a caller-chosen id (non-empty UTF-8), one vector of description().index.dim floats and
//     a JSON metadata object. One item per id: Upsert replaces the vector and metadata of an existing id.
//   * Writes are durable when they return OK. UpsertBatch validates every item first (any error:
//     nothing written).
//   * Scores follow index/vector_metric.h (similarity higher = closer; cosine vectors are stored
//     L2-normalised and Get returns them so); hits come closest first; SearchFilter as in
//     index/search_filter.h; top_n in [1, kMaxTopN]; min_similarity drops hits below it.
//   * ListIds: live ids in lexicographic order, [offset, offset + limit).
//   * Errors: wrong dimension, non-finite values, a zero cosine vector, a bad id, metadata that is not
//     an object, top_n out of range -> kInvalidArgument (nothing written); unknown id -> kNotFound (Get,
//     Delete); the engine unreachable or overloaded -> kUnavailable; a filter the engine cannot express
//     -> kInvalidArgument naming it; anything else the engine refuses -> kInternal with its message.
// Thread-safety: every method of both classes may be called from any number of threads.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "index/hnsw_collection.h"
#include "index/search_filter.h"

namespace iris {

// What a collection is: its name, the model that fills it and its index settings.
struct CollectionDescription {
  std::string name;                // non-empty
  std::string model = "external";  // embedding model name, or "external" for caller vectors
  CollectionOptions index;         // dim, metric, HNSW parameters
  std::string created;             // set when the collection is created (UTC ISO 8601)
};

// One item to write.
struct DurableItem {
  std::string id;
  std::vector<float> vector;
  nlohmann::json metadata = nlohmann::json::object();
};

class VectorCollection {
 public:
  virtual ~VectorCollection() = default;

  virtual const CollectionDescription& description() const = 0;

  virtual Status Upsert(const std::string& id, std::span<const float> vector,
                        nlohmann::json metadata = nlohmann::json::object()) = 0;
  virtual Status UpsertBatch(std::span<const DurableItem> items) = 0;
  virtual Status Delete(const std::string& id) = 0;

  virtual Result<CollectionItem> Get(const std::string& id) const = 0;
  virtual Result<bool> Contains(const std::string& id) const = 0;
  // Up to top_n items matching `filter`, closest first. `mode` is a hint: kExact asks for the true top_n
  // (engines that cannot promise it search as exactly as they can).
  virtual Result<std::vector<CollectionHit>> Search(std::span<const float> query, int top_n,
                                                    const SearchFilter& filter = {},
                                                    std::optional<float> min_similarity = std::nullopt,
                                                    SearchMode mode = SearchMode::kAuto) const = 0;
  virtual Result<std::vector<std::string>> ListIds(std::size_t offset, std::size_t limit) const = 0;
  virtual Result<std::size_t> Count() const = 0;

  // Makes the writes so far cheap to reopen (the local engine snapshots; engines that persist by
  // themselves do nothing).
  virtual Status Checkpoint() = 0;
};

// The named collections. Names: [A-Za-z0-9_-]{1,64} (kInvalidArgument otherwise).
class CollectionStore {
 public:
  virtual ~CollectionStore() = default;

  // kAlreadyExists when `description.name` exists; kInvalidArgument for a bad name or index setting;
  // kResourceExhausted when the store's collection limit is reached. `created` is filled in.
  virtual Result<std::shared_ptr<VectorCollection>> Create(const CollectionDescription& description) = 0;
  // kNotFound when there is no such collection.
  virtual Result<std::shared_ptr<VectorCollection>> Get(const std::string& name) const = 0;
  // Names, sorted. An engine that cannot be reached yields kUnavailable.
  virtual Result<std::vector<std::string>> List() const = 0;
  // kNotFound when there is no such collection.
  virtual Status Drop(const std::string& name) = 0;
  // Checkpoint() of every collection (a shutdown step); the first error is returned, the others are logged.
  virtual Status CheckpointAll() = 0;
  // Collections that exist but could not be opened: name -> error (the local engine's broken directories).
  virtual std::map<std::string, Status> Broken() const { return {}; }
  // "local", "qdrant", "milvus": for logs, /readyz and the collection descriptions.
  virtual std::string engine() const = 0;
  // OK when the engine answers (a /readyz check).
  virtual Status Ping() const = 0;
};

}  // namespace iris
