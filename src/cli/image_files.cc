#include "cli/image_files.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace iris::cli {

bool IsImageFileName(const std::filesystem::path& path) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png",  ".webp", ".gif",
                                                    ".tif", ".tiff", ".avif", ".heic", ".heif"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return kExtensions.count(ext) > 0;
}

std::vector<std::filesystem::path> ListImageFiles(const std::filesystem::path& dir, bool recursive) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  auto consider = [&](const std::filesystem::directory_entry& e) {
    if (e.is_regular_file() && IsImageFileName(e.path())) files.push_back(e.path());
  };
  if (recursive) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) consider(e);
  } else {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) consider(e);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace iris::cli
