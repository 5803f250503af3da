#include "core/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace iris {
namespace {

std::string NestedArrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// {"a":{"a":...{"a":1}...}} with `depth` objects.
std::string NestedObjects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

void ExpectTooDeep(const Result<nlohmann::json>& parsed, int limit) {
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "JSON nested deeper than " + std::to_string(limit) + " levels");
}

TEST(JsonLimitsTest, AcceptsExactlyTheLimit) {
  auto arrays = ParseBoundedJson(NestedArrays(kMaxJsonDepth));
  ASSERT_TRUE(arrays.ok()) << arrays.status().ToString();
  EXPECT_TRUE(arrays->is_array());
  auto objects = ParseBoundedJson(NestedObjects(kMaxJsonDepth));
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  EXPECT_TRUE(objects->is_object());
  EXPECT_TRUE(CheckJsonDepth(*arrays).ok());
  EXPECT_TRUE(CheckJsonDepth(*objects).ok());
}

TEST(JsonLimitsTest, RefusesOneLevelMore) {
  ExpectTooDeep(ParseBoundedJson(NestedArrays(kMaxJsonDepth + 1)), kMaxJsonDepth);
  ExpectTooDeep(ParseBoundedJson(NestedObjects(kMaxJsonDepth + 1)), kMaxJsonDepth);
  ExpectTooDeep(ParseBoundedJson("[{\"a\":" + NestedArrays(kMaxJsonDepth - 1) + "}]"), kMaxJsonDepth);
}

TEST(JsonLimitsTest, RefusesTheCrashingBodyWithoutBuildingIt) {
  // The issue's repro: 70,000 nested arrays made dump() overflow the stack.
  ExpectTooDeep(ParseBoundedJson("{\"image_url\":" + NestedArrays(70'000) + "}"), kMaxJsonDepth);
}

TEST(JsonLimitsTest, CountsOnlyOpenLevels) {
  // Many siblings are not depth: 10,000 arrays side by side are depth 2.
  std::string wide = "[";
  for (int i = 0; i < 10'000; ++i) wide += i == 0 ? "[]" : ",[]";
  wide += "]";
  auto parsed = ParseBoundedJson(wide, 2);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 10'000u);
  EXPECT_TRUE(ParseBoundedJson("1", 0).ok());
  ExpectTooDeep(ParseBoundedJson("[]", 0), 0);
}

TEST(JsonLimitsTest, BracketsInsideStringsDoNotCount) {
  const std::string brackets = std::string(1000, '[') + std::string(1000, '{');
  auto parsed = ParseBoundedJson("{\"k\":\"" + brackets + "\"}", 1);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["k"], brackets);
}

TEST(JsonLimitsTest, EscapedQuotesDoNotEndTheString) {
  // "a\"[[[" is one string: its brackets do not count.
  auto escaped_quote = ParseBoundedJson(R"(["a\"[[[[", 1])", 1);
  ASSERT_TRUE(escaped_quote.ok()) << escaped_quote.status().ToString();
  EXPECT_EQ((*escaped_quote)[0], "a\"[[[[");
  // "a\\" ends at the quote after the escaped backslash: the brackets after it count.
  auto escaped_backslash = ParseBoundedJson(R"(["a\\", [[1]]])", 2);
  ExpectTooDeep(escaped_backslash, 2);
  EXPECT_TRUE(ParseBoundedJson(R"(["a\\", [[1]]])", 3).ok());
  // A quote smuggled as \u0022 is an escape too.
  EXPECT_TRUE(ParseBoundedJson(R"(["\u0022[[[["])", 1).ok());
}

TEST(JsonLimitsTest, MalformedTextIsDiscardedNotAnError) {
  for (const char* text : {"", "{", "[1,]", "{\"a\" 1}", "]]]][[", "\"unterminated"}) {
    auto parsed = ParseBoundedJson(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_TRUE(parsed->is_discarded()) << text;
  }
}

TEST(JsonLimitsTest, CheckJsonDepthOfBuiltValues) {
  nlohmann::json value = 1;
  for (int i = 0; i < kMaxJsonDepth; ++i) value = nlohmann::json::array({value});
  EXPECT_TRUE(CheckJsonDepth(value).ok());
  nlohmann::json deeper = {{"meta", value}};
  const Status too_deep = CheckJsonDepth(deeper);
  EXPECT_EQ(too_deep.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_deep.message(), JsonTooDeepMessage(kMaxJsonDepth));
  EXPECT_TRUE(CheckJsonDepth(deeper, kMaxStoredJsonDepth).ok());
  EXPECT_TRUE(CheckJsonDepth(nlohmann::json("scalar"), 0).ok());
  EXPECT_FALSE(CheckJsonDepth(nlohmann::json::object(), 0).ok());
}

}  // namespace
}  // namespace iris
