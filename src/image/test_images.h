// Test-only helpers for src/image/*_test.cc: make encoded test files of any format from a real
// photo with libvips, and compare decoded pixels. Header-only on purpose: every *.cc in this folder
// goes into the iris_image library, and test code must not. Not for production use.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vips/vips8>

#include "image/rgb_image.h"
#include "image/vips_bridge.h"
#include "image/vips_runtime.h"
#include "support/shared_data.h"

namespace iris::testing {

// A real photo: debian-photos/images/coffee.jpg (600x400, sRGB, no EXIF orientation).
inline std::string SharedPhotoBytes(const std::string& name = "coffee.jpg") {
  return ReadFileBytes(RequireShared("data/debian-photos/images/" + name));
}

// The shared photo as an uncompressed libvips image, resized to exactly width x height.
inline vips::VImage SharedPhoto(int width, int height, const std::string& name = "coffee.jpg") {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  std::string bytes = SharedPhotoBytes(name);
  vips::VImage photo = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
  photo = photo.resize(static_cast<double>(width) / photo.width(),
                       vips::VImage::option()->set("vscale", static_cast<double>(height) / photo.height()));
  return photo.copy_memory();
}

// Encodes with a saver chosen by suffix (".png", ".jpg[Q=90]", ".heic", ...).
inline std::string EncodeWithVips(const vips::VImage& image, const std::string& suffix) {
  void* data = nullptr;
  std::size_t size = 0;
  image.write_to_buffer(suffix.c_str(), &data, &size);
  std::string bytes(static_cast<const char*>(data), size);
  g_free(data);
  return bytes;
}

// A JPEG (quality 95) of one solid colour: for tests whose expected answers follow from the colour.
inline std::string SolidJpeg(int r, int g, int b, int width = 320, int height = 240) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  vips::VImage img = vips::VImage::black(width, height, vips::VImage::option()->set("bands", 3))
                         .new_from_image({double(r), double(g), double(b)});
  return EncodeWithVips(img.cast(VIPS_FORMAT_UCHAR), ".jpg[Q=95]");
}

// An 8-bit 3-band libvips image as an RgbImage (the decoder's own copy routine).
inline RgbImage ToRgbImage(const vips::VImage& image) {
  RgbImage rgb = vips_bridge::CopyToRgbImage(image);
  EXPECT_EQ(rgb.pixels.size(), rgb.stride() * static_cast<std::size_t>(rgb.height));
  return rgb;
}

// Mean absolute difference per channel value (0..255); infinity-like 999 when sizes differ.
inline double MeanAbsDiff(const RgbImage& a, const RgbImage& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.size() != b.pixels.size()) return 999;
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return a.pixels.empty() ? 0 : sum / static_cast<double>(a.pixels.size());
}

inline std::array<int, 3> PixelAt(const RgbImage& image, int x, int y) {
  const std::uint8_t* p = image.row(y) + static_cast<std::size_t>(x) * 3;
  return {p[0], p[1], p[2]};
}

// Largest per-channel difference between two colours.
inline int ColourDistance(std::array<int, 3> a, std::array<int, 3> b) {
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

}  // namespace iris::testing
