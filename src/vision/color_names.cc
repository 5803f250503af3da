#include "vision/color_names.h"

#include <array>

namespace iris {
namespace {

// Reference values: typical product colours, chosen so that the pure primaries and the neutrals map to
// their obvious names (pure red -> red, #808080 -> gray) and the neighbours split the space sensibly.
constexpr std::array<NamedColor, 30> kPalette{{
    {"black", {0x10, 0x10, 0x10}},    {"charcoal", {0x40, 0x40, 0x40}},   {"gray", {0x80, 0x80, 0x80}},
    {"silver", {0xc0, 0xc0, 0xc0}},   {"white", {0xff, 0xff, 0xff}},      {"cream", {0xf3, 0xe9, 0xd2}},
    {"beige", {0xd9, 0xc7, 0xa7}},    {"tan", {0xc1, 0x9a, 0x6b}},        {"khaki", {0xa8, 0x9f, 0x74}},
    {"brown", {0x6f, 0x45, 0x2a}},    {"maroon", {0x6d, 0x10, 0x1c}},     {"red", {0xff, 0x00, 0x00}},
    {"coral", {0xff, 0x7f, 0x66}},    {"orange", {0xff, 0x8c, 0x00}},     {"mustard", {0xd4, 0xa0, 0x17}},
    {"gold", {0xd4, 0xaf, 0x37}},     {"yellow", {0xff, 0xff, 0x00}},     {"olive", {0x6b, 0x6b, 0x2a}},
    {"green", {0x00, 0x80, 0x00}},    {"mint", {0xa8, 0xe6, 0xc1}},       {"teal", {0x00, 0x80, 0x80}},
    {"cyan", {0x00, 0xff, 0xff}},     {"light blue", {0x9c, 0xc9, 0xe8}}, {"blue", {0x00, 0x00, 0xff}},
    {"denim", {0x3b, 0x5b, 0x92}},    {"navy", {0x1f, 0x2a, 0x44}},       {"purple", {0x6a, 0x2c, 0x91}},
    {"lavender", {0xb5, 0x9f, 0xd8}}, {"pink", {0xf7, 0xb6, 0xc8}},       {"magenta", {0xff, 0x00, 0xff}},
}};

struct PaletteLab {
  std::array<Vec3, kPalette.size()> lab{};
  PaletteLab() {
    for (std::size_t i = 0; i < kPalette.size(); ++i) lab[i] = Srgb8ToLab(kPalette[i].rgb);
  }
};

}  // namespace

std::span<const NamedColor> ColorPalette() { return kPalette; }

ColorNameMatch NearestColorName(const Vec3& lab) {
  static const PaletteLab kLab;
  ColorNameMatch best{kPalette[0].name, kPalette[0].rgb, DeltaE2000(lab, kLab.lab[0])};
  for (std::size_t i = 1; i < kPalette.size(); ++i) {
    const double d = DeltaE2000(lab, kLab.lab[i]);
    if (d < best.delta_e) best = {kPalette[i].name, kPalette[i].rgb, d};
  }
  return best;
}

ColorNameMatch NearestColorName(const Rgb8& rgb) { return NearestColorName(Srgb8ToLab(rgb)); }

}  // namespace iris
