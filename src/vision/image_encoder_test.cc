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
  Trace trace;
  auto embedding = DecodeAndEmbed(
      **encoder,
      [&](int min_side) -> Result<std::shared_ptr<const RgbImage>> {
        asked = min_side;
        return image;
      },
      /*normalize=*/true, trace);
  ASSERT_TRUE(embedding.ok()) << embedding.status().ToString();
  EXPECT_EQ(asked, DecodeMinSide((*encoder)->preprocessing()));
  auto stages = trace.StagesJson();
  EXPECT_EQ(stages.size(), 2u);
  EXPECT_GE(stages.value("decode", -1.0), 0.0);
  EXPECT_GE(stages.value("inference", -1.0), 0.0);
  auto direct = (*encoder)->EmbedImage(*image, true);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*embedding, *direct);

  Trace failed_trace;
  auto failed = DecodeAndEmbed(
      **encoder, [](int) -> Result<std::shared_ptr<const RgbImage>> { return InvalidArgument("corrupt image"); }, true,
      failed_trace);
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(failed_trace.StagesJson().size(), 1u);
  EXPECT_TRUE(failed_trace.StagesJson().contains("decode"));
}

}  // namespace
}  // namespace iris
