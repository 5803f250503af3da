// ClipModel and ModelRegistry against the real stand-in exports in ../shared/models:
// clip-standin-colors has known answers (it "sees" colours), clip-standin-tiny checks the contract.
#include "vision/clip_model.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "vision/embedding_math.h"
#include "vision/model_registry.h"

namespace iris {
namespace {

using iris::testing::RequireShared;

RgbImage SolidImage(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (std::size_t i = 0; i < img.pixels.size(); i += 3) {
    img.pixels[i] = r;
    img.pixels[i + 1] = g;
    img.pixels[i + 2] = b;
  }
  return img;
}

Config LocalModelsConfig() {
  Config c;
  c.models.local = {"colors=" + RequireShared("models/clip-standin-colors").string(),
                    "tiny=" + RequireShared("models/clip-standin-tiny").string()};
  c.runtime.max_queue_delay_us = 20000;
  return c;
}

TEST(ClipModelTest, ColoursStandInPicksTheRightPrompt) {
  ModelRegistry registry(LocalModelsConfig(), nullptr);
  auto model = registry.Clip("colors");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE((*model)->has_text());
  const std::vector<std::string> prompts = {"a red dress", "a blue dress", "a photo"};
  auto texts = (*model)->EmbedTexts(prompts, true);
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();

  struct Case {
    RgbImage image;
    std::size_t expected;
  };
  std::vector<Case> cases = {{SolidImage(300, 200, 220, 20, 30), 0}, {SolidImage(200, 300, 20, 40, 210), 1}};
  for (const auto& c : cases) {
    auto emb = (*model)->EmbedImage(c.image, true);
    ASSERT_TRUE(emb.ok()) << emb.status().ToString();
    std::vector<float> scores;
    for (const auto& t : *texts) scores.push_back(Dot(*emb, t));
    auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    EXPECT_EQ(static_cast<std::size_t>(best), c.expected) << scores[0] << " " << scores[1] << " " << scores[2];
  }
}

TEST(ClipModelTest, EmbeddingsAreNormalisedOnRequestAndRawOtherwise) {
  ModelRegistry registry(LocalModelsConfig(), nullptr);
  auto model = registry.Clip("tiny");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->dim(), 512);
  auto img = SolidImage(320, 240, 10, 200, 90);
  auto raw = (*model)->EmbedImage(img, false);
  auto unit = (*model)->EmbedImage(img, true);
  ASSERT_TRUE(raw.ok() && unit.ok());
  EXPECT_NEAR(Dot(*unit, *unit), 1.0f, 1e-4);
  EXPECT_GT(std::abs(Dot(*raw, *raw) - 1.0f), 1e-3) << "raw stand-in embeddings are not unit length";
  EXPECT_NEAR(CosineSimilarity(*raw, *unit), 1.0f, 1e-5);
}

TEST(ClipModelTest, BatchedAndConcurrentResultsEqualSingleRuns) {
  ModelRegistry registry(LocalModelsConfig(), nullptr);
  auto model = registry.Clip("tiny");
  ASSERT_TRUE(model.ok());
  std::vector<RgbImage> images;
  for (int i = 0; i < 6; ++i) images.push_back(SolidImage(200 + 13 * i, 180 + 7 * i, 30 * i, 255 - 30 * i, 17 * i));
  std::vector<Embedding> alone;
  for (const auto& img : images) alone.push_back(*(*model)->EmbedImage(img, true));

  std::vector<const RgbImage*> ptrs;
  for (const auto& img : images) ptrs.push_back(&img);
  auto together = (*model)->EmbedImages(ptrs, true);
  ASSERT_TRUE(together.ok());
  std::vector<std::future<Result<Embedding>>> concurrent;
  for (const auto& img : images) {
    concurrent.push_back(std::async(std::launch::async, [&] { return (*model)->EmbedImage(img, true); }));
  }
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto c = concurrent[i].get();
    ASSERT_TRUE(c.ok());
    for (std::size_t k = 0; k < alone[i].size(); ++k) {
      ASSERT_NEAR(alone[i][k], (*together)[i][k], 1e-4);
      ASSERT_NEAR(alone[i][k], (*c)[k], 1e-4);
    }
  }
  EXPECT_LT((*model)->stats().batches, (*model)->stats().items);
}

TEST(ClipModelTest, DeterministicText) {
  ModelRegistry registry(LocalModelsConfig(), nullptr);
  auto model = registry.Clip("tiny");
  ASSERT_TRUE(model.ok());
  const std::vector<std::string> one = {"a photo of a cat"};
  const std::vector<std::string> mixed = {"a photo of a cat", "a much longer prompt about a dog on a beach"};
  auto a = (*model)->EmbedTexts(one, true);
  auto b = (*model)->EmbedTexts(mixed, true);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t k = 0; k < (*a)[0].size(); ++k) ASSERT_NEAR((*a)[0][k], (*b)[0][k], 1e-4);
  EXPECT_LT(Dot((*b)[0], (*b)[1]), 0.9999f);
}

TEST(ModelRegistryTest, MissingCatalogModelSaysHowToInstall) {
  iris::testing::TempDir dir;
  auto catalog = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  auto store = std::make_shared<models::ModelStore>(*catalog, dir.path(), "");
  ModelRegistry registry(Config{}, store);
  auto model = registry.Clip("clip-vit-b-32");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(model.status().message().find("iris models pull clip-vit-b-32"), std::string::npos)
      << model.status().message();
  auto detector = registry.Clip("yolox-nano");
  ASSERT_FALSE(detector.ok());
  EXPECT_NE(detector.status().message().find("not CLIP"), std::string::npos);
  EXPECT_EQ(registry.Clip("no-such-model").status().code(), StatusCode::kNotFound);
}

TEST(ModelRegistryTest, CatalogModelPulledFromMirrorLoads) {
  iris::testing::TempDir dir;
  auto catalog = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(catalog.ok());
  auto store = std::make_shared<models::ModelStore>(*catalog, dir.path(), RequireShared("models").string());
  ASSERT_TRUE(store->Pull("clip-standin-colors").ok());
  Config config;
  config.models.default_clip = "clip-standin-colors";
  ModelRegistry registry(config, store);
  ASSERT_TRUE(registry.Preload({"clip-standin-colors"}).ok());
  auto model = registry.Clip("");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->name(), "clip-standin-colors");
  ASSERT_EQ(registry.Loaded().size(), 1u);
  EXPECT_EQ(registry.Loaded()[0].provider, "CPUExecutionProvider");
}

}  // namespace
}  // namespace iris
