#include "ops/operation.h"

#include <gtest/gtest.h>

#include "ops/operation_result.h"

namespace iris::ops {
namespace {

Operation Sample() {
  Operation op;
  op.type = "sample";
  op.allowed_targets = {"whole_image", "prominent_face"};
  op.default_target = "whole_image";
  op.params = {{"k", "integer", 5, "colours", {}, 1.0, 16.0},
               {"mode", "string", "fast", "how", {"fast", "slow"}},
               {"flag", "boolean", false, "a switch"},
               {"id", "string|integer", nullptr, "an id", {}, std::nullopt, std::nullopt, true}};
  return op;
}

TEST(ResolveArgumentsTest, FillsDefaultsAndKeepsGivenValues) {
  auto args = ResolveArguments(Sample(), {{"id", 7}, {"mode", "slow"}, {"unknown", "ignored"}});
  ASSERT_TRUE(args.ok()) << args.status().message();
  EXPECT_EQ((*args)["target"], "whole_image");
  EXPECT_EQ((*args)["k"], 5);
  EXPECT_EQ((*args)["mode"], "slow");
  EXPECT_EQ((*args)["flag"], false);
  EXPECT_EQ((*args)["id"], 7);
  EXPECT_FALSE(args->contains("unknown"));
  // A whole number written as 3.0 is an integer.
  args = ResolveArguments(Sample(), {{"id", "x"}, {"k", 3.0}});
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE((*args)["k"].is_number_integer());
}

TEST(ResolveArgumentsTest, RefusesBadValuesNamingTheParameter) {
  struct Case {
    nlohmann::json params;
    const char* fragment;
  };
  for (const auto& c : {Case{nlohmann::json::object(), "'id' is required"},
                        Case{{{"id", 1}, {"k", "five"}}, "'k' must be of type integer"},
                        Case{{{"id", 1}, {"k", 2.5}}, "'k' must be of type integer"},
                        Case{{{"id", 1}, {"k", 17}}, "'k' must be within [1.0, 16.0]"},
                        Case{{{"id", 1}, {"mode", "medium"}}, "invalid mode 'medium' for sample; allowed: fast, slow"},
                        Case{{{"id", 1}, {"target", "prominent_person"}}, "allowed: whole_image, prominent_face"},
                        Case{{{"id", true}}, "'id' must be of type string|integer"},
                        Case{{{"id", 1}, {"flag", "yes"}}, "'flag' must be of type boolean"}}) {
    auto args = ResolveArguments(Sample(), c.params);
    ASSERT_FALSE(args.ok()) << c.params;
    EXPECT_NE(args.status().message().find(c.fragment), std::string::npos) << args.status().message();
  }
}

TEST(DescribeOperationTest, PublishesTargetsAndParameters) {
  auto d = DescribeOperation(Sample());
  EXPECT_EQ(d["allowed_targets"], nlohmann::json({"whole_image", "prominent_face"}));
  EXPECT_EQ(d["default_target"], "whole_image");
  EXPECT_EQ(d["parameters"]["target"]["default"], "whole_image");
  EXPECT_EQ(d["parameters"]["k"]["maximum"], 16.0);
  EXPECT_EQ(d["parameters"]["mode"]["allowed"], nlohmann::json({"fast", "slow"}));
  EXPECT_EQ(d["parameters"]["id"]["required"], true);
}

TEST(OperationResultTest, JsonRoundTripHasTheSeedFields) {
  OperationResult r = OperationResult::Success({1, 2, 3});
  r.cropped_bbox = std::array<int, 4>{1, 2, 3, 4};
  r.cropped_base64 = "iVBOR";
  auto j = r.ToJson();
  for (const char* key : {"status", "data", "cropped_image_bbox", "cropped_image_base64", "error_message"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["status"], "success");
  EXPECT_TRUE(j["error_message"].is_null());
  auto back = OperationResult::FromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), j);
  EXPECT_EQ(OperationResult::Skipped("no face").ToJson()["status"], "skipped");
  EXPECT_FALSE(OperationResult::FromJson({{"status", "maybe"}}).ok());
}

}  // namespace
}  // namespace iris::ops
