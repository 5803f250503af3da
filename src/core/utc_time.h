// UtcNowIso8601: the current UTC time as ISO 8601 to the second, "2026-12-08T01:23:45Z" (collection
// creation times, local and in Qdrant's catalog). Thread-safe.
#pragma once

#include <string>

namespace iris {

std::string UtcNowIso8601();

}  // namespace iris
