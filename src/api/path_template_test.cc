#include "api/path_template.h"

#include <gtest/gtest.h>

#include <regex>

namespace iris::api {
namespace {

TEST(PathTemplate, CompilesParametersToSegmentGroups) {
  auto t = PathTemplate::Parse("/tasks/{task_id}/results/{n}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->param_names(), (std::vector<std::string>{"task_id", "n"}));
  std::smatch m;
  std::string path = "/tasks/abc-1/results/7";
  ASSERT_TRUE(std::regex_match(path, m, std::regex(t->regex())));
  EXPECT_EQ(m[1].str(), "abc-1");
  EXPECT_EQ(m[2].str(), "7");
  EXPECT_FALSE(std::regex_match(std::string("/tasks/a/b/results/7"), std::regex(t->regex())));
  EXPECT_FALSE(std::regex_match(std::string("/tasks//results/7"), std::regex(t->regex())));
}

TEST(PathTemplate, EscapesRegexCharactersInLiterals) {
  auto t = PathTemplate::Parse("/openapi.json");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(std::regex_match(std::string("/openapi.json"), std::regex(t->regex())));
  EXPECT_FALSE(std::regex_match(std::string("/openapiXjson"), std::regex(t->regex())));
}

// FastAPI (the seeds) answers both forms; so does every Iris route.
TEST(PathTemplate, ATrailingSlashIsOptional) {
  auto count = PathTemplate::Parse("/embeddings/count");
  ASSERT_TRUE(count.ok());
  EXPECT_TRUE(std::regex_match(std::string("/embeddings/count"), std::regex(count->regex())));
  EXPECT_TRUE(std::regex_match(std::string("/embeddings/count/"), std::regex(count->regex())));
  EXPECT_FALSE(std::regex_match(std::string("/embeddings/count//"), std::regex(count->regex())));
  auto seed = PathTemplate::Parse("/analyze_image/");
  ASSERT_TRUE(seed.ok());
  EXPECT_TRUE(std::regex_match(std::string("/analyze_image/"), std::regex(seed->regex())));
  EXPECT_TRUE(std::regex_match(std::string("/analyze_image"), std::regex(seed->regex())));
  auto check = PathTemplate::Parse("/embeddings/check/{id}");
  ASSERT_TRUE(check.ok());
  std::smatch m;
  std::string path = "/embeddings/check/sku-1/";
  ASSERT_TRUE(std::regex_match(path, m, std::regex(check->regex())));
  EXPECT_EQ(m[1].str(), "sku-1");
  auto root = PathTemplate::Parse("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(std::regex_match(std::string("/"), std::regex(root->regex())));
}

TEST(PathTemplate, RejectsMalformedTemplates) {
  EXPECT_FALSE(PathTemplate::Parse("tasks").ok());
  EXPECT_FALSE(PathTemplate::Parse("/tasks/{id").ok());
  EXPECT_FALSE(PathTemplate::Parse("/tasks/{}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/tasks/{a-b}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/a/{x}/b/{x}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/a}").ok());
}

}  // namespace
}  // namespace iris::api
