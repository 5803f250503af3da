#include "app/section_vlm_analysis.h"

#include <gtest/gtest.h>

namespace iris::app {
namespace {

const std::vector<std::string> kIds = {"s1", "s4", "s7"};

TEST(SectionVlmReplyTest, EntriesAreReadByIdInAnyOrder) {
  int ignored = 0;
  auto parsed = ParseSectionVlmReply(R"({"sections": [
      {"id": "s7", "type": " Couch ", "visual_elements": ["RED", "leather"]},
      {"id": "s1", "type": "person", "visual_elements": []}]})",
                                     kIds, &ignored);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->at("s7"), (regions::VlmSectionAnalysis{"couch", {"red", "leather"}}));
  EXPECT_EQ(parsed->at("s1").type, "person");
  EXPECT_FALSE(parsed->contains("s4"));
  EXPECT_EQ(ignored, 0);
}

TEST(SectionVlmReplyTest, UnknownRepeatedAndEmptyEntriesAreIgnored) {
  int ignored = 0;
  auto parsed = ParseSectionVlmReply(R"({"sections": [
      {"id": "s9", "type": "ghost", "visual_elements": []},
      {"id": "s1", "type": "person", "visual_elements": ["a"]},
      {"id": "s1", "type": "chair", "visual_elements": ["b"]},
      {"id": "s4", "type": "  ", "visual_elements": []},
      {"type": "no id"}, 7]})",
                                     kIds, &ignored);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->at("s1").type, "person");  // the first answer for an id counts
  EXPECT_EQ(ignored, 5);
}

TEST(SectionVlmReplyTest, OverlongTermsAreDroppedNotCutAndElementsAreBounded) {
  nlohmann::json elements = nlohmann::json::array();
  elements.push_back(std::string(kVlmMaxTermChars + 1, 'x'));
  for (int i = 0; i < 20; ++i) {
    std::string name = "e";
    name += std::to_string(i);
    elements.push_back(name);
  }
  const nlohmann::json reply = {
      {"sections",
       {{{"id", "s1"}, {"type", std::string(kVlmMaxTermChars + 1, 't')}, {"visual_elements", elements}},
        {{"id", "s4"}, {"type", "ring"}, {"visual_elements", elements}}}}};
  int ignored = 0;
  auto parsed = ParseSectionVlmReply(reply.dump(), kIds, &ignored);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->contains("s1"));
  ASSERT_TRUE(parsed->contains("s4"));
  EXPECT_EQ(parsed->at("s4").visual_elements.size(), kVlmMaxElements);
  EXPECT_EQ(parsed->at("s4").visual_elements.front(), "e0");
}

TEST(SectionVlmReplyTest, AFencedReplyIsReadAndOtherShapesAreRefused) {
  auto fenced = ParseSectionVlmReply(
      "```json\n{\"sections\": [{\"id\": \"s4\", \"type\": \"ring\", "
      "\"visual_elements\": []}]}\n```",
      kIds, nullptr);
  ASSERT_TRUE(fenced.ok());
  EXPECT_TRUE(fenced->contains("s4"));
  for (const char* bad : {"not json", "[]", R"({"sections": {}})", R"({"other": []})"}) {
    auto parsed = ParseSectionVlmReply(bad, kIds, nullptr);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SectionVlmReplyTest, TheSchemaLimitsIdsToTheBatch) {
  const nlohmann::json schema = SectionVlmSchema(kIds);
  const nlohmann::json& entry = schema["properties"]["sections"]["items"];
  EXPECT_EQ(entry["properties"]["id"]["enum"], nlohmann::json(kIds));
  EXPECT_EQ(entry["required"], nlohmann::json({"id", "type", "visual_elements"}));
  EXPECT_EQ(entry["additionalProperties"], false);
  EXPECT_EQ(schema["additionalProperties"], false);
}

}  // namespace
}  // namespace iris::app
