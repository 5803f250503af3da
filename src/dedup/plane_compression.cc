#include "dedup/plane_compression.h"

#include <zlib.h>

#include <algorithm>
#include <cstddef>

namespace iris {
namespace {

// The median edge detector of LOCO-I: a = left, b = up, c = up-left (0 outside the plane).
int Predict(const std::uint8_t* values, int width, int x, int y) {
  const int a = x > 0 ? values[static_cast<std::size_t>(y) * width + x - 1] : 0;
  const int b = y > 0 ? values[static_cast<std::size_t>(y - 1) * width + x] : 0;
  const int c = x > 0 && y > 0 ? values[static_cast<std::size_t>(y - 1) * width + x - 1] : 0;
  if (c >= std::max(a, b)) return std::min(a, b);
  if (c <= std::min(a, b)) return std::max(a, b);
  return a + b - c;
}

}  // namespace

std::string CompressPlane8(const std::vector<std::uint8_t>& values, int width, int height) {
  std::vector<std::uint8_t> residuals(values.size());
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      residuals[i] = static_cast<std::uint8_t>(values[i] - Predict(values.data(), width, x, y));
    }
  }
  uLongf size = compressBound(static_cast<uLong>(residuals.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, residuals.data(), static_cast<uLong>(residuals.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    return {};  // only on out-of-memory inside zlib; the empty stream then fails to decode as corrupt
  }
  out.resize(size);
  return out;
}

Result<std::vector<std::uint8_t>> DecompressPlane8(std::string_view compressed, int width, int height) {
  if (width < 0 || height < 0) return InvalidArgument("compressed plane: negative size");
  const std::size_t n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  std::vector<std::uint8_t> values(n);
  if (n == 0) {
    if (!compressed.empty()) return InvalidArgument("compressed plane: bytes for an empty plane");
    return values;
  }
  uLongf size = static_cast<uLongf>(n);
  const int rc = uncompress(values.data(), &size, reinterpret_cast<const Bytef*>(compressed.data()),
                            static_cast<uLong>(compressed.size()));
  if (rc != Z_OK || size != n) {
    return InvalidArgument("compressed plane does not inflate to " + std::to_string(width) + "x" +
                           std::to_string(height) + " values (zlib " + std::to_string(rc) + ")");
  }
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      values[i] = static_cast<std::uint8_t>(values[i] + Predict(values.data(), width, x, y));
    }
  }
  return values;
}

}  // namespace iris
