// DecodeAndEmbed over the CLIP stand-in in ../shared/models: it asks for the decode size the
// preprocessing needs, reports the two steps' times and gives EmbedImage's answer.
#include "vision/image_encoder.h"

#include <gtest/gtest.h>

#include "support/shared_data.h"
#include "vision/model_registry.h"

namespace iris {
namespace {

TEST(ImageEncoderTest, DecodeAndEmbedDecodesAtTheModelsSizeAndTimesBothSteps) {
  Config config;
  config.models.local = {"tiny=" + iris::testing::RequireShared("models/clip-standin-tiny").string()};
  ModelRegistry registry(config, nullptr);
  auto encoder = registry.ImageEncoder("tiny");
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  auto image = std::make_shared<const RgbImage>(
      RgbImage{64, 48, std::vector<std::uint8_t>(static_cast<std::size_t>(64) * 48 * 3, 120)});

  int asked = 0;
  std::vector<std::string> stages;
  auto embedding = DecodeAndEmbed(
      **encoder,
      [&](int min_side) -> Result<std::shared_ptr<const RgbImage>> {
        asked = min_side;
        return image;
      },
      /*normalize=*/true,
      [&](std::string_view stage, double ms) {
        EXPECT_GE(ms, 0.0);
        stages.emplace_back(stage);
      });
  ASSERT_TRUE(embedding.ok()) << embedding.status().ToString();
  EXPECT_EQ(asked, DecodeMinSide((*encoder)->preprocessing()));
  EXPECT_EQ(stages, (std::vector<std::string>{"decode", "inference"}));
  auto direct = (*encoder)->EmbedImage(*image, true);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*embedding, *direct);

  stages.clear();
  auto failed = DecodeAndEmbed(
      **encoder, [](int) -> Result<std::shared_ptr<const RgbImage>> { return InvalidArgument("corrupt image"); }, true,
      [&](std::string_view stage, double) { stages.emplace_back(stage); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(stages, (std::vector<std::string>{"decode"}));
}

}  // namespace
}  // namespace iris
