#include "index/search_filter.h"

namespace iris {

bool MetadataMatches(const SearchFilter& filter, const nlohmann::json& metadata) {
  if (filter.metadata_equals.empty()) return true;
  if (!metadata.is_object()) return false;
  for (const auto& [field, value] : filter.metadata_equals) {
    auto it = metadata.find(field);
    if (it == metadata.end() || *it != value) return false;
  }
  return true;
}

}  // namespace iris
