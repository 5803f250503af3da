// Test-only helpers for src/dedup/*_test.cc: real clothing photos (../shared/data/clothing-cc0) and the
// transformed copies the tests check. Header-only on purpose (every *.cc here goes into iris_dedup).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include <vips/vips8>

#include "dedup/duplicate_detector.h"
#include "image/rgb_image.h"
#include "image/test_images.h"

namespace iris::testing {

// Two long-sleeve tops shot on similar backgrounds, a pair of trousers and shoes.
inline constexpr const char* kLongsleeveA = "images/longsleeve/0f4d9494-612a-48f8-be05-e47f4fc54d54.jpg";
inline constexpr const char* kLongsleeveB = "images/longsleeve/368ef683-0c8c-4ba1-a73b-d784b851165a.jpg";
inline constexpr const char* kPants = "images/pants/01033304-f9a4-48c4-af65-677512880fae.jpg";
inline constexpr const char* kShoes = "images/shoes/07d88b75-85a4-407b-aa73-12294a2ff9a8.jpg";

// The first `n` photo files of the set (labels.csv order).
inline std::vector<std::string> ClothingFiles(std::size_t n) {
  std::istringstream lines(ReadFileBytes(RequireShared("data/clothing-cc0/labels.csv")));
  std::vector<std::string> files;
  std::string line;
  std::getline(lines, line);  // header
  while (files.size() < n && std::getline(lines, line)) files.push_back(line.substr(0, line.find(',')));
  return files;
}

inline vips::VImage ClothingPhoto(const std::string& file) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const std::string bytes = ReadFileBytes(RequireShared("data/clothing-cc0/" + file));
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "")
      .colourspace(VIPS_INTERPRETATION_sRGB)
      .copy_memory();
}

inline RgbImage ClothingRgb(const std::string& file) { return ToRgbImage(ClothingPhoto(file)); }

// `image` saved as JPEG at `quality` and decoded again.
inline RgbImage JpegCopy(const vips::VImage& image, int quality) {
  const std::string bytes = EncodeWithVips(image, ".jpg[Q=" + std::to_string(quality) + "]");
  return ToRgbImage(vips::VImage::new_from_buffer(bytes.data(), bytes.size(), ""));
}

// `photo` letterboxed to 16:9 with black bars (its signature then has a trimmed view).
inline vips::VImage Letterboxed(const vips::VImage& photo) {
  const int width = photo.height() * 16 / 9;
  return photo.embed((width - photo.width()) / 2, 0, width, photo.height(),
                     vips::VImage::option()->set("extend", VIPS_EXTEND_BLACK));
}

// A real signature with every part filled: a letterboxed photo (so it has a trimmed view), the 7
// oriented hashes of both views, features, and a small embedding. Computed once.
inline const DuplicateSignature& LetterboxedSignature() {
  static const DuplicateSignature s = [] {
    DuplicateDetector detector({}, [](const RgbImage&) -> Result<std::vector<float>> {
      return std::vector<float>{0.6f, -0.8f, 0.0f};
    });
    Result<DuplicateSignature> r = detector.ComputeSignature(ToRgbImage(Letterboxed(ClothingPhoto(kLongsleeveA))));
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return std::move(r).value();
  }();
  return s;
}

// Copies the codec tests check against kLongsleeveA/B/kPants catalogues: a resized re-encode of A, a
// mirrored B, a crop of A, and the (unrelated) shoes.
inline std::vector<RgbImage> CopyQueries() {
  const vips::VImage a = ClothingPhoto(kLongsleeveA), b = ClothingPhoto(kLongsleeveB);
  return {JpegCopy(a.resize(0.7), 50), JpegCopy(b.flip(VIPS_DIRECTION_HORIZONTAL), 85),
          JpegCopy(a.extract_area(a.width() / 6, a.height() / 8, a.width() * 3 / 4, a.height() * 3 / 4), 85),
          ClothingRgb(kShoes)};
}

}  // namespace iris::testing
