#include "dedup/geometric_verification.h"

#include <gtest/gtest.h>

#include "image/test_images.h"

namespace iris {
namespace {

using testing::SharedPhoto;
using testing::ToRgbImage;

vips::VImage Photo(const std::string& name) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const std::string bytes = testing::SharedPhotoBytes(name);
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "")
      .colourspace(VIPS_INTERPRETATION_sRGB)
      .copy_memory();
}

LocalFeatures Extract(const vips::VImage& image) {
  auto f = ExtractLocalFeatures(ToRgbImage(image));
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? *f : LocalFeatures{};
}

TEST(GeometricVerificationTest, ExtractsBoundedFeaturesInsideTheFrame) {
  const LocalFeatures f = Extract(Photo("coffee.jpg"));
  EXPECT_EQ(f.width, 512);  // 600x400 -> longer side 512
  EXPECT_EQ(f.height, 341);
  EXPECT_GT(f.keypoints.size(), 200u);
  EXPECT_LE(f.keypoints.size(), 520u);
  ASSERT_EQ(f.keypoints.size(), f.descriptors.size());
  for (const Keypoint& k : f.keypoints) {
    EXPECT_GE(k.x, 0);
    EXPECT_LT(k.x, f.width);
    EXPECT_GE(k.y, 0);
    EXPECT_LT(k.y, f.height);
  }
  EXPECT_FALSE(ExtractLocalFeatures(RgbImage{}).ok());
}

TEST(GeometricVerificationTest, CropOfAPhotoFitsTheExpectedSimilarity) {
  const vips::VImage photo = Photo("coffee.jpg");  // 600x400
  // 75% of each side from (90, 60), then downscaled by half.
  const vips::VImage crop = photo.extract_area(90, 60, 450, 300).resize(0.5);
  const GeometricVerification g = VerifyGeometry(Extract(crop), Extract(photo));
  EXPECT_GE(g.inliers, 40) << g.matches;
  // Working frames: the crop's 450 px wide content is 512 wide, the photo's 600 px are 512: stored = 0.75 * query.
  EXPECT_NEAR(g.scale, 0.75, 0.03);
  EXPECT_NEAR(g.rotation_degrees, 0, 1.5);
  EXPECT_NEAR(g.tx, 90 * 512.0 / 600, 6);
  EXPECT_NEAR(g.ty, 60 * 512.0 / 600, 6);
  EXPECT_GT(g.detail_correlation, 0.5);  // the photometric check agrees
  EXPECT_NEAR(g.overlap, 1.0, 0.02);     // the whole crop lies inside the photo
}

TEST(GeometricVerificationTest, SmallRotationIsRecovered) {
  const vips::VImage photo = Photo("coffee.jpg");
  const GeometricVerification g = VerifyGeometry(Extract(photo.rotate(8)), Extract(photo));
  EXPECT_GE(g.inliers, 40) << g.matches;
  EXPECT_NEAR(std::abs(g.rotation_degrees), 8, 1.5);
}

TEST(GeometricVerificationTest, DifferentPhotosHaveFewInliers) {
  const LocalFeatures coffee = Extract(Photo("coffee.jpg"));
  for (const char* other : {"astronaut.jpg", "brick.jpg", "fruits.jpg", "graf1.jpg"}) {
    const GeometricVerification g = VerifyGeometry(Extract(Photo(other)), coffee);
    EXPECT_LT(g.inliers, 12) << other << " matches " << g.matches;
  }
}

TEST(GeometricVerificationTest, DescriptorDistanceCountsBits) {
  BinaryDescriptor a = {0, 0, 0, 0}, b = {1, 3, 0, ~std::uint64_t{0}};
  EXPECT_EQ(DescriptorDistance(a, a), 0);
  EXPECT_EQ(DescriptorDistance(a, b), 1 + 2 + 64);
}

}  // namespace
}  // namespace iris
