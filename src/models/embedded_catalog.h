// The checked-in model catalog (models/catalog.json at the repository root), compiled into the
// binary at build time so `iris` needs no data files to know its models. The text is exactly the
// file's bytes; parse it with ModelCatalog::Parse. Thread-safe (immutable static data).
#pragma once

#include <string_view>

namespace iris::models {

std::string_view EmbeddedCatalogJson();

}  // namespace iris::models
