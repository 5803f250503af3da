#include "image/image_geometry.h"

#include <gtest/gtest.h>

#include <array>

#include "image/test_images.h"

namespace iris {
namespace {

using testing::MeanAbsDiff;
using testing::PixelAt;

RgbImage Photo(int width, int height) { return testing::ToRgbImage(testing::SharedPhoto(width, height)); }

RgbImage Solid(int width, int height, std::array<std::uint8_t, 3> colour) {
  RgbImage image{width, height, {}};
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), colour.begin(), colour.end());
  return image;
}

TEST(ImageGeometryTest, CropCopiesTheBoxExactly) {
  RgbImage photo = Photo(240, 160);
  Result<RgbImage> crop = Crop(photo, PixelBox{10, 20, 110, 70});
  ASSERT_TRUE(crop.ok()) << crop.status().ToString();
  EXPECT_EQ(crop->width, 100);
  EXPECT_EQ(crop->height, 50);
  for (int y : {0, 25, 49}) {
    for (int x : {0, 50, 99}) EXPECT_EQ(PixelAt(*crop, x, y), PixelAt(photo, 10 + x, 20 + y));
  }
}

TEST(ImageGeometryTest, CropClampsToTheImageAndRefusesEmptyBoxes) {
  RgbImage photo = Photo(240, 160);
  Result<RgbImage> clamped = Crop(photo, PixelBox{-50, 100, 1000, 1000});
  ASSERT_TRUE(clamped.ok()) << clamped.status().ToString();
  EXPECT_EQ(clamped->width, 240);
  EXPECT_EQ(clamped->height, 60);
  EXPECT_EQ(PixelAt(*clamped, 0, 0), PixelAt(photo, 0, 100));
  EXPECT_EQ(Crop(photo, PixelBox{300, 0, 400, 10}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Crop(photo, PixelBox{50, 50, 50, 80}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Crop(photo, PixelBox{60, 50, 40, 80}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageGeometryTest, ResizeBilinearGivesExactSizeAndKeepsContent) {
  RgbImage photo = Photo(600, 400);
  for (auto [w, h] : {std::pair{224, 149}, std::pair{37, 301}, std::pair{1000, 7}, std::pair{601, 401}}) {
    Result<RgbImage> resized = ResizeBilinear(photo, w, h);
    ASSERT_TRUE(resized.ok()) << resized.status().ToString();
    EXPECT_EQ(resized->width, w);
    EXPECT_EQ(resized->height, h);
    EXPECT_EQ(resized->pixels.size(), static_cast<std::size_t>(w) * h * 3);
  }
  // Down and back up stays close to the original.
  Result<RgbImage> half = ResizeBilinear(photo, 300, 200);
  ASSERT_TRUE(half.ok());
  Result<RgbImage> back = ResizeBilinear(*half, 600, 400);
  ASSERT_TRUE(back.ok());
  EXPECT_LE(MeanAbsDiff(*back, photo), 8);
  // A uniform picture stays uniform.
  Result<RgbImage> solid = ResizeBilinear(Solid(50, 40, {10, 200, 30}), 17, 90);
  ASSERT_TRUE(solid.ok());
  EXPECT_EQ(MeanAbsDiff(*solid, Solid(17, 90, {10, 200, 30})), 0);
  EXPECT_EQ(ResizeBilinear(photo, 0, 10).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageGeometryTest, LetterboxCentersAndReportsScaleAndOffsets) {
  RgbImage photo = Photo(640, 480);
  Result<LetterboxedImage> boxed = Letterbox(photo, 416, 416, 114);
  ASSERT_TRUE(boxed.ok()) << boxed.status().ToString();
  EXPECT_EQ(boxed->image.width, 416);
  EXPECT_EQ(boxed->image.height, 416);
  EXPECT_DOUBLE_EQ(boxed->scale, 0.65);
  EXPECT_EQ(boxed->offset_x, 0);
  EXPECT_EQ(boxed->offset_y, 52);  // 480 * 0.65 = 312 rows of picture, 104 rows of padding
  EXPECT_EQ(PixelAt(boxed->image, 200, 10), (std::array<int, 3>{114, 114, 114}));
  EXPECT_EQ(PixelAt(boxed->image, 200, 410), (std::array<int, 3>{114, 114, 114}));
  EXPECT_NE(PixelAt(boxed->image, 200, 200), (std::array<int, 3>{114, 114, 114}));
  EXPECT_DOUBLE_EQ(boxed->ToOriginalX(416), 640);
  EXPECT_DOUBLE_EQ(boxed->ToOriginalY(52 + 312), 480);
  // The picture part is the resized photo.
  Result<RgbImage> inner = Crop(boxed->image, PixelBox{0, 52, 416, 52 + 312});
  Result<RgbImage> expected = ResizeBilinear(photo, 416, 312);
  ASSERT_TRUE(inner.ok() && expected.ok());
  EXPECT_EQ(MeanAbsDiff(*inner, *expected), 0);
}

TEST(ImageGeometryTest, LetterboxTopLeftPadsRightAndBottom) {
  RgbImage photo = Photo(300, 600);
  Result<LetterboxedImage> boxed = Letterbox(photo, 640, 640, 0, LetterboxPlacement::kTopLeft);
  ASSERT_TRUE(boxed.ok()) << boxed.status().ToString();
  EXPECT_DOUBLE_EQ(boxed->scale, 640.0 / 600);
  EXPECT_EQ(boxed->offset_x, 0);
  EXPECT_EQ(boxed->offset_y, 0);
  EXPECT_EQ(PixelAt(boxed->image, 639, 300), (std::array<int, 3>{0, 0, 0}));  // 300 * 640/600 = 320 wide
  EXPECT_NE(PixelAt(boxed->image, 100, 300), (std::array<int, 3>{0, 0, 0}));
  EXPECT_EQ(Letterbox(photo, 0, 640, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
