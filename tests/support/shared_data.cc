#include "support/shared_data.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace iris::testing {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("IRIS_SHARED_DIR"); env && *env) return env;
  return IRIS_TEST_SHARED_DIR;
}

std::filesystem::path RequireShared(const std::string& relative) {
  auto path = SharedDir() / relative;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("missing shared test input " + path.string() +
                             " (set IRIS_SHARED_DIR to the folder holding models/ and data/)");
  }
  return path;
}

std::filesystem::path SourceDir() { return IRIS_TEST_SOURCE_DIR; }

std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::filesystem::path> ClothingPhotos(const std::string& category) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(RequireShared("data/clothing-cc0/images/" + category))) {
    paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string ClothingPhotoBytes(const std::string& category, int index) {
  return ReadFileBytes(ClothingPhotos(category).at(static_cast<std::size_t>(index)));
}

}  // namespace iris::testing
