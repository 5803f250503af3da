// The shipped product-shot types (data/product_shot_types.json): seed 003's earring types and default,
// the bracelet and necklace lists, lookups, prompts with sizes, and refusals of malformed files.
#include "app/product_shot_types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iris::app {
namespace {

using ::testing::HasSubstr;

TEST(ProductShotTypesTest, EarringsHaveTheSeedsTypesAndDefault) {
  const ProductShotList* earring = ProductShotTypes::Shipped().Find("earring").value();
  const std::vector<std::pair<int, std::string>> seed = {{1, "White Background"},
                                                         {2, "Hand Holding"},
                                                         {3, "Dimension Image"},
                                                         {4, "Lifestyle Nature"},
                                                         {5, "Model Wearing"}};
  ASSERT_EQ(earring->types.size(), seed.size());
  for (const auto& [type, name] : seed) {
    ASSERT_NE(earring->Find(type), nullptr) << type;
    EXPECT_EQ(earring->Find(type)->name, name);
  }
  EXPECT_EQ(earring->defaults, (std::vector<int>{1, 2, 4, 5}));
  EXPECT_TRUE(earring->Find(1)->white_background);
  EXPECT_TRUE(earring->Find(1)->prompt.empty());
  EXPECT_TRUE(earring->Find(3)->needs_size);
  EXPECT_FALSE(earring->Find(2)->needs_size);
  const std::string prompt = ShotPrompt(*earring->Find(3), "2.5 cm", "1 cm");
  EXPECT_THAT(prompt, HasSubstr("2.5 cm"));
  EXPECT_THAT(prompt, HasSubstr("1 cm"));
  EXPECT_THAT(prompt, ::testing::Not(HasSubstr("{height}")));
}

TEST(ProductShotTypesTest, BraceletAndNecklaceHaveTheirOwnListsAndLookupsForgiveCaseAndPlural) {
  const auto& types = ProductShotTypes::Shipped();
  for (const char* name : {"bracelet", "necklace"}) {
    auto list = types.Find(name);
    ASSERT_TRUE(list.ok()) << name;
    EXPECT_TRUE((*list)->Find(1)->white_background) << name;
    EXPECT_FALSE((*list)->defaults.empty());
  }
  EXPECT_EQ(types.Find("Earrings").value()->product_type, "earring");
  EXPECT_NE(types.Find("bracelet").value()->Find(2)->name, types.Find("earring").value()->Find(2)->name);
  auto unknown = types.Find("ring");
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnprocessable);
  EXPECT_THAT(unknown.status().message(), HasSubstr("bracelet, earring, necklace"));
}

TEST(ProductShotTypesTest, MalformedFilesAreRefusedNamingTheProblem) {
  EXPECT_EQ(ProductShotTypes::Parse("[]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(ProductShotTypes::Parse(R"({"x": {"types": [], "default": []}})").status().message(),
              HasSubstr("no types"));
  EXPECT_THAT(
      ProductShotTypes::Parse(R"({"x": {"types": [{"type": 1, "name": "A"}], "default": [1]}})").status().message(),
      HasSubstr("either a prompt or"));
  EXPECT_THAT(ProductShotTypes::Parse(
                  R"({"x": {"types": [{"type": 1, "name": "A", "prompt": "p", "needs_size": true}], "default": [1]}})")
                  .status()
                  .message(),
              HasSubstr("{height}"));
  EXPECT_THAT(ProductShotTypes::Parse(R"({"x": {"types": [{"type": 1, "name": "A", "prompt": "p"}], "default": [2]}})")
                  .status()
                  .message(),
              HasSubstr("default"));
}

}  // namespace
}  // namespace iris::app
