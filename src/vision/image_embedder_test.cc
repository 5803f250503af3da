// ImageEmbedder against tiny ONNX fixtures with the catalog's tensor contracts and known answers
// (tests/fixtures/make_embedder_fixtures.py): dino_tiny's pooler_output is the per-channel mean of
// the input tensor, its token 0 the negated mean, tokens 1-4 registers of 100, the rest 14x14 patch
// means + 0.5; resnet_tiny's logits are the channel means. Real DINO/ResNet weights are not here.
#include "vision/image_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "models/embedded_catalog.h"
#include "support/shared_data.h"
#include "vision/embedding_math.h"

namespace iris {
namespace {

std::filesystem::path Fixture(const std::string& name) {
  return iris::testing::SourceDir() / "tests" / "fixtures" / name;
}

models::ModelSpec CatalogSpec(const std::string& name) {
  static const models::ModelCatalog catalog = models::ModelCatalog::Parse(models::EmbeddedCatalogJson()).value();
  return *catalog.Find(name).value();
}

RgbImage Solid(int w, int h, std::array<std::uint8_t, 3> rgb) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (std::size_t i = 0; i < img.pixels.size(); i += 3) {
    img.pixels[i] = rgb[0], img.pixels[i + 1] = rgb[1], img.pixels[i + 2] = rgb[2];
  }
  return img;
}

// A busy image (so different images give different embeddings).
RgbImage Pattern(int w, int h, int seed) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<std::uint8_t>((x * (seed + 1) + y) % 256);
      p[1] = static_cast<std::uint8_t>((y * 3 + seed * 40) % 256);
      p[2] = static_cast<std::uint8_t>(((x ^ y) + seed * 17) % 256);
    }
  }
  return img;
}

// Answers are compared to 1e-3: ORT's float ReduceMean over 50k values drifts by ~1e-4; the tokens
// the tests tell apart differ by 0.5 or more.
// The normalised value of byte v in colour c under the ImageNet mean/std the entries use.
float Normalised(int v, int c) {
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float std[3] = {0.229f, 0.224f, 0.225f};
  return (static_cast<float>(v) / 255.0f - mean[c]) / std[c];
}

std::unique_ptr<ImageEmbedder> MustLoad(const models::ModelSpec& spec, const std::string& fixture,
                                        RuntimeConfig runtime = {}) {
  auto model = ImageEmbedder::Load(spec, Fixture(fixture), runtime);
  if (!model.ok()) throw std::runtime_error(model.status().ToString());
  return std::move(model).value();
}

Embedding EmbedOne(const ImageEmbedder& model, const RgbImage& image, bool normalize) {
  const RgbImage* one[] = {&image};
  auto rows = model.EmbedImages(one, normalize);
  if (!rows.ok()) throw std::runtime_error(rows.status().ToString());
  return rows->front();
}

TEST(ImageEmbedderTest, ClsPoolingReadsThePoolerOutput) {
  auto model = MustLoad(CatalogSpec("dinov2-small"), "dino_tiny.onnx");
  EXPECT_EQ(model->name(), "dinov2-small");
  EXPECT_EQ(model->dim(), 384);
  EXPECT_EQ(model->pooling(), models::Pooling::kCls);
  EXPECT_EQ(model->provider(), "CPUExecutionProvider");
  EXPECT_EQ(model->preprocessing().width, 224);
  const Embedding e = EmbedOne(*model, Solid(300, 200, {200, 30, 90}), false);
  ASSERT_EQ(e.size(), 384u);
  const int rgb[3] = {200, 30, 90};
  for (std::size_t j = 0; j < e.size(); ++j) {
    ASSERT_NEAR(e[j], Normalised(rgb[j % 3], static_cast<int>(j % 3)), 1e-3) << j;
  }
}

