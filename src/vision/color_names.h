// A fixed palette of colour names used in fashion and catalog search ("black", "navy", "beige", ...)
// and nearest-name lookup, for the `dominant_colors` operation and colour filters.
//
// Contract:
//   * The palette is fixed, 30 entries, lower-case ASCII names (multi-word names use a space,
//     e.g. "light blue"), each with one reference sRGB value (see color_names.cc). The order is stable.
//   * NearestColorName picks the entry with the smallest CIEDE2000 difference (color_space.h) between
//     the colour's Lab value and the entry's Lab value. CIEDE2000 rather than CIE76 because CIE76
//     over-weights differences in saturated colours and under-weights those among darks and neutrals,
//     which is where catalog names crowd (black/charcoal/navy, white/cream/beige). Ties go to the
//     earlier entry.
//   * The names are what a shopper would search for, not a colorimetric standard: reference values
//     are typical product colours (e.g. "navy" is #1f2a44, not CSS's #000080).
//
// Pure functions over constant data; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "vision/color_space.h"

namespace iris {

struct NamedColor {
  std::string_view name;
  Rgb8 rgb;
};

// The whole palette.
std::span<const NamedColor> ColorPalette();

struct ColorNameMatch {
  std::string_view name;
  Rgb8 reference;      // the palette entry's sRGB value
  double delta_e = 0;  // CIEDE2000 between the query and the entry
};

ColorNameMatch NearestColorName(const Vec3& lab);
ColorNameMatch NearestColorName(const Rgb8& rgb);

}  // namespace iris
