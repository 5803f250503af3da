// Locating ../shared (real models and photos) from tests and benchmarks.
// IRIS_SHARED_DIR overrides the default baked in at configure time (IRIS_SHARED_DIR cache variable). A missing file is
// a test failure with a message that says where it was looked for, never a silent skip.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace iris::testing {

std::filesystem::path SharedDir();

// Returns SharedDir()/relative, or throws std::runtime_error naming the path and IRIS_SHARED_DIR.
std::filesystem::path RequireShared(const std::string& relative);

// The repository root (for tests that check docs against code).
std::filesystem::path SourceDir();

std::string ReadFileBytes(const std::filesystem::path& path);

// The photos of one category of data/clothing-cc0 (e.g. "dress", "shoes"), sorted by path.
std::vector<std::filesystem::path> ClothingPhotos(const std::string& category);
// The bytes of the index-th of them (std::out_of_range past the end).
std::string ClothingPhotoBytes(const std::string& category, int index);

}  // namespace iris::testing
