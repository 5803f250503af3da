#include "regions/section_filter.h"

#include <gtest/gtest.h>

#include "regions/section_matcher.h"
#include "vision/color_space.h"

namespace iris::regions {
namespace {

Section Make(std::string id, std::string label, SectionBox box, Rgb8 colour, float score = 0.9f) {
  Section s;
  s.id = std::move(id);
  s.label = std::move(label);
  s.bbox = box;
  s.score = score;
  const Vec3 lab = Srgb8ToLab(colour);
  s.colors = {{"", RgbToHex(colour), 1.0, {lab[0], lab[1], lab[2]}}};
  return s;
}

// A 200 x 100 image: a red person on the left, a blue person on the right, a green cup in the centre.
SectionMap Scene() {
  SectionMap map;
  map.width = 200;
  map.height = 100;
  map.sections = {Make("s0", "image", {0, 0, 200, 100}, {128, 128, 128}),
                  Make("s1", "person", {10, 10, 50, 80}, {220, 20, 30}, 0.8f),
                  Make("s2", "person", {140, 10, 50, 80}, {20, 40, 220}, 0.9f),
                  Make("s3", "cup", {90, 40, 20, 20}, {20, 160, 40}, 0.7f)};
  return map;
}

NormalisedPrompt Prompt(std::vector<std::string> objects, std::vector<std::string> colors = {},
                        std::vector<std::string> positions = {}) {
  NormalisedPrompt p;
  p.objects = std::move(objects);
  p.colors = std::move(colors);
  p.positions = std::move(positions);
  return p;
}

TEST(SectionFilterTest, FiltersByClassColourAndPosition) {
  const SectionMap map = Scene();
  EXPECT_EQ(FilterSections(map, Prompt({"person"})), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(FilterSections(map, Prompt({"person"}, {"red"})), (std::vector<std::string>{"s1"}));
  EXPECT_EQ(FilterSections(map, Prompt({}, {"blue"})), (std::vector<std::string>{"s2"}));
  EXPECT_EQ(FilterSections(map, Prompt({"person"}, {}, {"right"})), (std::vector<std::string>{"s2"}));
  EXPECT_EQ(FilterSections(map, Prompt({}, {}, {"centre"})), (std::vector<std::string>{"s3"}));
  EXPECT_EQ(FilterSections(map, Prompt({})), (std::vector<std::string>{"s1", "s2", "s3"}));  // never the root
  EXPECT_TRUE(FilterSections(map, Prompt({"dog"})).empty());
}

TEST(SectionFilterTest, RelaxedRetryDropsPositionsButKeepsObjects) {
  const SectionMap map = Scene();
  EXPECT_TRUE(FilterSections(map, Prompt({"cup"}, {}, {"left"})).empty());
  EXPECT_EQ(RelaxedFilter(map, Prompt({"cup"}, {}, {"left"})), (std::vector<std::string>{"s3"}));
  EXPECT_TRUE(RelaxedFilter(map, Prompt({"dog"}, {}, {"left"})).empty());
}

TEST(SectionMatcherTest, PicksTheBestWithDeterministicTies) {
  const SectionMap map = Scene();
  auto match = MatchSections(map, {"s1", "s2"}, Prompt({"person"}));
  ASSERT_TRUE(match.best);
  EXPECT_EQ(match.best->id, "s2");  // higher confidence
  EXPECT_NEAR(match.best->score, 0.9, 1e-6);
  match = MatchSections(map, {"s1", "s2"}, Prompt({"person"}, {}, {"left"}));
  EXPECT_EQ(match.best->id, "s1");
  // Equal scores and boxes: the earlier section wins.
  SectionMap twins = map;
  twins.sections[2].score = 0.8f;
  twins.sections[2].bbox = {10, 10, 50, 80};
  EXPECT_EQ(MatchSections(twins, {"s1", "s2"}, Prompt({"person"})).best->id, "s1");
  EXPECT_EQ(MatchSections(twins, {"s2", "s1"}, Prompt({"person"})).best->id, "s1");
  EXPECT_FALSE(MatchSections(map, {}, Prompt({"person"})).best);
}

TEST(SectionMatcherTest, ReducesGroupsOfFive) {
  SectionMap map;
  map.width = 100;
  map.height = 100;
  map.sections.push_back(Make("s0", "image", {0, 0, 100, 100}, {0, 0, 0}));
  std::vector<std::string> kept;
  for (int i = 1; i <= 12; ++i) {
    map.sections.push_back(
        Make(std::string("s").append(std::to_string(i)), "cow", {i, i, 10, 10}, {0, 0, 0}, 0.1f + 0.05f * (i % 7)));
    kept.push_back(map.sections.back().id);
  }
  const auto match = MatchSections(map, kept, Prompt({"cow"}));
  EXPECT_EQ(match.scored.size(), 12u);
  ASSERT_EQ(match.group_best.size(), 3u);
  EXPECT_EQ(match.group_best[0].id, "s5");
  EXPECT_EQ(match.group_best[1].id, "s6");
  EXPECT_EQ(match.group_best[2].id, "s12");
  EXPECT_EQ(match.best->id, "s6");
}

}  // namespace
}  // namespace iris::regions
