#include "dedup/image_views.h"

#include <gtest/gtest.h>

#include <cmath>

#include "image/test_images.h"
#include "vision/perceptual_hash.h"

namespace iris {
namespace {

using testing::MeanAbsDiff;
using testing::SharedPhoto;
using testing::ToRgbImage;

TEST(ImageViewsTest, TrimRemovesLetterboxAndPaddingBars) {
  const vips::VImage photo = SharedPhoto(300, 200);
  struct Case {
    std::vector<double> colour;
    int x, y, width, height;
  };
  for (const Case& c : {Case{{0, 0, 0}, 0, 50, 300, 300}, Case{{255, 255, 255}, 40, 0, 380, 200},
                        Case{{128, 128, 128}, 17, 23, 350, 260}}) {
    // JPEG round trip so the bars are not perfectly flat.
    const vips::VImage padded =
        photo.embed(c.x, c.y, c.width, c.height,
                    vips::VImage::option()->set("extend", VIPS_EXTEND_BACKGROUND)->set("background", c.colour));
    const std::string jpeg = testing::EncodeWithVips(padded, ".jpg[Q=75]");
    const RgbImage image = ToRgbImage(vips::VImage::new_from_buffer(jpeg.data(), jpeg.size(), ""));
    auto trimmed = TrimUniformBorders(image);
    ASSERT_TRUE(trimmed.ok()) << trimmed.status().ToString();
    EXPECT_TRUE(trimmed->trimmed);
    EXPECT_NEAR(trimmed->x0, c.x, 2);
    EXPECT_NEAR(trimmed->y0, c.y, 2);
    EXPECT_NEAR(trimmed->x1, c.x + 300, 2);
    EXPECT_NEAR(trimmed->y1, c.y + 200, 2);
    EXPECT_EQ(trimmed->image.width, trimmed->x1 - trimmed->x0);
  }
}

TEST(ImageViewsTest, PhotoWithoutBarsIsUnchanged) {
  const RgbImage image = ToRgbImage(SharedPhoto(300, 200));
  auto trimmed = TrimUniformBorders(image);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_FALSE(trimmed->trimmed);
  EXPECT_EQ(MeanAbsDiff(trimmed->image, image), 0);
  EXPECT_FALSE(TrimUniformBorders(RgbImage{}).ok());
}

TEST(ImageViewsTest, DihedralMatchesLibvips) {
  const vips::VImage photo = SharedPhoto(64, 40);
  const RgbImage image = ToRgbImage(photo);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kRotate90), ToRgbImage(photo.rot(VIPS_ANGLE_D90))), 0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kRotate180), ToRgbImage(photo.rot(VIPS_ANGLE_D180))), 0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kRotate270), ToRgbImage(photo.rot(VIPS_ANGLE_D270))), 0);
  EXPECT_EQ(
      MeanAbsDiff(Dihedral(image, Orientation::kFlipHorizontal), ToRgbImage(photo.flip(VIPS_DIRECTION_HORIZONTAL))), 0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kFlipVertical), ToRgbImage(photo.flip(VIPS_DIRECTION_VERTICAL))),
            0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kTranspose),
                        ToRgbImage(photo.flip(VIPS_DIRECTION_HORIZONTAL).rot(VIPS_ANGLE_D270))),
            0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kTransverse),
                        ToRgbImage(photo.flip(VIPS_DIRECTION_HORIZONTAL).rot(VIPS_ANGLE_D90))),
            0);
  EXPECT_EQ(MeanAbsDiff(Dihedral(image, Orientation::kIdentity), image), 0);
}

TEST(ImageViewsTest, SomeOrientationOfAFlippedOrTurnedCopyHashesLikeTheOriginal) {
  const vips::VImage photo = SharedPhoto(300, 200);
  const std::uint64_t original = *PerceptualHash(ToRgbImage(photo));
  for (const vips::VImage& copy :
       {photo.flip(VIPS_DIRECTION_HORIZONTAL), photo.rot(VIPS_ANGLE_D90), photo.rot(VIPS_ANGLE_D270)}) {
    const RgbImage image = ToRgbImage(copy);
    EXPECT_GT(HammingDistance(*PerceptualHash(image), original), 10);  // the plain hash does not survive
    int best = 64;
    for (Orientation o : kAllOrientations)
      best = std::min(best, HammingDistance(*PerceptualHash(Dihedral(image, o)), original));
    EXPECT_LE(best, 2);
  }
}

TEST(ImageViewsTest, DetailCorrelationSeparatesCopiesFromOtherPhotos) {
  const vips::VImage photo = SharedPhoto(300, 200);
  const LumaPlane original = ViewThumbnail(ToRgbImage(photo));
  const std::string jpeg = testing::EncodeWithVips(photo.resize(0.4), ".jpg[Q=35]");
  const LumaPlane copy = ViewThumbnail(ToRgbImage(vips::VImage::new_from_buffer(jpeg.data(), jpeg.size(), "")));
  EXPECT_GT(DetailCorrelation(original, copy), 0.7);
  EXPECT_DOUBLE_EQ(DetailCorrelation(original, original), 1.0);
  const LumaPlane other = ViewThumbnail(ToRgbImage(SharedPhoto(300, 200, "astronaut.jpg")));
  EXPECT_LT(std::abs(DetailCorrelation(original, other)), 0.3);
  EXPECT_EQ(DetailCorrelation(original, LumaPlane{}), -1);
}

TEST(ImageViewsTest, ShrinkKeepsAspectAndNeverEnlarges) {
  const RgbImage image = ToRgbImage(SharedPhoto(300, 200));
  auto small = ShrinkToMaxSide(image, 150);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->width, 150);
  EXPECT_EQ(small->height, 100);
  auto same = ShrinkToMaxSide(image, 1000);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->width, 300);
}

}  // namespace
}  // namespace iris
