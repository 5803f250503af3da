#include "dedup/collection_dedup_index.h"

#include <gtest/gtest.h>

#include "image/test_images.h"

namespace iris {
namespace {

RgbImage Photo(const std::string& file) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const std::string bytes = testing::ReadFileBytes(testing::RequireShared("data/clothing-cc0/" + file));
  return testing::ToRgbImage(
      vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "").colourspace(VIPS_INTERPRETATION_sRGB));
}

const char* kPhoto = "images/longsleeve/0f4d9494-612a-48f8-be05-e47f4fc54d54.jpg";

TEST(CollectionDedupIndexTest, OneDetectorPerCollectionRemoveAndForget) {
  CollectionDedupIndex index;
  const RgbImage photo = Photo(kPhoto);
  ASSERT_TRUE(index.For("a")->AddImage("p1", photo).ok());
  EXPECT_EQ(index.For("a").get(), index.For("a").get());
  EXPECT_EQ(index.For("a")->size(), 1u);
  EXPECT_EQ(index.For("b")->size(), 0u);  // collections do not share signatures

  auto report = index.For("a")->Check(photo);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->has_duplicate());
  EXPECT_EQ(report->candidates.front().id, "p1");
  EXPECT_FALSE(index.For("b")->Check(photo)->has_duplicate());

  EXPECT_FALSE(index.Remove("b", "p1"));
  EXPECT_TRUE(index.Remove("a", "p1"));
  EXPECT_FALSE(index.Remove("a", "p1"));
  EXPECT_FALSE(index.For("a")->Check(photo)->has_duplicate());

  ASSERT_TRUE(index.For("a")->AddImage("p1", photo).ok());
  index.Forget("a");
  EXPECT_EQ(index.For("a")->size(), 0u);
}

}  // namespace
}  // namespace iris
