#include "regions/section_analysis.h"

#include <gtest/gtest.h>

namespace iris::regions {
namespace {

TEST(SectionAnalysisTest, NamesTheColoursAndPlaceOfEachSection) {
  // 90 x 30: red on the left third, blue elsewhere; an object over the red part.
  RgbImage image{90, 30, std::vector<std::uint8_t>(90 * 30 * 3)};
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 90; ++x) {
      std::uint8_t* p = image.row(y) + x * 3;
      p[0] = x < 30 ? 255 : 0;
      p[2] = x < 30 ? 0 : 255;
    }
  }
  SectionInputs in;
  in.width = 90;
  in.height = 30;
  Detection d;
  d.x0 = 0;
  d.y0 = 0;
  d.x1 = 30;
  d.y1 = 30;
  d.score = 0.9f;
  d.label = "cup";
  in.objects = {d};
  BuiltSections built = BuildSections(in);
  ASSERT_TRUE(AnalyseSections(image, built).ok());
  const Section& root = built.map.sections[0];
  ASSERT_EQ(root.colors.size(), 2u);
  EXPECT_EQ(root.colors[0].name, "blue");
  EXPECT_NEAR(root.colors[0].share, 2.0 / 3, 0.02);
  EXPECT_EQ(root.visual_elements, (std::vector<std::string>{"image", "blue", "red"}));
  const Section& cup = built.map.sections[1];
  EXPECT_EQ(cup.type, "cup");
  EXPECT_EQ(cup.visual_elements, (std::vector<std::string>{"cup", "red", "left"}));
  RgbImage other{10, 10, std::vector<std::uint8_t>(300)};
  EXPECT_EQ(AnalyseSections(other, built).code(), StatusCode::kInvalidArgument);
}

TEST(SectionAnalysisTest, PositionWordsUseThirds) {
  EXPECT_EQ(PositionWords({0, 0, 10, 10}, 90, 90), (std::vector<std::string>{"left", "top"}));
  EXPECT_EQ(PositionWords({40, 40, 10, 10}, 90, 90), (std::vector<std::string>{"centre"}));
  EXPECT_EQ(PositionWords({80, 40, 10, 10}, 90, 90), (std::vector<std::string>{"right"}));
}

}  // namespace
}  // namespace iris::regions
