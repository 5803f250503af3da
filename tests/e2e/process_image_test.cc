// End-to-end: POST /process-image on the real `iris serve` with the real YOLOX-Nano, YuNet and ISNet
// models from ../shared/models and real COCO photos: matches, no match, the cache and single flight
// (through /metrics), and one JSON error per class of bad input.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "e2e_http.h"
#include "support/coco_tiny.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

std::string CocoPhoto(const std::string& file) { return ReadFileBytes(RequireShared("data/coco-tiny/images/" + file)); }

double BoxIoU(const nlohmann::json& box, const CocoInstance& truth) {
  const double x0 = box[0].get<double>(), y0 = box[1].get<double>();
  const double x1 = x0 + box[2].get<double>(), y1 = y0 + box[3].get<double>();
  const double ix = std::max(0.0, std::min(x1, truth.x + truth.w) - std::max(x0, truth.x));
  const double iy = std::max(0.0, std::min(y1, truth.y + truth.h) - std::max(y0, truth.y));
  const double inter = ix * iy;
  return inter / ((x1 - x0) * (y1 - y0) + truth.w * truth.h - inter);
}

double BestIoU(const nlohmann::json& box, const std::string& file, const std::string& category) {
  double best = 0;
  for (const auto& image : CocoTinyImages()) {
    if (image.file != file) continue;
    for (const auto& instance : image.instances) {
      if (instance.category == category) best = std::max(best, BoxIoU(box, instance));
    }
  }
  return best;
}

class ProcessImageE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServerProcess::Start(
                  ServeWith({"--models-dir", ModelsDirWith("yolox-nano yunet isnet-general-small-int8").string(),
                             "--foreground-model", "isnet-general-small-int8"}))
                  .release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static httplib::Result Post(const std::string& query, const std::string& bytes,
                              httplib::MultipartFormDataItems extra = {}) {
    httplib::MultipartFormDataItems items = extra;
    if (!bytes.empty()) items.push_back({"file", bytes, "photo.jpg", "image/jpeg"});
    return server_->Client()->Post("/process-image" + query, items);
  }

  static nlohmann::json Ok(const httplib::Result& res) {
    if (!res) throw std::runtime_error("no reply");
    if (res->status != 200) throw std::runtime_error("status " + std::to_string(res->status) + ": " + res->body);
    return ParseJson(res->body);
  }

  static ServerProcess* server_;
};
ServerProcess* ProcessImageE2eTest::server_ = nullptr;

TEST_F(ProcessImageE2eTest, MatchesThePromptedObjectOnARealPhoto) {
  const std::string file = "000000554625.jpg";
  const nlohmann::json reply = Ok(Post("?prompt=the%20person&debug=true", CocoPhoto(file)));
  ASSERT_FALSE(reply["match"].is_null()) << reply.dump();
  EXPECT_EQ(reply["match"]["type"], "person");
  EXPECT_GE(BestIoU(reply["match"]["bbox"], file, "person"), 0.5) << reply.dump();
  EXPECT_GT(reply["match"]["score"].get<double>(), 0.3);
  EXPECT_FALSE(reply["filtered_section_ids"].empty());
  EXPECT_TRUE(reply["children_count"].is_number_integer());
  EXPECT_FALSE(reply.contains("mask_result"));
  ASSERT_TRUE(reply["debug"].is_array());
  std::vector<std::string> stages;
  for (const auto& stage : reply["debug"]) stages.push_back(stage["stage"]);
  EXPECT_EQ(stages, (std::vector<std::string>{"sections", "normalise", "filter", "match"}));
  EXPECT_EQ(reply["debug"][1]["prompt"]["objects"], nlohmann::json({"person"}));

  // The same photo again, parameters as form fields this time: the sections come from the cache.
  const nlohmann::json again = Ok(Post(
      "", CocoPhoto(file), {{"prompt", "the man", "", ""}, {"debug", "1", "", ""}, {"include_mask", "true", "", ""}}));
  EXPECT_EQ(again["match"]["id"], reply["match"]["id"]);
  EXPECT_EQ(again["debug"][0]["cache_hit"], true);
  const auto& sections = again["mask_result"]["sections"];
  ASSERT_GE(sections.size(), 3u);
  EXPECT_EQ(sections[0]["id"], "s0");
  EXPECT_TRUE(sections[0]["parent"].is_null());
  EXPECT_EQ(sections[1]["label"], "foreground");  // ISNet
  EXPECT_TRUE(sections[1]["mask"]["counts"].is_string());
  EXPECT_EQ(sections[1]["mask"]["size"],
            nlohmann::json({again["mask_result"]["height"], again["mask_result"]["width"]}));
}

TEST_F(ProcessImageE2eTest, NoMatchIsAnEmptyAnswer) {
  const nlohmann::json reply = Ok(Post("?prompt=the%20giraffe", CocoPhoto("000000554625.jpg")));
  EXPECT_EQ(reply["filtered_section_ids"], nlohmann::json::array());
  EXPECT_TRUE(reply["match"].is_null());
  EXPECT_EQ(reply["children_count"], 0);
}

TEST_F(ProcessImageE2eTest, ConcurrentIdenticalRequestsComputeTheSectionsOnce) {
  auto metrics = [] { return server_->Client()->Get("/metrics")->body; };
  const double misses_before = MetricValue(metrics(), "iris_cache_misses_total").value_or(0);
  const std::string photo = CocoPhoto("000000391895.jpg");
  std::vector<std::thread> threads;
  std::vector<int> statuses(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto res = Post("?prompt=the%20motorcycle", photo);
      statuses[static_cast<std::size_t>(i)] = res ? res->status : -1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(statuses, std::vector<int>(8, 200));
  EXPECT_EQ(MetricValue(metrics(), "iris_cache_misses_total").value_or(0) - misses_before, 1);
}

TEST_F(ProcessImageE2eTest, BadInputIsAJsonError) {
  const std::string photo = CocoPhoto("000000554625.jpg");
  const auto expect_error = [](const httplib::Result& res, int status, const std::string& words) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const auto body = ParseJson(res->body);
    ASSERT_TRUE(body.contains("detail")) << res->body;
    EXPECT_NE(body["detail"].get<std::string>().find(words), std::string::npos) << res->body;
  };
  expect_error(Post("", "", {{"prompt", "the person", "", ""}}), 422, "image");              // no file
  expect_error(Post("?prompt=%20%20", photo), 422, "prompt");                                // empty prompt
  expect_error(Post("", photo), 422, "prompt");                                              // no prompt at all
  expect_error(Post("", photo, {{"prompt", std::string(1001, 'a'), "", ""}}), 422, "1000");  // too long
  expect_error(Post("?prompt=cat", "this is not an image"), 415, "");                        // not an image
  expect_error(Post("?prompt=cat&debug=maybe", photo), 422, "debug");                        // not a boolean
}

}  // namespace
}  // namespace iris::testing
