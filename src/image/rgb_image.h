// RgbImage: the one in-memory picture type every module shares: 8-bit sRGB, 3 channels,
// interleaved RGBRGB..., rows packed without padding (stride = 3 * width). A plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace iris {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // size == 3 * width * height

  bool empty() const { return width <= 0 || height <= 0; }
  std::size_t stride() const { return static_cast<std::size_t>(width) * 3; }
  const std::uint8_t* row(int y) const { return pixels.data() + static_cast<std::size_t>(y) * stride(); }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * stride(); }
};

}  // namespace iris
