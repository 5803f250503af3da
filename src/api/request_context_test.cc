#include "api/request_context.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace iris::api {
namespace {

TEST(RequestContext, ValidatesClientRequestIds) {
  EXPECT_TRUE(IsValidRequestId("abc-DEF_1.2"));
  EXPECT_TRUE(IsValidRequestId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("a b"));
  EXPECT_FALSE(IsValidRequestId("a\r\nX-Evil: 1"));
}

TEST(RequestContext, GeneratesDistinctHexIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    auto id = NewRequestId();
    ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{16}"))) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RequestContext, StagesAccumulateByName) {
  RequestContext ctx;
  ctx.AddStageTime("decode", 1.5);
  ctx.AddStageTime("inference", 10);
  ctx.AddStageTime("decode", 2);
  { ScopedStage stage(ctx, "index"); }
  auto stages = ctx.StagesJson();
  EXPECT_DOUBLE_EQ(stages["decode"].get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(stages["inference"].get<double>(), 10);
  EXPECT_TRUE(stages.contains("index"));
}

}  // namespace
}  // namespace iris::api
