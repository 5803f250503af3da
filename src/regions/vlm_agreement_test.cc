#include "regions/vlm_agreement.h"

#include <gtest/gtest.h>

namespace iris::regions {
namespace {

const std::vector<std::string> kClasses = {"person", "couch", "chair", "dining table"};

TEST(VlmAgreementTest, SynonymsAndPluralsOfTheAnalysisCount) {
  const NormalisedPrompt prompt = NormalisePrompt("the red couch", kClasses);
  EXPECT_DOUBLE_EQ(VlmAgreement(prompt, {"sofa", {"red", "cushions"}}, kClasses), 1.0);
  EXPECT_DOUBLE_EQ(VlmAgreement(prompt, {"sofa", {"blue"}}, kClasses), 0.5);
  EXPECT_DOUBLE_EQ(VlmAgreement(prompt, {"chair", {"green"}}, kClasses), 0.0);
}

TEST(VlmAgreementTest, MaterialsAndOtherWordsAreJudgedPositionsAreNot) {
  const NormalisedPrompt prompt = NormalisePrompt("the wooden chair with stripes on the left", kClasses);
  ASSERT_TRUE(HasVlmTerms(prompt));
  const double both = VlmAgreement(prompt, {"chair", {"wood", "stripes"}}, kClasses);
  const double material_only = VlmAgreement(prompt, {"chair", {"wooden"}}, kClasses);
  EXPECT_GT(both, material_only);
  EXPECT_GT(material_only, VlmAgreement(prompt, {"chair", {}}, kClasses));
}

TEST(VlmAgreementTest, APromptOfPositionsOnlyHasNothingToJudge) {
  const NormalisedPrompt prompt = NormalisePrompt("the one on the left", kClasses);
  EXPECT_FALSE(HasVlmTerms(prompt));
  EXPECT_DOUBLE_EQ(VlmAgreement(prompt, {"person", {"left"}}, kClasses), 0.0);
}

TEST(VlmAgreementTest, FilterKeepsTheSectionsThatNameTheWordsOnlyTheVlmCanJudge) {
  const NormalisedPrompt prompt = NormalisePrompt("the person with stripes", kClasses);
  const std::map<std::string, VlmSectionAnalysis> analyses = {{"s1", {"person", {"plain"}}},
                                                              {"s3", {"person", {"stripes", "white"}}}};
  const std::map<std::string, VlmSectionAnalysis> local = {{"s2", {"person", {"person", "red"}}}};
  EXPECT_EQ(FilterByVlm({"s1", "s2", "s3"}, prompt, analyses, local, kClasses), std::vector<std::string>{"s3"});
  // Nobody names them: nothing is dropped.
  EXPECT_EQ(FilterByVlm({"s1", "s2"}, prompt, analyses, local, kClasses), (std::vector<std::string>{"s1", "s2"}));
  // A prompt without such words is not filtered.
  EXPECT_EQ(FilterByVlm({"s1", "s3"}, NormalisePrompt("the person", kClasses), analyses, local, kClasses),
            (std::vector<std::string>{"s1", "s3"}));
}

}  // namespace
}  // namespace iris::regions
