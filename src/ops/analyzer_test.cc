// RunTasks: the reply's size bound (analysis.max_response_bytes) and the crop bound's place in the
// result cache key, with model-free operations on a synthetic image and a real SQLite cache.
#include "ops/analyzer.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "store/database.h"
#include "store/result_cache.h"
#include "support/temp_dir.h"

namespace iris::ops {
namespace {

std::shared_ptr<const RgbImage> Checkerboard(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint8_t v = ((x / 8 + y / 8) % 2) ? 230 : 20;
      std::uint8_t* p = image.row(y) + 3 * static_cast<std::size_t>(x);
      p[0] = v;
      p[1] = static_cast<std::uint8_t>(255 - v);
      p[2] = 90;
    }
  }
  return std::make_shared<const RgbImage>(std::move(image));
}

std::vector<AnalysisTask> HashTasks(int n) {
  std::vector<AnalysisTask> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back({"task" + std::to_string(i), "image_hash", nlohmann::json::object()});
  return tasks;
}

// Results larger than a "left out" error: 16 named colours each.
std::vector<AnalysisTask> ColourTasks(int n) {
  std::vector<AnalysisTask> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back({"task" + std::to_string(i), "dominant_colors", {{"k", 16}}});
  return tasks;
}

std::shared_ptr<const RgbImage> Gradient(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.row(y) + 3 * static_cast<std::size_t>(x);
      p[0] = static_cast<std::uint8_t>(x * 255 / width);
      p[1] = static_cast<std::uint8_t>(y * 255 / height);
      p[2] = static_cast<std::uint8_t>((x + y) * 255 / (width + height));
    }
  }
  return std::make_shared<const RgbImage>(std::move(image));
}

TEST(RunTasksTest, ResultsPastMaxResponseBytesBecomeErrors) {
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  AnalysisServices services;
  auto image = Gradient(64, 48);
  AnalysisContext unbounded_ctx(services, image, "sha");
  const TaskRun unbounded = RunTasks(registry, unbounded_ctx, ColourTasks(4));
  for (const auto& [id, result] : unbounded.results.items()) ASSERT_EQ(result["status"], "success") << id;
  services.analysis.max_response_bytes = 1;  // nothing fits: every task is left out
  AnalysisContext tiny_ctx(services, image, "sha");
  const TaskRun all_left_out = RunTasks(registry, tiny_ctx, ColourTasks(4));
  for (const auto& [id, result] : all_left_out.results.items()) ASSERT_EQ(result["status"], "error") << id;
  const std::size_t success = unbounded.results["task0"].dump().size();
  const std::size_t error = all_left_out.results["task0"].dump().size();
  ASSERT_GT(success, error + 32);

  // Room for two results and two errors (plus a little for the digits of the limit in the message).
  const std::size_t budget = 2 + 4 * (nlohmann::json("task0").dump().size() + 1) + 3 + 2 * success + 2 * error + 16;
  services.analysis.max_response_bytes = static_cast<std::int64_t>(budget);
  AnalysisContext ctx(services, image, "sha");
  const TaskRun bounded = RunTasks(registry, ctx, ColourTasks(4));
  EXPECT_LE(bounded.results.dump().size(), budget);
  ASSERT_EQ(bounded.results.size(), 4u);
  EXPECT_EQ(bounded.results["task0"], unbounded.results["task0"]);
  EXPECT_EQ(bounded.results["task1"], unbounded.results["task1"]);
  for (const char* id : {"task2", "task3"}) {
    EXPECT_EQ(bounded.results[id]["status"], "error") << id;
    EXPECT_NE(bounded.results[id]["error_message"].get<std::string>().find("analysis.max_response_bytes"),
              std::string::npos);
  }
  EXPECT_EQ(bounded.timings[1].outcome, "success");
  EXPECT_EQ(bounded.timings[3].outcome, "error");
}

TEST(RunTasksTest, TheCropBoundIsPartOfTheCacheKey) {
  iris::testing::TempDir dir;
  auto db = Database::Open(dir.path() / "iris.db");
  ASSERT_TRUE(db.ok());
  ResultCache cache(**db);
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  AnalysisServices services;
  services.cache = &cache;
  auto image = Checkerboard(64, 48);
  for (int round = 0; round < 2; ++round) {
    AnalysisContext ctx(services, image, "content");
    RunTasks(registry, ctx, HashTasks(1));
  }
  EXPECT_EQ(cache.hits(), 1u);
  // Results cached with another crop bound (their crops may be larger) are not served.
  services.analysis.max_crop_side = 512;
  AnalysisContext ctx(services, image, "content");
  RunTasks(registry, ctx, HashTasks(1));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

}  // namespace
}  // namespace iris::ops
