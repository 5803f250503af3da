// SearchFilter: which items a collection search may return. Applied inside the HNSW graph walk
// (see filtered_hnsw_search.h) and inside the exact scan (exact_scan.h), never by trimming a short
// top-k afterwards.
//
// An item matches when every (field, value) in `metadata_equals` is present in its metadata object
// with an equal JSON value (so 3 and 3.0 are equal, "3" and 3 are not), and its id is not
// `exclude_id` (a product must not appear in its own "similar" list). An empty filter matches all.
// A plain value type; thread-compatible.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace iris {

struct SearchFilter {
  std::map<std::string, nlohmann::json> metadata_equals;
  std::optional<std::string> exclude_id;

  bool empty() const { return metadata_equals.empty() && !exclude_id.has_value(); }
};

// True when `metadata` satisfies every equality in `filter` (exclude_id is not checked here).
bool MetadataMatches(const SearchFilter& filter, const nlohmann::json& metadata);

}  // namespace iris
