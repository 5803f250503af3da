#include "vision/color_names.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace iris {
namespace {

std::string NameOf(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  return std::string(NearestColorName(Rgb8{r, g, b}).name);
}

TEST(ColorNamesTest, PaletteIsAPracticalSetOfUniqueLowerCaseNames) {
  const auto palette = ColorPalette();
  EXPECT_EQ(palette.size(), 30u);
  std::set<std::string> names;
  for (const NamedColor& c : palette) {
    const std::string name(c.name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    for (char ch : name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(ch)) || ch == ' ') << name;
  }
  for (const char* expected :
       {"black",  "white", "gray",  "silver", "red",  "maroon", "pink", "orange", "brown",  "beige",    "tan",
        "yellow", "gold",  "olive", "green",  "teal", "cyan",   "navy", "blue",   "purple", "lavender", "magenta"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

TEST(ColorNamesTest, EveryPaletteEntryNamesItself) {
  for (const NamedColor& c : ColorPalette()) {
    const ColorNameMatch match = NearestColorName(c.rgb);
    EXPECT_EQ(match.name, c.name);
    EXPECT_EQ(match.reference, c.rgb);
    EXPECT_NEAR(match.delta_e, 0, 1e-9);
  }
}

TEST(ColorNamesTest, TypicalColoursGetTheirObviousNames) {
  EXPECT_EQ(NameOf(255, 0, 0), "red");
  EXPECT_EQ(NameOf(0, 0, 255), "blue");
  EXPECT_EQ(NameOf(0, 0, 0), "black");
  EXPECT_EQ(NameOf(255, 255, 255), "white");
  EXPECT_EQ(NameOf(128, 128, 128), "gray");
  EXPECT_EQ(NameOf(25, 25, 30), "black");     // a photographed black garment
  EXPECT_EQ(NameOf(250, 250, 248), "white");  // off-white backdrop
  EXPECT_EQ(NameOf(200, 20, 30), "red");      // a darker, real-world red
  EXPECT_EQ(NameOf(20, 30, 80), "navy");
  EXPECT_EQ(NameOf(0, 100, 0), "green");
  EXPECT_EQ(NameOf(255, 215, 0), "gold");
  EXPECT_EQ(NameOf(255, 165, 0), "orange");
  EXPECT_EQ(NameOf(255, 192, 203), "pink");
  EXPECT_EQ(NameOf(128, 0, 128), "purple");
  EXPECT_EQ(NameOf(0, 128, 128), "teal");
  EXPECT_EQ(NameOf(120, 70, 40), "brown");
  EXPECT_EQ(NameOf(220, 200, 165), "beige");
}

TEST(ColorNamesTest, DeltaEIsCiede2000ToTheReference) {
  const Vec3 lab = Srgb8ToLab({200, 20, 30});
  const ColorNameMatch match = NearestColorName(lab);
  EXPECT_NEAR(match.delta_e, DeltaE2000(lab, Srgb8ToLab(match.reference)), 1e-12);
  EXPECT_GT(match.delta_e, 0);
}

}  // namespace
}  // namespace iris
