#include "regions/image_text.h"

#include <gtest/gtest.h>

#include <cmath>

#include "regions/section_matcher.h"

namespace iris::regions {
namespace {

TEST(ImageTextTest, RelativeScoresAreSoftmaxOverTheBestWithClipsScale) {
  auto relative = RelativeImageTextScores({{"s1", 0.30}, {"s2", 0.29}, {"s3", 0.20}});
  EXPECT_DOUBLE_EQ(relative["s1"], 1.0);
  EXPECT_NEAR(relative["s2"], std::exp(-1.0), 1e-12) << "0.01 of cosine is a factor e at scale 100";
  EXPECT_NEAR(relative["s3"], std::exp(-10.0), 1e-12);
  EXPECT_TRUE(RelativeImageTextScores({}).empty());
}

TEST(ImageTextTest, EqualCosinesChangeNothing) {
  auto relative = RelativeImageTextScores({{"s1", 0.0}, {"s2", 0.0}});
  EXPECT_EQ(relative, (std::map<std::string, double>{{"s1", 1.0}, {"s2", 1.0}}));
  EXPECT_EQ(FilterByImageText({"s1", "s2"}, relative), (std::vector<std::string>{"s1", "s2"}));
}

TEST(ImageTextTest, FilterKeepsNearBestAndUnscoredSectionsInOrder) {
  const std::map<std::string, double> relative = {{"s1", 0.2}, {"s2", 1.0}, {"s3", 0.6}};
  EXPECT_EQ(FilterByImageText({"s3", "s1", "s4", "s2"}, relative), (std::vector<std::string>{"s3", "s4", "s2"}));
}

TEST(ImageTextTest, OnlyWordsTheLocalFilterCannotJudgeNeedIt) {
  NormalisedPrompt prompt;
  prompt.objects = {"person"};
  prompt.colors = {"red"};
  prompt.positions = {"left"};
  EXPECT_FALSE(NeedsImageText(prompt));
  prompt.other = {"crimson"};
  EXPECT_TRUE(NeedsImageText(prompt));
  prompt.other.clear();
  prompt.materials = {"wood"};
  EXPECT_TRUE(NeedsImageText(prompt));
}

TEST(ImageTextTest, TheMatcherCountsTheScoreAsOneMorePartAndPrefersItOverProminence) {
  SectionMap map;
  map.width = 200;
  map.height = 100;
  for (const auto& [id, box] : std::vector<std::pair<std::string, SectionBox>>{
           {"s0", {0, 0, 200, 100}}, {"s1", {0, 0, 120, 100}}, {"s2", {150, 10, 30, 30}}}) {
    Section s;
    s.id = id;
    s.label = "foreground";
    s.bbox = box;
    map.sections.push_back(s);
  }
  NormalisedPrompt prompt;
  prompt.other = {"crimson"};
  EXPECT_EQ(MatchSections(map, {"s1", "s2"}, prompt).best->id, "s1") << "no terms: the most prominent";
  const std::map<std::string, double> image_text = {{"s1", 0.1}, {"s2", 1.0}};
  auto match = MatchSections(map, {"s1", "s2"}, prompt, 5, {image_text});
  EXPECT_EQ(match.best->id, "s2");
  EXPECT_DOUBLE_EQ(match.best->score, 1.0);
  prompt.positions = {"left"};
  match = MatchSections(map, {"s1", "s2"}, prompt, 5, {image_text});
  EXPECT_NEAR(match.scored[0].score, (0.1 + (1 - 60.0 / 200)) / 2, 1e-9) << "the mean of the two parts";
}

}  // namespace
}  // namespace iris::regions
