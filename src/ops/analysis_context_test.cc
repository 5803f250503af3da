// AnalysisContext's crop reporting: the PNG sent back is bounded by analysis.max_crop_side and
// encoded once per box. (Detections need models; they are covered in tests/e2e/analysis_test.cc.)
#include "ops/analysis_context.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/base64.h"
#include "image/image_decoder.h"

namespace iris::ops {
namespace {

std::shared_ptr<const RgbImage> Gradient(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.row(y) + 3 * static_cast<std::size_t>(x);
      p[0] = static_cast<std::uint8_t>(x * 255 / width);
      p[1] = static_cast<std::uint8_t>(y * 255 / height);
      p[2] = 128;
    }
  }
  return std::make_shared<const RgbImage>(std::move(image));
}

ImageInfo PngInfo(const std::string& base64) {
  std::optional<std::string> png = Base64Decode(base64);
  EXPECT_TRUE(png.has_value());
  Result<ImageInfo> info = ProbeImage(png.value_or(""), DecodeLimits{});
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : ImageInfo{};
}

TEST(AnalysisContextTest, ReturnedCropsAreScaledDownToMaxCropSide) {
  AnalysisServices services;
  ASSERT_EQ(services.analysis.max_crop_side, 1024);
  auto image = Gradient(3000, 2200);
  AnalysisContext ctx(services, image, "sha");
  // A crop larger than the bound (as a prominent person in a big photo is): longer side 1024.
  const Region tall{Gradient(1500, 2100), PixelBox{100, 50, 1600, 2150}, std::nullopt};
  auto encoded = ctx.CropPngBase64(tall);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  ImageInfo info = PngInfo(*encoded);
  EXPECT_EQ(info.height, 1024);
  EXPECT_EQ(info.width, 731);  // 1500 * 1024 / 2100, rounded
  // Encoded once per box: the same text comes back.
  EXPECT_EQ(ctx.CropPngBase64(tall).value(), *encoded);
  // A crop within the bound is returned as it is.
  const Region small{Gradient(600, 400), PixelBox{0, 0, 600, 400}, std::nullopt};
  info = PngInfo(ctx.CropPngBase64(small).value());
  EXPECT_EQ(info.width, 600);
  EXPECT_EQ(info.height, 400);

  services.analysis.max_crop_side = 256;
  AnalysisContext smaller(services, image, "sha");
  info = PngInfo(smaller.CropPngBase64(small).value());
  EXPECT_EQ(info.width, 256);
  EXPECT_EQ(info.height, 171);
}

}  // namespace
}  // namespace iris::ops
