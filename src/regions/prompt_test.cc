#include "regions/prompt.h"

#include <gtest/gtest.h>

namespace iris::regions {
namespace {

const std::vector<std::string> kClasses = {"person", "couch", "dining table", "tv", "cell phone", "cow", "knife"};

TEST(PromptTest, KeepsTermsAndDropsFillers) {
  const NormalisedPrompt p = NormalisePrompt("Please find the RED sofa on the left!", kClasses);
  EXPECT_EQ(p.objects, (std::vector<std::string>{"couch"}));
  EXPECT_EQ(p.colors, (std::vector<std::string>{"red"}));
  EXPECT_EQ(p.positions, (std::vector<std::string>{"left"}));
  EXPECT_TRUE(p.other.empty());
  EXPECT_EQ(p.text, "red sofa left");
}

TEST(PromptTest, MapsSynonymsPluralsAndPhrases) {
  EXPECT_EQ(NormalisePrompt("the man", kClasses).objects, (std::vector<std::string>{"person"}));
  EXPECT_EQ(NormalisePrompt("cows", kClasses).objects, (std::vector<std::string>{"cow"}));
  EXPECT_EQ(NormalisePrompt("knives", kClasses).objects, (std::vector<std::string>{"knife"}));
  EXPECT_EQ(NormalisePrompt("the dining table", kClasses).objects, (std::vector<std::string>{"dining table"}));
  EXPECT_EQ(NormalisePrompt("television", kClasses).objects, (std::vector<std::string>{"tv"}));
  EXPECT_EQ(NormalisePrompt("a face", kClasses).objects, (std::vector<std::string>{"face"}));
  EXPECT_EQ(NormalisePrompt("light blue shirt", kClasses).colors, (std::vector<std::string>{"light blue"}));
  EXPECT_EQ(NormalisePrompt("grey", kClasses).colors, (std::vector<std::string>{"gray"}));
  const NormalisedPrompt p = NormalisePrompt("biggest wooden thing in the middle", kClasses);
  EXPECT_EQ(p.positions, (std::vector<std::string>{"largest", "centre"}));
  EXPECT_EQ(p.materials, (std::vector<std::string>{"wood"}));
  EXPECT_TRUE(p.objects.empty());
}

TEST(PromptTest, KeepsUnknownWordsAsOther) {
  const NormalisedPrompt p = NormalisePrompt("the striped shirt", kClasses);
  EXPECT_EQ(p.other, (std::vector<std::string>{"striped", "shirt"}));
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(NormalisePrompt("  ", kClasses).text.empty());
}

}  // namespace
}  // namespace iris::regions
