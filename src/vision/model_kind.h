// ModelKind: which vision adapter runs a catalog model, decided by the entry's family. This is the
// one family table: the model registry dispatches on it (ModelRegistry::ImageEncoder, Preload) and
// the analysis operations list the models a parameter accepts with it (CatalogModelNames).
//   clip            -> kClip            (ClipModel; also every models.local folder)
//   dino, resnet    -> kImageEmbedder   (ImageEmbedder)
//   yolox           -> kObjectDetector  (ObjectDetector)
//   yunet, ultraface-> kFaceDetector    (LoadFaceDetector)
//   mobilefacenet   -> kFaceEmbedder    (FaceEmbedder)
//   isnet           -> kForegroundMasker (ForegroundMasker)
// kClip and kImageEmbedder models are ImageEncoders (image_encoder.h).
// Pure functions over their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/model_catalog.h"

namespace iris {

enum class ModelKind { kClip, kImageEmbedder, kObjectDetector, kFaceDetector, kFaceEmbedder, kForegroundMasker };

// The adapter for `family`; nullopt when Iris cannot run that family yet.
std::optional<ModelKind> ModelKindOf(models::ModelFamily family);

// "clip", "image_embedder", "object_detector", "face_detector", "face_embedder", "foreground_masker"
// (LoadedModelInfo::kind).
std::string_view ModelKindName(ModelKind kind);

// The names of the catalog's models of `kind`, in catalog order.
std::vector<std::string> CatalogModelNames(const models::ModelCatalog& catalog, ModelKind kind);

}  // namespace iris