TEST(ImageEmbedderTest, ClsFallsBackToTokenZeroWithoutAPoolerOutput) {
  models::ModelSpec spec = CatalogSpec("dinov2-small");
  auto& outputs = spec.files[0].outputs;
  ASSERT_EQ(outputs.size(), 2u);
  outputs.erase(outputs.begin() + 1);  // the catalog lists only last_hidden_state
  auto model = MustLoad(spec, "dino_tiny.onnx");
  const Embedding e = EmbedOne(*model, Solid(224, 224, {10, 120, 250}), false);
  EXPECT_NEAR(e[0], -Normalised(10, 0), 1e-3);
  EXPECT_NEAR(e[1], -Normalised(120, 1), 1e-3);
  EXPECT_NEAR(e[383], -Normalised(250, 2), 1e-3);
}

TEST(ImageEmbedderTest, MeanPoolingAveragesOnlyThePatchTokens) {
  models::ModelSpec spec = CatalogSpec("dinov2-small");
  spec.pooling = models::Pooling::kMean;
  auto model = MustLoad(spec, "dino_tiny.onnx");
  // Tokens: CLS (-m), 4 registers (100), 256 patches (m + 0.5). Averaging the CLS or the registers
  // in would move the answer by far more than the tolerance.
  const Embedding e = EmbedOne(*model, Solid(224, 224, {60, 180, 0}), false);
  const int rgb[3] = {60, 180, 0};
  for (std::size_t j = 0; j < e.size(); ++j) {
    ASSERT_NEAR(e[j], Normalised(rgb[j % 3], static_cast<int>(j % 3)) + 0.5f, 1e-3) << j;
  }
}

// resnet50 is the seed's 2048-d pooled features (tensor names read from the file); the classifier
// export stays as resnet50-imagenet-logits. Both have one [N,D] output, taken as is.
TEST(ImageEmbedderTest, NoPoolingTakesTheSingleOutputOfEitherResnetExport) {
  struct Case {
    std::string entry, fixture;
    int dim;
  };
  for (const Case& c : {Case{"resnet50", "resnet_pooled_tiny.onnx", 2048},
                        Case{"resnet50-imagenet-logits", "resnet_tiny.onnx", 1000}}) {
    auto model = MustLoad(CatalogSpec(c.entry), c.fixture);
    EXPECT_EQ(model->dim(), c.dim);
    EXPECT_EQ(model->pooling(), models::Pooling::kNone);
    const std::array<std::uint8_t, 3> rgb = {0, 255, 128};
    const Embedding e = EmbedOne(*model, Solid(256, 300, rgb), false);
    ASSERT_EQ(e.size(), static_cast<std::size_t>(c.dim));
    for (int j : {0, 1, 2, c.dim - 2, c.dim - 1}) {
      EXPECT_NEAR(e[j], Normalised(rgb[j % 3], j % 3), 1e-3) << c.entry << " value " << j;
    }
  }
}

TEST(ImageEmbedderTest, ShortestSide256ThenCentreCrop224) {
  // 256x256 grey with a 16-px red frame: resizing to 256 is the identity and the 224 centre crop
  // cuts the frame off exactly, so the embedding is pure grey. Resizing straight to 224 would keep
  // a scaled frame in view.
  RgbImage image = Solid(256, 256, {255, 0, 0});
  for (int y = 16; y < 240; ++y) {
    for (int x = 16; x < 240; ++x) {
      std::uint8_t* p = image.row(y) + 3 * x;
      p[0] = p[1] = p[2] = 100;
    }
  }
  auto model = MustLoad(CatalogSpec("dinov2-small"), "dino_tiny.onnx");
  const Embedding e = EmbedOne(*model, image, false);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(e[static_cast<std::size_t>(c)], Normalised(100, c), 1e-3) << c;
  }
}

TEST(ImageEmbedderTest, NormalisedOnRequest) {
  auto model = MustLoad(CatalogSpec("dinov2-small"), "dino_tiny.onnx");
  const RgbImage image = Pattern(320, 240, 3);
  const Embedding raw = EmbedOne(*model, image, false);
  const Embedding unit = EmbedOne(*model, image, true);
  EXPECT_GT(std::abs(Dot(raw, raw) - 1.0f), 0.1f) << "the fixture's raw output is not unit length";
  EXPECT_NEAR(Dot(unit, unit), 1.0f, 1e-5);
  EXPECT_NEAR(CosineSimilarity(raw, unit), 1.0f, 1e-6);
}

