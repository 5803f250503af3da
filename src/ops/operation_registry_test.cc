// The registry's task pipeline (lookup, argument checks, caching, errors) on real photos, with the
// operations that need no model (image_hash, image_quality, dominant_colors) and a real SQLite
// result cache. The model-backed operations are covered end to end in tests/e2e/analysis_test.cc.
#include "ops/operation_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "image/test_images.h"
#include "models/embedded_catalog.h"
#include "ops/analyzer.h"
#include "store/database.h"
#include "store/result_cache.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::ops {
namespace {

std::shared_ptr<const RgbImage> Photo() {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const std::string bytes =
      iris::testing::ReadFileBytes(iris::testing::RequireShared("data/faces-identity/images/obama_2.jpg"));
  return std::make_shared<const RgbImage>(
      iris::testing::ToRgbImage(vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "")));
}

TEST(OperationRegistryTest, DescribesEveryOperationOnce) {
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  auto d = registry.Describe()["operations"];
  EXPECT_EQ(d.size(), registry.operations().size());
  EXPECT_EQ(d.size(), 13u);
  for (const auto& op : registry.operations()) {
    EXPECT_TRUE(d.contains(op.type));
    EXPECT_FALSE(op.allowed_targets.empty()) << op.type;
    EXPECT_NE(std::find(op.allowed_targets.begin(), op.allowed_targets.end(), op.default_target),
              op.allowed_targets.end())
        << op.type << ": the default target must be allowed";
  }
  EXPECT_EQ(d["embed_clip_vit_b_32"]["parameters"]["model"]["default"], "clip-vit-b-32");
}

TEST(OperationRegistryTest, TheDetectorParameterAllowsTheCatalogsFaceDetectors) {
  const std::vector<std::string> today = {"yunet", "ultraface-rfb-320", "ultraface-rfb-640"};
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  auto d = registry.Describe()["operations"];
  EXPECT_EQ(d["detect_faces"]["parameters"]["detector"]["allowed"], today);
  EXPECT_EQ(d["embed_face"]["parameters"]["detector"]["allowed"], today);

  // Another catalog, without the UltraFace models: only YuNet is allowed.
  auto json = nlohmann::json::parse(models::EmbeddedCatalogJson());
  auto& entries = json["models"];
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const nlohmann::json& m) { return m["family"] == "ultraface"; }),
                entries.end());
  auto catalog = models::ModelCatalog::Parse(json.dump());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  OperationRegistry smaller(AnalysisConfig{}, "clip-vit-b-32", *catalog);
  EXPECT_EQ(smaller.Describe()["operations"]["detect_bounding_box"]["parameters"]["detector"]["allowed"],
            std::vector<std::string>{"yunet"});
  AnalysisServices services;
  AnalysisContext ctx(services, Photo(), "sha");
  auto refused = smaller.Run(ctx, {"f", "detect_faces", {{"detector", "ultraface-rfb-320"}}});
  EXPECT_EQ(refused.ToJson()["status"], "error");
  EXPECT_NE(refused.error_message.value_or("").find("allowed: yunet"), std::string::npos)
      << refused.error_message.value_or("");
}

TEST(OperationRegistryTest, RunsTasksInOrderAndReportsFailuresPerTask) {
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  AnalysisServices services;  // no models, no cache
  AnalysisContext ctx(services, Photo(), "sha");
  auto run = RunTasks(registry, ctx,
                      {{"z", "image_hash", nlohmann::json::object()},
                       {"a", "teleport", nlohmann::json::object()},
                       {"q", "image_quality", nlohmann::json::object()},
                       {"k", "dominant_colors", {{"k", 0}}},
                       {"det", "detect_bounding_box", nlohmann::json::object()}});
  std::vector<std::string> order;
  for (auto& [id, _] : run.results.items()) order.push_back(id);
  EXPECT_EQ(order, (std::vector<std::string>{"z", "a", "q", "k", "det"})) << "results keep the task order";
  EXPECT_EQ(run.results["z"]["status"], "success");
  EXPECT_EQ(run.results["z"]["data"]["phash"].get<std::string>().size(), 16u);
  EXPECT_EQ(run.results["a"]["status"], "error");
  EXPECT_EQ(run.results["q"]["status"], "success");
  EXPECT_EQ(run.results["k"]["status"], "error");
  EXPECT_EQ(run.results["det"]["status"], "error") << "no model registry here";
  ASSERT_EQ(run.timings.size(), 5u);
  EXPECT_EQ(run.timings[1].outcome, "error");
}

TEST(OperationRegistryTest, CachesSuccessfulResultsByContentAndArguments) {
  iris::testing::TempDir dir;
  auto db = Database::Open(dir.path() / "iris.db");
  ASSERT_TRUE(db.ok());
  ResultCache cache(**db);
  OperationRegistry registry(AnalysisConfig{}, "clip-vit-b-32");
  AnalysisServices services;
  services.cache = &cache;
  auto photo = Photo();
  AnalysisContext first(services, photo, "content-1");
  auto a = registry.Run(first, {"x", "dominant_colors", {{"k", 3}}});
  EXPECT_EQ(cache.hits(), 0u);
  AnalysisContext second(services, photo, "content-1");
  auto b = registry.Run(second, {"y", "dominant_colors", {{"k", 3}}});
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(a.ToJson(), b.ToJson());
  // Other arguments, other content: computed again.
  registry.Run(second, {"y", "dominant_colors", {{"k", 4}}});
  AnalysisContext other(services, photo, "content-2");
  registry.Run(other, {"y", "dominant_colors", {{"k", 3}}});
  EXPECT_EQ(cache.hits(), 1u);
  // Failures are not cached.
  registry.Run(second, {"e", "detect_bounding_box", nlohmann::json::object()});
  registry.Run(second, {"e", "detect_bounding_box", nlohmann::json::object()});
  EXPECT_EQ(cache.hits(), 1u);
  // With caching switched off nothing is looked up.
  services.analysis.cache_results = 0;
  registry.Run(second, {"y", "dominant_colors", {{"k", 3}}});
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(MostProminentTest, PrefersAreaTimesScore) {
  Detection small_sure{0, 0, 10, 10, 0.99f, 0, "person", {}};
  Detection large_unsure{0, 0, 30, 30, 0.5f, 0, "person", {}};
  Detection medium{0, 0, 20, 20, 0.9f, 0, "person", {}};
  auto best = MostProminent({small_sure, large_unsure, medium});
  ASSERT_TRUE(best);
  EXPECT_EQ(best->x1, 30);  // 900 * 0.5 = 450 > 400 * 0.9 = 360 > 100 * 0.99
  EXPECT_FALSE(MostProminent({}));
}

}  // namespace
}  // namespace iris::ops
