#include "vision/perceptual_hash.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>

#include "vision/color_space.h"

namespace iris {
namespace {

constexpr int kDctSize = 32;  // pHash input size
constexpr int kLowFreq = 8;   // kept coefficients per axis

Status CheckImage(const RgbImage& image) {
  if (image.empty()) return InvalidArgument("perceptual hash: empty image");
  if (image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("perceptual hash: pixel buffer does not match width x height");
  }
  return Status::Ok();
}

// cos(pi * k * (2n + 1) / (2N)) for the first kLowFreq frequencies k (scipy's DCT-II without the
// factor 2, which does not change the comparison with the median).
const std::array<std::array<double, kDctSize>, kLowFreq>& DctBasis() {
  static const auto kBasis = [] {
    std::array<std::array<double, kDctSize>, kLowFreq> basis{};
    for (int k = 0; k < kLowFreq; ++k) {
      for (int n = 0; n < kDctSize; ++n) basis[k][n] = std::cos(std::numbers::pi * k * (2 * n + 1) / (2.0 * kDctSize));
    }
    return basis;
  }();
  return kBasis;
}

// The luma plane rounded to 1/64 of a level, so that float rounding in the area filter cannot make equal
// areas (a flat image, a plain background) compare unequal.
LumaPlane QuantizedLuma(const RgbImage& image, int width, int height) {
  LumaPlane plane = ResizeLumaArea(image, width, height);
  for (float& v : plane.values) v = std::round(v * 64.0f) / 64.0f;
  return plane;
}

}  // namespace

Result<std::uint64_t> PerceptualHash(const RgbImage& image) {
  IRIS_RETURN_IF_ERROR(CheckImage(image));
  const LumaPlane plane = QuantizedLuma(image, kDctSize, kDctSize);
  const auto& basis = DctBasis();

  // Rows first: row_dct[y][k] = sum_x plane[y][x] * basis[k][x]; then columns, low frequencies only.
  std::array<std::array<double, kLowFreq>, kDctSize> row_dct{};
  for (int y = 0; y < kDctSize; ++y) {
    for (int k = 0; k < kLowFreq; ++k) {
      double sum = 0;
      for (int x = 0; x < kDctSize; ++x) sum += plane.at(x, y) * basis[k][x];
      row_dct[y][k] = sum;
    }
  }
  std::array<double, kLowFreq * kLowFreq> coefficients{};
  for (int ky = 0; ky < kLowFreq; ++ky) {
    for (int kx = 0; kx < kLowFreq; ++kx) {
      double sum = 0;
      for (int y = 0; y < kDctSize; ++y) sum += row_dct[y][kx] * basis[ky][y];
      coefficients[ky * kLowFreq + kx] = std::abs(sum) < 1e-6 ? 0.0 : sum;
    }
  }

  std::array<double, kLowFreq* kLowFreq> sorted = coefficients;
  std::sort(sorted.begin(), sorted.end());
  const double median = (sorted[31] + sorted[32]) / 2;
  std::uint64_t hash = 0;
  for (double c : coefficients) hash = (hash << 1) | (c > median ? 1u : 0u);
  return hash;
}

Result<std::uint64_t> DifferenceHash(const RgbImage& image) {
  IRIS_RETURN_IF_ERROR(CheckImage(image));
  const LumaPlane plane = QuantizedLuma(image, 9, 8);
  std::uint64_t hash = 0;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) hash = (hash << 1) | (plane.at(x + 1, y) > plane.at(x, y) ? 1u : 0u);
  }
  return hash;
}

Result<PerceptualHashes> ComputePerceptualHashes(const RgbImage& image) {
  PerceptualHashes hashes;
  IRIS_ASSIGN_OR_RETURN(hashes.phash, PerceptualHash(image));
  IRIS_ASSIGN_OR_RETURN(hashes.dhash, DifferenceHash(image));
  return hashes;
}

std::string HashToHex(std::uint64_t hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kDigits[hash & 15];
  return out;
}

Result<std::uint64_t> HashFromHex(std::string_view hex) {
  if (hex.size() != 16) return InvalidArgument("a 64-bit hash is 16 hex digits, got " + std::to_string(hex.size()));
  std::uint64_t hash = 0;
  for (char c : hex) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return InvalidArgument("a 64-bit hash is 16 hex digits; found a non-hex character");
    hash = (hash << 4) | static_cast<std::uint64_t>(digit);
  }
  return hash;
}

int HammingDistance(std::uint64_t a, std::uint64_t b) { return std::popcount(a ^ b); }

}  // namespace iris