TEST(ImageEmbedderTest, BatchesGiveTheSameVectorsAsSingleImages) {
  RuntimeConfig runtime;
  runtime.max_batch_size = 2;  // 5 images: runs as chunks of 2, 2, 1
  for (const auto& [name, fixture] : {std::pair<std::string, std::string>{"dinov2-small", "dino_tiny.onnx"},
                                      {"resnet50", "resnet_pooled_tiny.onnx"}}) {
    auto model = MustLoad(CatalogSpec(name), fixture, runtime);
    std::vector<RgbImage> images;
    for (int i = 0; i < 5; ++i) images.push_back(Pattern(200 + 37 * i, 180 + 21 * i, i));
    std::vector<const RgbImage*> pointers;
    for (const auto& img : images) pointers.push_back(&img);
    auto announcement = model->AnnounceImages(static_cast<int>(images.size()));
    auto batch = model->EmbedImages(pointers, true, &announcement);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ(batch->size(), images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Embedding one = EmbedOne(*model, images[i], true);
      ASSERT_EQ(one.size(), (*batch)[i].size());
      for (std::size_t j = 0; j < one.size(); ++j) {
        ASSERT_NEAR(one[j], (*batch)[i][j], 1e-6) << name << " " << i;
      }
      if (i > 0) {
        EXPECT_LT(CosineSimilarity((*batch)[i], (*batch)[0]), 0.9999f) << "images must differ";
      }
    }
    // Concurrent single requests share runs and still get their own answers.
    std::vector<Embedding> concurrent(images.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < images.size(); ++i) {
      threads.emplace_back([&, i] { concurrent[i] = EmbedOne(*model, images[i], true); });
    }
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (std::size_t j = 0; j < concurrent[i].size(); ++j) {
        ASSERT_NEAR(concurrent[i][j], (*batch)[i][j], 1e-6);
      }
    }
  }
}

TEST(ImageEmbedderTest, ModelsNotMatchingTheCatalogContractAreRefusedAtLoad) {
  struct Case {
    std::string entry, fixture, expected_text;
  };
  const std::vector<Case> cases = {
      {"dinov2-small", "resnet_tiny.onnx", "last_hidden_state"},  // no token output
      {"dinov3-vitl16", "dino_tiny.onnx", "1024"},                // 384-d model, 1024-d entry
      {"resnet50-imagenet-logits", "dino_tiny.onnx", "logits"},   // no logits
      {"resnet50", "dino_tiny.onnx", "exactly one output"},       // tokens and a pooler: which one?
      {"resnet50", "resnet_tiny.onnx", "2048"},                   // the 1000 logits are not the pooled features
  };
  for (const Case& c : cases) {
    auto model = ImageEmbedder::Load(CatalogSpec(c.entry), Fixture(c.fixture), RuntimeConfig{});
    ASSERT_FALSE(model.ok()) << c.entry << " with " << c.fixture;
    EXPECT_EQ(model.status().code(), StatusCode::kFailedPrecondition) << model.status().ToString();
    EXPECT_NE(model.status().message().find(c.expected_text), std::string::npos) << model.status().message();
    EXPECT_NE(model.status().message().find("model " + c.entry), std::string::npos) << model.status().message();
  }
  // Not a single-tower embedding model at all.
  auto clip = ImageEmbedder::Load(CatalogSpec("mobilefacenet"), Fixture("dino_tiny.onnx"), RuntimeConfig{});
  ASSERT_EQ(clip.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(clip.status().message().find("family dino or resnet"), std::string::npos) << clip.status().message();
  // Missing file.
  auto missing = ImageEmbedder::Load(CatalogSpec("resnet50"), Fixture("no_such.onnx"), RuntimeConfig{});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TEST(ImageEmbedderTest, EmptyAndInvalidInputsAreErrors) {
  auto model = MustLoad(CatalogSpec("resnet50"), "resnet_pooled_tiny.onnx");
  EXPECT_EQ(model->EmbedImages({}, true).status().code(), StatusCode::kInvalidArgument);
  const RgbImage empty;
  const RgbImage* one[] = {&empty};
  EXPECT_EQ(model->EmbedImages(one, true).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
