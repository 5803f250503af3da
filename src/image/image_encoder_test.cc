#include "image/image_encoder.h"

#include <gtest/gtest.h>

#include <string>

#include "image/image_decoder.h"
#include "image/test_images.h"

namespace iris {
namespace {

using testing::MeanAbsDiff;

RgbImage Photo() { return testing::ToRgbImage(testing::SharedPhoto(240, 160)); }

TEST(ImageEncoderTest, PngRoundTripIsExact) {
  RgbImage photo = Photo();
  Result<std::string> png = EncodePng(photo);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(SniffImageFormat(*png), ImageFormat::kPng);
  Result<DecodedImage> decoded = DecodeImage(*png, DecodeOptions{});
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->image.width, photo.width);
  EXPECT_EQ(decoded->image.height, photo.height);
  EXPECT_EQ(decoded->image.pixels, photo.pixels);
}

TEST(ImageEncoderTest, JpegRoundTripIsCloseAndQualityMatters) {
  RgbImage photo = Photo();
  Result<std::string> high = EncodeJpeg(photo, 95);
  Result<std::string> low = EncodeJpeg(photo, 20);
  ASSERT_TRUE(high.ok()) << high.status().ToString();
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  EXPECT_EQ(SniffImageFormat(*high), ImageFormat::kJpeg);
  EXPECT_LT(low->size(), high->size());
  Result<DecodedImage> decoded_high = DecodeImage(*high, DecodeOptions{});
  Result<DecodedImage> decoded_low = DecodeImage(*low, DecodeOptions{});
  ASSERT_TRUE(decoded_high.ok() && decoded_low.ok());
  double high_diff = MeanAbsDiff(decoded_high->image, photo);
  EXPECT_LE(high_diff, 2.5);
  EXPECT_LT(high_diff, MeanAbsDiff(decoded_low->image, photo));
}

TEST(ImageEncoderTest, RefusesBadInput) {
  EXPECT_EQ(EncodePng(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(RgbImage{}, 90).status().code(), StatusCode::kInvalidArgument);
  RgbImage inconsistent{10, 10, std::vector<std::uint8_t>(10)};
  EXPECT_EQ(EncodePng(inconsistent).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(Photo(), 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(Photo(), 101).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
