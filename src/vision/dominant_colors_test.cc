#include "vision/dominant_colors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "image/image_decoder.h"
#include "support/shared_data.h"
#include "vision/color_space.h"

namespace iris {
namespace {

RgbImage Solid(int width, int height, Rgb8 rgb) {
  RgbImage image{width, height, {}};
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), rgb.begin(), rgb.end());
  return image;
}

// Top `red_rows` rows pure red, the rest pure blue.
RgbImage RedOverBlue(int width, int height, int red_rows) {
  RgbImage image = Solid(width, height, {0, 0, 255});
  for (int y = 0; y < red_rows; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.row(y) + 3 * x;
      p[0] = 255;
      p[2] = 0;
    }
  }
  return image;
}

RgbImage DecodeShared(const std::string& relative) {
  Result<DecodedImage> decoded = DecodeImage(testing::ReadFileBytes(testing::RequireShared(relative)), {});
  EXPECT_TRUE(decoded.ok()) << relative << ": " << decoded.status().ToString();
  return decoded.ok() ? decoded->image : RgbImage{};
}

std::vector<DominantColor> Colours(const RgbImage& image, const DominantColorOptions& options = {}) {
  Result<std::vector<DominantColor>> colours = DominantColors(image, options);
  EXPECT_TRUE(colours.ok()) << colours.status().ToString();
  return colours.ok() ? *colours : std::vector<DominantColor>{};
}

void ExpectWellFormed(const std::vector<DominantColor>& colours, int k) {
  ASSERT_FALSE(colours.empty());
  EXPECT_LE(static_cast<int>(colours.size()), k);
  double total = 0;
  for (std::size_t i = 0; i < colours.size(); ++i) {
    const DominantColor& c = colours[i];
    total += c.share;
    EXPECT_GT(c.share, 0);
    if (i > 0) {
      EXPECT_LE(c.share, colours[i - 1].share);
    }
    EXPECT_EQ(c.hex, RgbToHex(c.rgb));
    EXPECT_EQ(c.rgb, LabToSrgb8(c.lab));
    EXPECT_FALSE(c.name.empty());
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(DominantColorsTest, SeventyPercentRedThirtyPercentBlue) {
  const std::vector<DominantColor> colours = Colours(RedOverBlue(200, 100, 70));
  ExpectWellFormed(colours, 5);
  ASSERT_EQ(colours.size(), 2u);  // only two distinct colours: k-means++ stops seeding
  EXPECT_EQ(colours[0].name, "red");
  EXPECT_EQ(colours[0].hex, "#ff0000");
  EXPECT_NEAR(colours[0].share, 0.7, 1e-9);
  EXPECT_EQ(colours[1].name, "blue");
  EXPECT_EQ(colours[1].hex, "#0000ff");
  EXPECT_NEAR(colours[1].share, 0.3, 1e-9);
  EXPECT_NEAR(colours[0].lab[0], 53.24, 0.01);
}

TEST(DominantColorsTest, SharesSurviveDownsampling) {
  // 600 x 400 = 240000 pixels > max_pixels: sampled 3x3 blocks (the boundary row 280 falls inside a block,
  // so a thin purple line appears and is merged or kept as a tiny share).
  const std::vector<DominantColor> colours = Colours(RedOverBlue(600, 400, 280));
  ExpectWellFormed(colours, 5);
  ASSERT_GE(colours.size(), 2u);
  EXPECT_EQ(colours[0].name, "red");
  EXPECT_NEAR(colours[0].share, 0.7, 0.01);
  EXPECT_EQ(colours[1].name, "blue");
  EXPECT_NEAR(colours[1].share, 0.3, 0.01);
}

TEST(DominantColorsTest, RealPhotoGivesAtMostKColoursSummingToOne) {
  const RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  for (int k : {1, 3, 5, 8}) {
    DominantColorOptions options;
    options.k = k;
    const std::vector<DominantColor> colours = Colours(photo, options);
    ExpectWellFormed(colours, k);
    if (k == 1) {
      ASSERT_EQ(colours.size(), 1u);
      EXPECT_DOUBLE_EQ(colours[0].share, 1.0);
    } else {
      EXPECT_GE(colours.size(), 2u) << "k=" << k;  // a colourful photo keeps several clusters
    }
  }
}

TEST(DominantColorsTest, DeterministicForAGivenSeed) {
  const RgbImage photo = DecodeShared("data/clothing-cc0/images/dress/06a00c0f-5f9a-410d-a7da-3881a9df3a71.jpg");
  const std::vector<DominantColor> a = Colours(photo);
  const std::vector<DominantColor> b = Colours(RgbImage(photo));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].hex, b[i].hex);
    EXPECT_EQ(a[i].share, b[i].share);
    EXPECT_EQ(a[i].lab, b[i].lab);
  }
}

