// Listing the image files of a folder for the folder commands (caption-folder, dedup): files whose
// extension is one of the decodable formats (jpg, jpeg, png, webp, gif, tif, tiff, avif, heic, heif;
// any case), sorted by path. Other files (captions, notes) are not listed.
#pragma once

#include <filesystem>
#include <vector>

namespace iris::cli {

bool IsImageFileName(const std::filesystem::path& path);
std::vector<std::filesystem::path> ListImageFiles(const std::filesystem::path& dir, bool recursive = false);

}  // namespace iris::cli
