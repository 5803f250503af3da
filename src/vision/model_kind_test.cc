#include "vision/model_kind.h"

#include <gtest/gtest.h>

#include "models/embedded_catalog.h"

namespace iris {
namespace {

const models::ModelCatalog& Catalog() {
  static const models::ModelCatalog catalog = models::ModelCatalog::Parse(models::EmbeddedCatalogJson()).value();
  return catalog;
}

TEST(ModelKindTest, FamiliesMapToTheirAdapters) {
  using F = models::ModelFamily;
  EXPECT_EQ(ModelKindOf(F::kClip), ModelKind::kClip);
  EXPECT_EQ(ModelKindOf(F::kDino), ModelKind::kImageEmbedder);
  EXPECT_EQ(ModelKindOf(F::kResnet), ModelKind::kImageEmbedder);
  EXPECT_EQ(ModelKindOf(F::kYolox), ModelKind::kObjectDetector);
  EXPECT_EQ(ModelKindOf(F::kYunet), ModelKind::kFaceDetector);
  EXPECT_EQ(ModelKindOf(F::kUltraface), ModelKind::kFaceDetector);
  EXPECT_EQ(ModelKindOf(F::kMobilefacenet), ModelKind::kFaceEmbedder);
  EXPECT_EQ(ModelKindOf(F::kIsnet), ModelKind::kForegroundMasker);
}

TEST(ModelKindTest, ListsTheCatalogsModelsOfAKindInOrder) {
  EXPECT_EQ(CatalogModelNames(Catalog(), ModelKind::kFaceDetector),
            (std::vector<std::string>{"yunet", "ultraface-rfb-320", "ultraface-rfb-640"}));
  EXPECT_EQ(CatalogModelNames(Catalog(), ModelKind::kObjectDetector), (std::vector<std::string>{"yolox-nano"}));
  EXPECT_EQ(CatalogModelNames(Catalog(), ModelKind::kForegroundMasker),
            (std::vector<std::string>{"isnet-general-small-int8"}));
  EXPECT_EQ(CatalogModelNames(Catalog(), ModelKind::kImageEmbedder),
            (std::vector<std::string>{"dinov2-small", "dinov2-small-int8", "dinov3-vitl16", "resnet50",
                                      "resnet50-imagenet-logits",
                                      "resnet50-imagenet-logits-int8"}));  // int8 variants are models of the same kind
}

}  // namespace
}  // namespace iris
