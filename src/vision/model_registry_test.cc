// ModelRegistry::ImageEncoder and Preload: one dispatch by catalog family (model_kind.h), with the
// errors of the adapter accessors. Uses the stand-in exports and the detector in ../shared/models.
#include "vision/model_registry.h"

#include <gtest/gtest.h>

#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using iris::testing::RequireShared;

std::shared_ptr<models::ModelStore> StoreIn(const std::filesystem::path& dir, const std::string& mirror = "") {
  auto catalog = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
  return std::make_shared<models::ModelStore>(*catalog, dir, mirror);
}

RgbImage Gradient(int w, int h) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<std::uint8_t>(x % 256), p[1] = static_cast<std::uint8_t>(y % 256), p[2] = 90;
    }
  }
  return img;
}

TEST(ModelRegistryImageEncoderTest, LocalFoldersAndTheDefaultAreClip) {
  iris::testing::TempDir dir;
  Config config;
  config.models.local = {"tiny=" + RequireShared("models/clip-standin-tiny").string()};
  config.models.default_clip = "tiny";
  ModelRegistry registry(config, StoreIn(dir.path()));
  auto encoder = registry.ImageEncoder("tiny");
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  auto clip = registry.Clip("tiny");
  ASSERT_TRUE(clip.ok());
  EXPECT_EQ(encoder->get(), static_cast<const ImageEncoder*>(clip->get())) << "one loaded model, not two";
  auto by_default = registry.ImageEncoder("");
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ((*by_default)->name(), "tiny");
  ASSERT_EQ(registry.Loaded().size(), 1u);
  EXPECT_EQ(registry.Loaded()[0].kind, "clip");

  // Through the interface, the same answers as the CLIP model's own.
  const RgbImage image = Gradient(300, 200);
  auto through_interface = (*encoder)->EmbedImage(image, true);
  auto direct = (*clip)->EmbedImage(image, true);
  ASSERT_TRUE(through_interface.ok() && direct.ok());
  EXPECT_EQ(*through_interface, *direct);
}

TEST(ModelRegistryImageEncoderTest, ErrorsAreTheAdapters) {
  iris::testing::TempDir dir;
  ModelRegistry registry(Config{}, StoreIn(dir.path()));
  EXPECT_EQ(registry.ImageEncoder("no-such-model").status().code(), StatusCode::kNotFound);
  for (const char* name : {"clip-vit-b-32", "resnet50", "dinov2-small"}) {
    auto missing = registry.ImageEncoder(name);
    ASSERT_FALSE(missing.ok()) << name;
    EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_NE(missing.status().message().find(std::string("iris models pull ") + name), std::string::npos)
        << missing.status().message();
  }
  for (const char* name : {"yolox-nano", "mobilefacenet"}) {
    auto not_encoder = registry.ImageEncoder(name);
    ASSERT_FALSE(not_encoder.ok()) << name;
    EXPECT_EQ(not_encoder.status().code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_NE(not_encoder.status().message().find("not CLIP"), std::string::npos) << not_encoder.status().message();
  }
}

TEST(ModelRegistryImageEncoderTest, PreloadLoadsEachModelByItsFamily) {
  iris::testing::TempDir dir;
  auto store = StoreIn(dir.path(), RequireShared("models").string());
  ASSERT_TRUE(store->Pull("clip-standin-tiny").ok());
  ASSERT_TRUE(store->Pull("yolox-nano").ok());
  ModelRegistry registry(Config{}, store);
  ASSERT_TRUE(registry.Preload({"clip-standin-tiny", "yolox-nano"}).ok());
  std::map<std::string, std::string> kinds;
  for (const auto& m : registry.Loaded()) kinds[m.name] = m.kind;
  EXPECT_EQ(kinds,
            (std::map<std::string, std::string>{{"clip-standin-tiny", "clip"}, {"yolox-nano", "object_detector"}}));
  Status missing = registry.Preload({"resnet50"});
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("preloading resnet50"), std::string::npos) << missing.message();
  EXPECT_NE(missing.message().find("iris models pull resnet50"), std::string::npos) << missing.message();
  EXPECT_EQ(registry.Preload({"isnet-general-small-int8"}).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace iris
