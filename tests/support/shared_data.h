// Locating ../shared (real models and photos) from tests and benchmarks.
// IRIS_SHARED_DIR overrides the default baked in at configure time (IRIS_SHARED_DIR cache variable). A missing file is
// a test failure with a message that says where it was looked for, never a silent skip.
#pragma once

#include <filesystem>
#include <string>

namespace iris::testing {

std::filesystem::path SharedDir();

// Returns SharedDir()/relative, or throws std::runtime_error naming the path and IRIS_SHARED_DIR.
std::filesystem::path RequireShared(const std::string& relative);

// The repository root (for tests that check docs against code).
std::filesystem::path SourceDir();

std::string ReadFileBytes(const std::filesystem::path& path);

}  // namespace iris::testing
