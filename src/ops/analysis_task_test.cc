#include "ops/analysis_task.h"

#include <gtest/gtest.h>

namespace iris::ops {
namespace {

TEST(ParseTasksTest, AcceptsTheSeedShapeAndDefaultsParams) {
  auto tasks =
      ParseTasksJson(R"([{"operation_id": "a", "type": "detect_bounding_box", "params": {"target": "prominent_face"}},
                                  {"operation_id": "b", "type": "image_hash"},
                                  {"operation_id": "c", "type": "image_hash", "params": null}])");
  ASSERT_TRUE(tasks.ok()) << tasks.status().message();
  ASSERT_EQ(tasks->size(), 3u);
  EXPECT_EQ((*tasks)[0].params["target"], "prominent_face");
  EXPECT_TRUE((*tasks)[1].params.is_object());
  EXPECT_TRUE((*tasks)[1].params.empty());
  EXPECT_TRUE((*tasks)[2].params.is_object());
}

// The seed accepts an empty list and answers with empty results.
TEST(ParseTasksTest, AnEmptyListIsNoTasks) {
  auto tasks = ParseTasksJson("[]");
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  EXPECT_TRUE(tasks->empty());
}

TEST(ParseTasksTest, RefusesMalformedListsNamingTheTask) {
  struct Case {
    const char* json;
    const char* fragment;
  };
  for (const auto& c : {Case{"{}", "must be an array"}, Case{"[1]", "tasks[0] must be an object"},
                        Case{R"([{"type": "x"}])", "tasks[0].operation_id"},
                        Case{R"([{"operation_id": "", "type": "x"}])", "tasks[0].operation_id"},
                        Case{R"([{"operation_id": 5, "type": "x"}])", "tasks[0].operation_id"},
                        Case{R"([{"operation_id": "a"}])", "tasks[0].type"},
                        Case{R"([{"operation_id": "a", "type": "x", "params": "p"}])", "params must be an object"},
                        Case{R"([{"operation_id": "a", "type": "x"}, {"operation_id": "a", "type": "y"}])",
                             "duplicate operation_id 'a' (tasks[1])"},
                        Case{"[{", "not valid JSON"}}) {
    auto tasks = ParseTasksJson(c.json);
    ASSERT_FALSE(tasks.ok()) << c.json;
    EXPECT_EQ(tasks.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(tasks.status().message().find(c.fragment), std::string::npos) << tasks.status().message();
  }
}

TEST(ParseTasksTest, RefusesTasksJsonNestedTooDeep) {
  const std::string deep = R"([{"operation_id": "a", "type": "x", "params": {"p": )" + std::string(70'000, '[') +
                           std::string(70'000, ']') + "}}]";
  auto tasks = ParseTasksJson(deep);
  ASSERT_FALSE(tasks.ok());
  EXPECT_EQ(tasks.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tasks.status().message(), "tasks_json: JSON nested deeper than 64 levels");
}

TEST(ParseTasksTest, BoundsTheListAndTheIds) {
  nlohmann::json many = nlohmann::json::array();
  for (std::size_t i = 0; i <= kMaxTasks; ++i) many.push_back({{"operation_id", std::to_string(i)}, {"type", "x"}});
  EXPECT_FALSE(ParseTasks(many).ok());
  many.erase(many.begin());
  EXPECT_TRUE(ParseTasks(many).ok());
  nlohmann::json long_id = {{{"operation_id", std::string(kMaxOperationIdBytes + 1, 'x')}, {"type", "x"}}};
  EXPECT_FALSE(ParseTasks(long_id).ok());
}

}  // namespace
}  // namespace iris::ops
