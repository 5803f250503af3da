#include "vision/model_kind.h"

namespace iris {

std::optional<ModelKind> ModelKindOf(models::ModelFamily family) {
  using F = models::ModelFamily;
  switch (family) {
    case F::kClip:
      return ModelKind::kClip;
    case F::kDino:
    case F::kResnet:
      return ModelKind::kImageEmbedder;
    case F::kYolox:
      return ModelKind::kObjectDetector;
    case F::kYunet:
    case F::kUltraface:
      return ModelKind::kFaceDetector;
    case F::kMobilefacenet:
      return ModelKind::kFaceEmbedder;
    case F::kIsnet:
      return ModelKind::kForegroundMasker;
  }
  return std::nullopt;
}

std::string_view ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kClip:
      return "clip";
    case ModelKind::kImageEmbedder:
      return "image_embedder";
    case ModelKind::kObjectDetector:
      return "object_detector";
    case ModelKind::kFaceDetector:
      return "face_detector";
    case ModelKind::kFaceEmbedder:
      return "face_embedder";
    case ModelKind::kForegroundMasker:
      return "foreground_masker";
  }
  return "unknown";
}

std::vector<std::string> CatalogModelNames(const models::ModelCatalog& catalog, ModelKind kind) {
  std::vector<std::string> names;
  for (const auto& spec : catalog.models()) {
    if (ModelKindOf(spec.family) == kind) names.push_back(spec.name);
  }
  return names;
}

}  // namespace iris
