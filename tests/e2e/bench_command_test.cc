// `iris bench` keeps working: a short run with the tiny CLIP stand-in must start its own server,
// drive it over HTTP without failures, report the server's memory and time the bare model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "e2e_http.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

TEST(BenchCommandTest, EmbedBenchRunsEndToEndAndWritesJson) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "images");
  std::filesystem::copy_file(RequireShared("data/debian-photos/images/coffee.jpg"), dir.path() / "images/coffee.jpg");
  const auto json_path = dir.path() / "bench.json";
  auto run = RunCommand(IrisBinary() + " bench embed --model " + RequireShared("models/clip-standin-tiny").string() +
                        " --images " + (dir.path() / "images").string() +
                        " --concurrency 2 --duration 1 --warmup 0 --latency-requests 3 --iterations 2 --json " +
                        json_path.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::ifstream in(json_path);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.output;
  EXPECT_GT(report["throughput"]["requests"].get<int>(), 0);
  EXPECT_EQ(report["throughput"]["failures"].get<int>(), 0) << run.output;
  EXPECT_EQ(report["latency"]["requests"].get<int>(), 3);
  EXPECT_GT(report["server_peak_rss_mb"].get<double>(), 10.0);
  EXPECT_GT(report["bare_model"]["batch_8"]["images_per_s"].get<double>(), 0.0);
  EXPECT_TRUE(report.contains("throughput_vs_bare_batch8"));
}

TEST(BenchCommandTest, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(RunCommand(IrisBinary() + " bench embed --images /nonexistent-dir --model x").exit_code, 2);
  EXPECT_EQ(RunCommand(IrisBinary() + " bench").exit_code, 2);
}

}  // namespace
}  // namespace iris::testing
