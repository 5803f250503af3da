// Colour-space conversions for the image features (dominant colours, colour names, hashes, quality):
// sRGB (8-bit, gamma-encoded) <-> linear RGB <-> CIE XYZ (D65) <-> CIE L*a*b* (D65 white), colour
// differences (CIE76 and CIEDE2000), "#rrggbb" hex formatting, and ITU-R BT.601 luma planes.
//
// Conventions:
//   * sRGB components as doubles are in [0, 1]; 8-bit components are 0..255. The transfer function is
//     IEC 61966-2-1 (linear segment below 0.04045). The RGB -> XYZ matrix is the sRGB/D65 one; the Lab
//     white point is D65 (Xn = 0.95047, Yn = 1, Zn = 1.08883). L* is 0..100.
//   * LabToSrgb8 clamps out-of-gamut colours to 0..255 per channel (rounded to nearest).
//   * Luma is Y' = 0.299 R' + 0.587 G' + 0.114 B' on the gamma-encoded values (BT.601, Pillow's "L"),
//     in 0..255 as a float; not linear luminance.
//
// Everything here is a pure function of its arguments: no errors, no state, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/rgb_image.h"

namespace iris {

using Rgb8 = std::array<std::uint8_t, 3>;
using Vec3 = std::array<double, 3>;  // (R, G, B), (X, Y, Z) or (L, a, b) depending on context

// One sRGB component in [0, 1] to linear light and back (both clamp their input to [0, 1]).
double SrgbToLinear(double v);
double LinearToSrgb(double v);

Vec3 LinearRgbToXyz(const Vec3& rgb);
Vec3 XyzToLinearRgb(const Vec3& xyz);  // may be outside [0, 1] for colours outside the sRGB gamut
Vec3 XyzToLab(const Vec3& xyz);
Vec3 LabToXyz(const Vec3& lab);

// Shortcuts through the whole chain. Srgb8ToLab uses a 256-entry table for the transfer function.
Vec3 Srgb8ToLab(const Rgb8& rgb);
Rgb8 LabToSrgb8(const Vec3& lab);

// Colour differences between two Lab colours: Euclidean (CIE76) and CIEDE2000 (kL = kC = kH = 1,
// Sharma, Wu & Dalal 2005). Both are 0 for identical colours; about 2.3 is a just-noticeable difference.
double DeltaE76(const Vec3& lab1, const Vec3& lab2);
double DeltaE2000(const Vec3& lab1, const Vec3& lab2);

// "#rrggbb" in lower case, and its inverse (accepts "#rrggbb" or "rrggbb", either case; nullopt otherwise).
std::string RgbToHex(const Rgb8& rgb);
std::optional<Rgb8> RgbFromHex(std::string_view hex);

// BT.601 luma of one 8-bit sRGB pixel, 0..255.
inline float Luma601(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  return 0.299f * static_cast<float>(r) + 0.587f * static_cast<float>(g) + 0.114f * static_cast<float>(b);
}

// A single-channel float image (row-major, no padding); values are luma 0..255 unless stated otherwise.
struct LumaPlane {
  int width = 0;
  int height = 0;
  std::vector<float> values;  // size == width * height

  float at(int x, int y) const { return values[static_cast<std::size_t>(y) * width + x]; }
};

// The luma of `image` resized to width x height with an exact area (box) filter: each output pixel is
// the mean of the source area it covers, partial source pixels weighted by their overlap. Enlarging
// (a 1x1 or 3x100 image to 32x32) repeats pixels, blending at fractional boundaries. Empty image or
// non-positive size: an empty plane. One pass over the source; cost O(source pixels + output pixels).
LumaPlane ResizeLumaArea(const RgbImage& image, int width, int height);

}  // namespace iris
