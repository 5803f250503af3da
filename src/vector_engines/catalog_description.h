// The description of a collection kept by an external engine's catalog (QdrantCollectionStore,
// MilvusCollectionStore): the same JSON object in both, and the index settings every engine checks.
//
//   {"name", "model", "dim", "metric" (vector_metric.h's name), "m", "ef_construction", "ef_search",
//    "created" (ISO-8601 UTC), "instance" (a random id of this creation)}
//
// Thread-safety: free functions; RandomCatalogInstance uses std::random_device per call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "index/vector_collection.h"

namespace iris {

// The catalog object of a description and the instance id of its creation.
nlohmann::json CatalogDescriptionJson(const CollectionDescription& description, const std::string& instance);

// Reads a catalog object back; kInternal naming `engine` ("Qdrant", "Milvus") when it cannot be read.
Result<CollectionDescription> CatalogDescriptionFromJson(const nlohmann::json& json, std::string_view engine);

// 16 random hex digits, telling one creation of a name from the next.
std::string RandomCatalogInstance();

// m in [2, 100], ef_construction and ef_search >= 1 (the dimension range is each engine's own).
Status ValidateHnswSettings(const CollectionOptions& index);

}  // namespace iris
