#include "vision/color_space.h"

#include <gtest/gtest.h>

#include <cmath>

namespace iris {
namespace {

void ExpectLabNear(const Vec3& actual, const Vec3& expected, double tolerance) {
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "component " << i;
}

TEST(ColorSpaceTest, KnownSrgbToLabValues) {
  ExpectLabNear(Srgb8ToLab({0, 0, 0}), {0, 0, 0}, 1e-6);
  ExpectLabNear(Srgb8ToLab({255, 255, 255}), {100, 0, 0}, 1e-3);
  // Reference values (D65, sRGB matrix of IEC 61966-2-1 as published by Lindbloom).
  ExpectLabNear(Srgb8ToLab({255, 0, 0}), {53.2408, 80.0925, 67.2032}, 0.01);
  ExpectLabNear(Srgb8ToLab({0, 255, 0}), {87.7347, -86.1827, 83.1793}, 0.01);
  ExpectLabNear(Srgb8ToLab({0, 0, 255}), {32.2970, 79.1875, -107.8602}, 0.01);
  ExpectLabNear(Srgb8ToLab({128, 128, 128}), {53.5850, 0, 0}, 0.01);
}

TEST(ColorSpaceTest, TransferFunctionRoundTripsAndIsPiecewise) {
  EXPECT_NEAR(SrgbToLinear(0.5), 0.214041, 1e-6);
  EXPECT_NEAR(SrgbToLinear(0.04), 0.04 / 12.92, 1e-12);
  for (double v = 0; v <= 1.0; v += 0.05) EXPECT_NEAR(LinearToSrgb(SrgbToLinear(v)), v, 1e-9);
  EXPECT_EQ(SrgbToLinear(-1), 0);
  EXPECT_NEAR(LinearToSrgb(2), 1, 1e-12);
}

TEST(ColorSpaceTest, LabRoundTripIsExactOn8BitColours) {
  for (int r = 0; r < 256; r += 15) {
    for (int g = 0; g < 256; g += 15) {
      for (int b = 0; b < 256; b += 15) {
        const Rgb8 rgb{static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
        EXPECT_EQ(LabToSrgb8(Srgb8ToLab(rgb)), rgb) << r << "," << g << "," << b;
      }
    }
  }
  const Vec3 xyz = LinearRgbToXyz({0.2, 0.4, 0.6});
  const Vec3 back = XyzToLinearRgb(xyz);
  ExpectLabNear(back, {0.2, 0.4, 0.6}, 1e-6);
  ExpectLabNear(LabToXyz(XyzToLab(xyz)), xyz, 1e-12);
}

TEST(ColorSpaceTest, OutOfGamutLabIsClamped) {
  const Rgb8 saturated = LabToSrgb8({50, 200, 0});  // far outside the gamut: red clips high, green low
  EXPECT_EQ(saturated[0], 255);
  EXPECT_EQ(saturated[1], 0);
  EXPECT_EQ(LabToSrgb8({-10, 0, 0}), (Rgb8{0, 0, 0}));
  EXPECT_EQ(LabToSrgb8({120, 0, 0}), (Rgb8{255, 255, 255}));
}

// Test pairs from Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation
// notes, supplementary test data, and mathematical observations", Table 1.
TEST(ColorSpaceTest, DeltaE2000MatchesSharmaTestData) {
  struct Pair {
    Vec3 a, b;
    double expected;
  };
  const Pair pairs[] = {
      {{50.0000, 2.6772, -79.7751}, {50.0000, 0.0000, -82.7485}, 2.0425},
      {{50.0000, 0.0000, 0.0000}, {50.0000, -1.0000, 2.0000}, 2.3669},
      {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0009}, 7.1792},
      {{50.0000, 2.5000, 0.0000}, {73.0000, 25.0000, -18.0000}, 27.1492},
      {{60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}, 1.2644},
  };
  for (const Pair& p : pairs) {
    EXPECT_NEAR(DeltaE2000(p.a, p.b), p.expected, 1e-4);
    EXPECT_NEAR(DeltaE2000(p.b, p.a), p.expected, 1e-4);  // symmetric
  }
  EXPECT_EQ(DeltaE2000({40, 10, 10}, {40, 10, 10}), 0);
  EXPECT_NEAR(DeltaE76({0, 0, 0}, {3, 4, 0}), 5, 1e-12);
}

TEST(ColorSpaceTest, HexFormattingAndParsing) {
  EXPECT_EQ(RgbToHex({255, 0, 128}), "#ff0080");
  EXPECT_EQ(RgbToHex({0, 0, 0}), "#000000");
  EXPECT_EQ(RgbFromHex("#FF0080"), (Rgb8{255, 0, 128}));
  EXPECT_EQ(RgbFromHex("0a0b0c"), (Rgb8{10, 11, 12}));
  EXPECT_FALSE(RgbFromHex("#fff").has_value());
  EXPECT_FALSE(RgbFromHex("#gg0000").has_value());
  EXPECT_FALSE(RgbFromHex("").has_value());
}

TEST(ColorSpaceTest, LumaIsBt601) {
  EXPECT_NEAR(Luma601(255, 0, 0), 76.245, 1e-3);
  EXPECT_NEAR(Luma601(0, 255, 0), 149.685, 1e-3);
  EXPECT_NEAR(Luma601(255, 255, 255), 255, 1e-3);
}

TEST(ResizeLumaAreaTest, BoxMeansExactlyOnIntegerFactors) {
  // 4x2 image with luma 0, 40, 80, 120 / 160, 200, 240, 255 (grey pixels) -> 2x1: block means.
  RgbImage image{4, 2, {}};
  for (int v : {0, 40, 80, 120, 160, 200, 240, 255}) {
    for (int c = 0; c < 3; ++c) image.pixels.push_back(static_cast<std::uint8_t>(v));
  }
  const LumaPlane half = ResizeLumaArea(image, 2, 1);
  ASSERT_EQ(half.values.size(), 2u);
  EXPECT_NEAR(half.at(0, 0), (0 + 40 + 160 + 200) / 4.0, 1e-3);
  EXPECT_NEAR(half.at(1, 0), (80 + 120 + 240 + 255) / 4.0, 1e-3);
  // Fractional factor 4 -> 3: the middle output takes half of pixels 1 and 2 (weights 1/3 and 2/3 of
  // source pixel for the outer ones).
  const LumaPlane three = ResizeLumaArea(image, 3, 2);
  EXPECT_NEAR(three.at(0, 0), (0 * 1.0 + 40 * (1.0 / 3)) / (4.0 / 3), 1e-3);
  EXPECT_NEAR(three.at(1, 0), (40 * (2.0 / 3) + 80 * (2.0 / 3)) / (4.0 / 3), 1e-3);
  // Enlarging repeats pixels; the total mean is preserved when shrinking.
  const LumaPlane big = ResizeLumaArea(image, 8, 4);
  EXPECT_NEAR(big.at(0, 0), 0, 1e-3);
  EXPECT_NEAR(big.at(7, 3), 255, 1e-3);
  const LumaPlane one = ResizeLumaArea(image, 1, 1);
  EXPECT_NEAR(one.at(0, 0), (0 + 40 + 80 + 120 + 160 + 200 + 240 + 255) / 8.0, 1e-3);
  EXPECT_TRUE(ResizeLumaArea(RgbImage{}, 4, 4).values.empty());
  EXPECT_TRUE(ResizeLumaArea(image, 0, 4).values.empty());
}

}  // namespace
}  // namespace iris
