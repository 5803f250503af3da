#include "app/catalog_caption_reply.h"

#include <gtest/gtest.h>

namespace iris::app {
namespace {

nlohmann::json Valid() {
  return {{"generated_name", "Gold Hoop Earrings"},  {"quality", "A"},
          {"description", "A pair of gold hoops."},  {"attributes", "gold, hoop, hinged clasp"},
          {"prompt", "gold hoop earrings on white"}, {"color", "gold"}};
}

TEST(CatalogCaptionReplyTest, SchemaNamesEverySeedFieldAsRequiredStringsAndNothingElse) {
  const auto& schema = CatalogCaptionSchema();
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["additionalProperties"], false);
  EXPECT_EQ(schema["required"],
            (nlohmann::json{"generated_name", "quality", "description", "attributes", "prompt", "color"}));
  for (const auto& [name, property] : schema["properties"].items()) EXPECT_EQ(property["type"], "string") << name;
  EXPECT_EQ(schema["properties"]["quality"]["enum"], (nlohmann::json{"A", "B", "C"}));
}

TEST(CatalogCaptionReplyTest, ReadsAValidReplyTrimmingWhiteSpace) {
  nlohmann::json j = Valid();
  j["generated_name"] = "  Gold Hoop Earrings \n";
  j["quality"] = "b";
  j["extra"] = "ignored";
  auto caption = ParseCatalogCaption(j.dump());
  ASSERT_TRUE(caption.ok()) << caption.status().ToString();
  EXPECT_EQ(caption->generated_name, "Gold Hoop Earrings");
  EXPECT_EQ(caption->quality, 'B');
  EXPECT_EQ(caption->attributes, "gold, hoop, hinged clasp");
  EXPECT_EQ(caption->color, "gold");
}

TEST(CatalogCaptionReplyTest, ReadsAWholeTextMarkdownFenceButNotJsonInsideProse) {
  auto fenced = ParseCatalogCaption("```json\n" + Valid().dump(2) + "\n```\n");
  ASSERT_TRUE(fenced.ok()) << fenced.status().ToString();
  EXPECT_EQ(fenced->prompt, "gold hoop earrings on white");
  EXPECT_FALSE(ParseCatalogCaption("Here you go:\n```json\n" + Valid().dump() + "\n```").ok());
  EXPECT_FALSE(ParseCatalogCaption("```json\n" + Valid().dump()).ok()) << "an unclosed fence";
}

TEST(CatalogCaptionReplyTest, RejectsEachWayAReplyCanBeWrongNamingTheProblem) {
  struct Case {
    std::string text;
    std::string expected;
  };
  auto with = [](const char* field, nlohmann::json value) {
    nlohmann::json j = Valid();
    j[field] = std::move(value);
    return j.dump();
  };
  auto without = [](const char* field) {
    nlohmann::json j = Valid();
    j.erase(field);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"a gold ring", "not JSON"},
      {"[1, 2]", "not a JSON object"},
      {without("color"), "no 'color'"},
      {with("attributes", nlohmann::json::array({"gold"})), "'attributes' is not a string"},
      {with("description", "   "), "'description' is empty"},
      {with("generated_name", std::string(kCaptionNameMaxChars + 1, 'x')), "'generated_name' is longer than 200"},
      {with("prompt", std::string(kCaptionPromptMaxChars + 1, 'x')), "'prompt' is longer than 4000"},
      {with("quality", "D"), "'quality' is 'D'"},
      {with("quality", "AB"), "'quality' is longer than 1"},
      {"{\"generated_name\": \"x\"", "not JSON"},
  };
  for (const auto& c : cases) {
    auto caption = ParseCatalogCaption(c.text);
    ASSERT_FALSE(caption.ok()) << c.text;
    EXPECT_EQ(caption.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(caption.status().message().find(c.expected), std::string::npos)
        << caption.status().message() << " for " << c.text.substr(0, 80);
  }
}

TEST(CatalogCaptionReplyTest, AcceptsFieldsAtTheirLimits) {
  nlohmann::json j = Valid();
  j["generated_name"] = std::string(kCaptionNameMaxChars, 'n');
  j["prompt"] = std::string(kCaptionPromptMaxChars, 'p');
  auto caption = ParseCatalogCaption(j.dump());
  ASSERT_TRUE(caption.ok()) << caption.status().ToString();
  EXPECT_EQ(caption->prompt.size(), kCaptionPromptMaxChars);
}

}  // namespace
}  // namespace iris::app
