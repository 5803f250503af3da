#include "regions/section_builder.h"

#include <gtest/gtest.h>

namespace iris::regions {
namespace {

Detection Box(float x0, float y0, float x1, float y1, float score, std::string label) {
  Detection d;
  d.x0 = x0;
  d.y0 = y0;
  d.x1 = x1;
  d.y1 = y1;
  d.score = score;
  d.label = std::move(label);
  return d;
}

TEST(SectionBuilderTest, BuildsTheHierarchyFromObjectsFacesAndForeground) {
  SectionInputs in;
  in.width = 100;
  in.height = 80;
  in.objects = {Box(60, 10, 90, 70, 0.6f, "dog"), Box(10, 10, 50, 78, 0.9f, "person")};
  in.faces = {Box(20, 12, 36, 30, 0.8f, "face")};
  std::vector<std::uint8_t> fg(100 * 80, 0);
  for (int y = 10; y < 78; ++y) {
    for (int x = 12; x < 48; ++x) fg[static_cast<std::size_t>(y) * 100 + x] = 1;  // the person's silhouette
  }
  in.foreground = &fg;
  const BuiltSections built = BuildSections(in);
  const auto& s = built.map.sections;
  ASSERT_EQ(s.size(), 5u);  // image, foreground, person, dog, face
  EXPECT_EQ(s[0].id, "s0");
  EXPECT_EQ(s[0].parent, "");
  EXPECT_EQ(s[1].label, "foreground");
  EXPECT_EQ(s[1].bbox, (SectionBox{12, 10, 36, 68}));
  EXPECT_EQ(s[2].label, "person");  // objects by score
  EXPECT_EQ(s[3].label, "dog");
  EXPECT_EQ(s[4].label, "face");
  EXPECT_EQ(s[2].bbox, (SectionBox{10, 10, 40, 68}));
  EXPECT_EQ(s[2].area, 36 * 68);  // narrowed to the foreground inside its box
  EXPECT_EQ(s[3].area, 30 * 60);  // no foreground in the dog's box: the box
  EXPECT_EQ(s[1].parent, "s2");   // the foreground lies inside the person's box
  EXPECT_EQ(s[2].parent, "s0");
  EXPECT_EQ(s[4].parent, "s1");  // the face: the smallest box around it
  EXPECT_EQ(s[0].children, (std::vector<std::string>{"s2", "s3"}));
  ASSERT_EQ(built.masks.size(), s.size());
  EXPECT_EQ(DecodeMaskRle(s[2].mask).value(), built.masks[2]);
}

TEST(SectionBuilderTest, IgnoresAForegroundThatCoversNothingOrEverything) {
  SectionInputs in;
  in.width = 20;
  in.height = 20;
  std::vector<std::uint8_t> all(400, 1);
  in.foreground = &all;
  EXPECT_EQ(BuildSections(in).map.sections.size(), 1u);
  std::vector<std::uint8_t> none(400, 0);
  in.foreground = &none;
  EXPECT_EQ(BuildSections(in).map.sections.size(), 1u);
}

TEST(SectionBuilderTest, SplitsAForegroundOfSeveralPartsAndDropsTinyBoxes) {
  SectionInputs in;
  in.width = 40;
  in.height = 20;
  in.objects = {Box(1, 1, 3, 3, 0.9f, "cup")};  // 4 pixels: under min_box
  std::vector<std::uint8_t> fg(800, 0);
  for (int y = 2; y < 10; ++y) {
    for (int x = 2; x < 10; ++x) fg[static_cast<std::size_t>(y) * 40 + x] = 1;
    for (int x = 25; x < 30; ++x) fg[static_cast<std::size_t>(y) * 40 + x] = 1;
  }
  in.foreground = &fg;
  const auto& s = BuildSections(in).map.sections;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[2].label, "foreground part");
  EXPECT_EQ(s[2].area, 64);
  EXPECT_EQ(s[3].area, 40);
  EXPECT_EQ(s[2].parent, "s1");
}

}  // namespace
}  // namespace iris::regions
