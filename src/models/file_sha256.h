// Streaming SHA-256 of a file on disk (models are hundreds of MB: never read whole into memory).
// Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace iris::models {

// Lower-case hex SHA-256 of the file's bytes; NotFound if it cannot be opened, Internal on a read error.
Result<std::string> Sha256OfFile(const std::filesystem::path& path);

}  // namespace iris::models
