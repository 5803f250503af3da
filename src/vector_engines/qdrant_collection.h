// QdrantCollection: a VectorCollection (index/vector_collection.h) kept in one collection of a Qdrant
// server, reached through QdrantClient. Made by QdrantCollectionStore, which names the Qdrant
// collection "<prefix>c_<name>".
//
// Points: Qdrant ids are unsigned integers or UUIDs, Iris ids any UTF-8 string, so a point's id is
// QdrantPointId(item id) (a UUID made from the id's SHA-256) and its payload is
// {"iris_id": <item id>, "metadata": <metadata object>}. Vectors are validated and prepared as the local
// engine does (index/vector_metric.h: cosine vectors normalised) before they are sent.
//
// Mapping of the contract onto Qdrant's REST API:
//   Upsert, UpsertBatch  PUT  /collections/{c}/points?wait=true            (one request per batch)
//   Delete               POST /collections/{c}/points/delete?wait=true     (after a retrieve: kNotFound)
//   Get, Contains        POST /collections/{c}/points                      (retrieve by id)
//   Search               POST /collections/{c}/points/search  with params.hnsw_ef = max(ef_search, top_n),
//                        params.exact for SearchMode::kExact, score_threshold from min_similarity
//   Count                POST /collections/{c}/points/count {"exact": true}
//   ListIds              POST /collections/{c}/points/scroll, every page, then sorted: O(items) per call
//                        (Qdrant pages by point id, which is not the ids' lexicographic order)
// Scores: Qdrant's Cosine and Dot scores are the similarity (distance = 1 - score); its Euclid score is
// the distance (similarity = -distance), as vector_metric.h reports them.
// Filters: each metadata_equals field becomes a condition on "metadata.<field>": strings and booleans
// {"match": {"value": v}}, numbers {"range": {"gte": v, "lte": v}} (so 3 and 3.0 are equal, as locally);
// exclude_id becomes must_not has_id. Null, array and object values, and field names holding '.', '[',
// ']' or '"' (Qdrant's path syntax), are kInvalidArgument. One difference stays: a string filter also
// matches a metadata array that contains the string (Qdrant's match on arrays).
//
// Thread-safety: every method may be called from any number of threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "index/vector_collection.h"
#include "vector_engines/qdrant_client.h"

namespace iris {

// The Qdrant point id of an Iris item id: the first 16 bytes of SHA-256(id) as a version-8 UUID
// ("xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx", lower case).
std::string QdrantPointId(std::string_view id);

// Qdrant's distance name for a metric: "Cosine", "Dot", "Euclid".
std::string QdrantDistance(Metric metric);

class QdrantCollection : public VectorCollection {
 public:
  // `qdrant_name` is the Qdrant collection that holds the points (it must exist).
  QdrantCollection(std::shared_ptr<const QdrantClient> client, std::string qdrant_name,
                   CollectionDescription description, std::string instance);

  const CollectionDescription& description() const override { return description_; }
  // Which creation of the name this is (QdrantCollectionStore tells a re-created collection apart).
  const std::string& instance() const { return instance_; }
  const std::string& qdrant_name() const { return qdrant_name_; }

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
  Status Checkpoint() override { return {}; }  // Qdrant persists every acknowledged write itself

 private:
  std::string PointsPath(std::string_view suffix = "") const;
  Result<nlohmann::json> PointFor(const DurableItem& item) const;
  // The point of `id`, or nullopt when there is none.
  Result<std::optional<nlohmann::json>> Retrieve(const std::string& id, bool with_vector) const;

  std::shared_ptr<const QdrantClient> client_;
  const std::string qdrant_name_;
  const CollectionDescription description_;
  const std::string instance_;
};

}  // namespace iris
