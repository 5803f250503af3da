// MilvusCollection: a VectorCollection (index/vector_collection.h) kept in one collection of a Milvus
// server, reached through MilvusClient (REST API v2). Made by MilvusCollectionStore, which names the
// Milvus collection (milvus_collection_store.h) and creates it with this schema:
//
//   id        VarChar, primary key, max_length kMaxMilvusIdBytes (the Iris item id; the HTTP API's limit too)
//   vector    FloatVector of the collection's dim, HNSW index {M: m, efConstruction: ef_construction}
//             with metric COSINE, IP or L2
//   metadata  JSON (the item's metadata object)
//
// Vectors are validated and prepared as the local engine does (index/vector_metric.h: cosine vectors
// normalised) before they are sent. Reads ask for consistencyLevel "Strong" (and the collection is created
// with it), so a process reads every write acknowledged before the read began, its own and the others'.
//
// Mapping of the contract onto Milvus's REST API v2 (every request POST /v2/vectordb/...):
//   Upsert, UpsertBatch  entities/upsert   one request per batch, every item validated first
//   Delete               entities/delete   filter `id in ["<id>"]` (after a Contains: kNotFound)
//   Get, Contains        entities/query    filter `id in ["<id>"]` (not entities/get, which some Milvus
//                                          versions turn into an expression without escaping the id)
//   Search               entities/search   searchParams.params.ef = max(ef_search, top_n)
//   Count                entities/query    outputFields ["count(*)"]
//   ListIds              entities/query    ids in pages (MilvusClient::ScanKeys) up to offset + limit:
//                        O(offset + limit) ids read, one request per 16384
// Scores: Milvus's COSINE and IP "distance" is the similarity (distance = 1 - similarity); its L2
// "distance" is the SQUARED Euclidean distance, reported as its square root (similarity = -distance), as
// vector_metric.h reports them. min_similarity is applied to these scores after the search.
// SearchMode::kExact: Milvus has no exact switch per query; the search runs with ef = max(ef_search,
// top_n, kMilvusExactEf), which visits every item of a collection up to that size on a connected HNSW
// graph -- exact in practice there, approximate beyond (the interface calls the mode a hint).
// Filters (MilvusFilterExpression): each metadata_equals field becomes `metadata["<field>"] == <value>`:
// strings as escaped literals (MilvusStringLiteral), booleans as true/false, numbers as floating-point
// literals (so 3 and 3.0 are equal, as locally; integers beyond 2^53 compare as doubles); exclude_id
// becomes `id != "<id>"`; the terms are joined with `and`. Null, array and object values, and field names
// that are empty or hold '"', '\'', '\\', '[', ']', '/', '~' or control characters (Milvus's JSON path
// syntax does not escape them) are kInvalidArgument naming the field.
//
// Thread-safety: every method may be called from any number of threads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "index/vector_collection.h"
#include "vector_engines/milvus_client.h"

namespace iris {

// Longest item id (bytes) the Milvus engine stores: the VarChar max_length of the `id` field.
inline constexpr std::size_t kMaxMilvusIdBytes = 512;
// The ef of a SearchMode::kExact search.
inline constexpr int kMilvusExactEf = 16384;

// Milvus's metric type for a metric: "COSINE", "IP", "L2".
std::string MilvusMetricType(Metric metric);

// The Milvus boolean expression of `filter` ("" for an empty filter), or kInvalidArgument.
Result<std::string> MilvusFilterExpression(const SearchFilter& filter);

class MilvusCollection : public VectorCollection {
 public:
  // `milvus_name` is the Milvus collection that holds the items (it must exist).
  MilvusCollection(std::shared_ptr<const MilvusClient> client, std::string milvus_name,
                   CollectionDescription description, std::string instance);

  const CollectionDescription& description() const override { return description_; }
  // Which creation of the name this is (MilvusCollectionStore tells a re-created collection apart).
  const std::string& instance() const { return instance_; }
  const std::string& milvus_name() const { return milvus_name_; }

  Status Upsert(const std::string& id, std::span<const float> vector,
                nlohmann::json metadata = nlohmann::json::object()) override;
  Status UpsertBatch(std::span<const DurableItem> items) override;
  Status Delete(const std::string& id) override;
  Result<CollectionItem> Get(const std::string& id) const override;
  Result<bool> Contains(const std::string& id) const override;
  Result<std::vector<CollectionHit>> Search(std::span<const float> query, int top_n, const SearchFilter& filter = {},
                                            std::optional<float> min_similarity = std::nullopt,
                                            SearchMode mode = SearchMode::kAuto) const override;
  Result<std::vector<std::string>> ListIds(std::size_t offset, std::size_t limit) const override;
  Result<std::size_t> Count() const override;
  Status Checkpoint() override { return {}; }  // Milvus persists every acknowledged write itself

 private:
  Result<nlohmann::json> RowFor(const DurableItem& item) const;
  // The row of `id` with `fields`, or nullopt when there is none.
  Result<std::optional<nlohmann::json>> Fetch(const std::string& id, const nlohmann::json& fields) const;

  std::shared_ptr<const MilvusClient> client_;
  const std::string milvus_name_;
  const CollectionDescription description_;
  const std::string instance_;
};

}  // namespace iris
