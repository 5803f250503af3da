#include "regions/mask_rle.h"

#include <gtest/gtest.h>

namespace iris::regions {
namespace {

TEST(MaskRleTest, EncodesColumnMajorLikePycocotools) {
  // 3 wide x 2 high; column-major runs: (0,0)=0 (0,1)=1 | (1,0)=1 (1,1)=1 | (2,0)=0 (2,1)=0 -> 1,3,2.
  const std::vector<std::uint8_t> mask = {0, 1, 0,  //
                                          1, 1, 0};
  const MaskRle rle = EncodeMaskRle(mask, 3, 2);
  EXPECT_EQ(rle.width, 3);
  EXPECT_EQ(rle.height, 2);
  EXPECT_EQ(rle.counts, "132");  // small counts are single characters '0' + n (pycocotools gives "132")
  EXPECT_EQ(rle.ToJson(), (nlohmann::json{{"size", {2, 3}}, {"counts", "132"}}));
  EXPECT_EQ(DecodeMaskRle(rle).value(), mask);
}

TEST(MaskRleTest, RoundTripsLargeAndNegativeDeltas) {
  const int w = 97, h = 61;
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(w) * h, 0);
  for (int y = 5; y < 50; ++y) {
    for (int x = 3; x < 90; ++x) mask[static_cast<std::size_t>(y) * w + x] = ((x / 7 + y / 11) % 3) != 0;
  }
  const MaskRle rle = EncodeMaskRle(mask, w, h);
  EXPECT_EQ(DecodeMaskRle(rle).value(), mask);
  EXPECT_EQ(MaskRleFromJson(rle.ToJson()).value(), rle);
  const std::vector<std::uint8_t> full(static_cast<std::size_t>(w) * h, 1);
  EXPECT_EQ(DecodeMaskRle(EncodeMaskRle(full, w, h)).value(), full);
}

TEST(MaskRleTest, RejectsMalformedInput) {
  EXPECT_EQ(DecodeMaskRle({3, 2, "9"}).status().code(), StatusCode::kInvalidArgument);  // 9 > 6 pixels
  EXPECT_EQ(DecodeMaskRle({3, 2, "1"}).status().code(), StatusCode::kInvalidArgument);  // does not cover
  EXPECT_EQ(DecodeMaskRle({3, 2, "\x01"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MaskRleFromJson(nlohmann::json::array()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris::regions
