// ForegroundMasker with the real ISNet int8 export (../shared/models/segmentation-isnet) on real COCO
// photos: the mask covers the annotated object (IoU against its COCO polygon).
#include "vision/foreground_masker.h"

#include <gtest/gtest.h>

#include "image/image_decoder.h"
#include "support/coco_tiny.h"
#include "support/shared_data.h"

namespace iris {
namespace {

using iris::testing::CocoTinyImages;
using iris::testing::ReadFileBytes;
using iris::testing::RequireShared;

const models::ModelSpec& IsnetSpec() {
  static const models::ModelCatalog catalog = [] {
    auto c = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
    if (!c.ok()) throw std::runtime_error(c.status().ToString());
    return *c;
  }();
  return *catalog.Find("isnet-general-small-int8").value();
}

const ForegroundMasker& Isnet() {
  static const std::unique_ptr<ForegroundMasker> masker = [] {
    auto m = ForegroundMasker::Load(IsnetSpec(), RequireShared("models/segmentation-isnet/isnet_general_small_int8.onnx"),
                                    RuntimeConfig{});
    if (!m.ok()) throw std::runtime_error(m.status().ToString());
    return std::move(m).value();
  }();
  return *masker;
}

const iris::testing::CocoImage& Coco(const std::string& file) {
  for (const auto& image : CocoTinyImages()) {
    if (image.file == file) return image;
  }
  throw std::runtime_error("no coco-tiny image " + file);
}

RgbImage Photo(const std::string& file) {
  auto decoded = DecodeImage(ReadFileBytes(RequireShared("data/coco-tiny/images/" + file)), DecodeOptions{});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

TEST(ForegroundMaskerTest, MaskCoversThePortraitedPerson) {
  // 000000554625.jpg: one person fills about a quarter of the frame.
  const auto& coco = Coco("000000554625.jpg");
  const RgbImage photo = Photo(coco.file);
  auto mask = Isnet().Mask(photo);
  ASSERT_TRUE(mask.ok()) << mask.status().ToString();
  ASSERT_EQ(mask->width, photo.width);
  ASSERT_EQ(mask->height, photo.height);
  ASSERT_EQ(mask->alpha.size(), static_cast<std::size_t>(photo.width) * photo.height);
  const iris::testing::CocoInstance* person = nullptr;
  for (const auto& instance : coco.instances) {
    if (instance.category == "person" && (!person || instance.w * instance.h > person->w * person->h)) {
      person = &instance;
    }
  }
  ASSERT_NE(person, nullptr);
  const auto truth = iris::testing::RasterisePolygons(*person, photo.width, photo.height);
  const double iou = iris::testing::MaskIoU(mask->Binary(), truth);
  EXPECT_GE(iou, 0.6) << "ISNet mask vs the COCO polygon";
  const auto alpha8 = mask->Alpha8();
  EXPECT_EQ(alpha8.size(), mask->alpha.size());
  EXPECT_GT(mask->Coverage(), 0.1);
  EXPECT_LT(mask->Coverage(), 0.6);
}

TEST(ForegroundMaskerTest, RejectsEmptyImagesAndOtherFamilies) {
  EXPECT_EQ(Isnet().Mask(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  models::ModelSpec spec = IsnetSpec();
  spec.family = models::ModelFamily::kYolox;
  auto wrong = ForegroundMasker::Load(spec, RequireShared("models/segmentation-isnet/isnet_general_small_int8.onnx"),
                                      RuntimeConfig{});
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace iris