TEST(DominantColorsTest, GrayscalePhotoGivesGrays) {
  RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  for (std::size_t i = 0; i + 2 < photo.pixels.size(); i += 3) {
    const auto y =
        static_cast<std::uint8_t>(std::lround(Luma601(photo.pixels[i], photo.pixels[i + 1], photo.pixels[i + 2])));
    photo.pixels[i] = photo.pixels[i + 1] = photo.pixels[i + 2] = y;
  }
  const std::set<std::string> grays = {"black", "charcoal", "gray", "silver", "white"};
  const std::vector<DominantColor> colours = Colours(photo);
  ExpectWellFormed(colours, 5);
  EXPECT_GE(colours.size(), 3u);
  for (const DominantColor& c : colours) {
    EXPECT_TRUE(grays.count(c.name)) << c.name << " " << c.hex;
    EXPECT_LT(std::hypot(c.lab[1], c.lab[2]), 1.0) << c.hex;
    EXPECT_LE(std::max({c.rgb[0], c.rgb[1], c.rgb[2]}) - std::min({c.rgb[0], c.rgb[1], c.rgb[2]}), 1) << c.hex;
  }
}

TEST(DominantColorsTest, IgnoreBackgroundDropsTheBorderColour) {
  // The red/blue block in the middle of a white canvas: white covers the whole border.
  RgbImage canvas = Solid(300, 200, {255, 255, 255});
  const RgbImage block = RedOverBlue(100, 100, 70);
  for (int y = 0; y < 100; ++y) std::copy_n(block.row(y), block.stride(), canvas.row(50 + y) + 3 * 100);

  const std::vector<DominantColor> all = Colours(canvas);
  ExpectWellFormed(all, 5);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "white");
  EXPECT_NEAR(all[0].share, 1 - 10000.0 / 60000, 1e-9);

  DominantColorOptions options;
  options.ignore_background = true;
  const std::vector<DominantColor> foreground = Colours(canvas, options);
  ExpectWellFormed(foreground, 5);
  ASSERT_EQ(foreground.size(), 2u);
  EXPECT_EQ(foreground[0].name, "red");
  EXPECT_NEAR(foreground[0].share, 0.7, 1e-9);
  EXPECT_EQ(foreground[1].name, "blue");

  // No dominant border colour (the border is half red, half blue): nothing is dropped.
  const std::vector<DominantColor> plain = Colours(RedOverBlue(100, 100, 50), options);
  EXPECT_EQ(plain.size(), 2u);
}

TEST(DominantColorsTest, MergesNearlyIdenticalColours) {
  // Two greys one level apart: k-means++ seeds both, then they are merged into one colour.
  RgbImage image = Solid(100, 100, {120, 120, 120});
  for (int y = 0; y < 50; ++y) std::fill_n(image.row(y), image.stride(), 121);
  const std::vector<DominantColor> colours = Colours(image);
  ASSERT_EQ(colours.size(), 1u);
  EXPECT_DOUBLE_EQ(colours[0].share, 1.0);
  EXPECT_EQ(colours[0].name, "gray");
}

TEST(DominantColorsTest, RejectsInvalidArguments) {
  const RgbImage image = Solid(10, 10, {1, 2, 3});
  for (int k : {0, -1, 17}) {
    DominantColorOptions options;
    options.k = k;
    EXPECT_EQ(DominantColors(image, options).status().code(), StatusCode::kInvalidArgument) << k;
  }
  DominantColorOptions options;
  options.max_pixels = 0;
  EXPECT_EQ(DominantColors(image, options).status().code(), StatusCode::kInvalidArgument);
  options = {};
  options.max_iterations = 0;
  EXPECT_EQ(DominantColors(image, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DominantColors(RgbImage{}, {}).status().code(), StatusCode::kInvalidArgument);
  DominantColorOptions k16;
  k16.k = 16;
  EXPECT_TRUE(DominantColors(Solid(1, 1, {9, 9, 9}), k16).ok());
}

}  // namespace
}  // namespace iris
