// ModelRegistry: the process's loaded models (one of the two allowed pieces of global mutable
// state, owned by the server and passed by reference). It resolves a model name to installed files
// -- a catalog model under models.dir (models::ModelStore) or, for CLIP, a local folder from
// models.local -- and loads it once, on first use or at Preload, sharing the sessions and batchers
// with every request. One accessor per adapter kind (model_kind.h): Clip, ObjectDetector (yolox),
// FaceDetector (yunet, ultraface), FaceEmbedder (mobilefacenet), ImageEmbedder (dino, resnet), ForegroundMasker
// (isnet); and ImageEncoder, which resolves a name by its catalog family to the CLIP image tower or an ImageEmbedder.
// Concurrent first uses of one name load it once; the others wait for that load. A failed load is
// not remembered (a later request retries, e.g. after `iris models pull`).
//
// Errors: NotFound for an unknown name; FailedPrecondition "model 'X' is not installed; install it
// with: iris models pull X" when the files are missing; FailedPrecondition when the model is not of
// the asked kind (e.g. a detector asked for as CLIP).
// Thread-safety: every method is thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "models/model_store.h"
#include "vision/clip_model.h"
#include "vision/face_detector.h"
#include "vision/face_embedder.h"
#include "vision/foreground_masker.h"
#include "vision/image_embedder.h"
#include "vision/image_encoder.h"
#include "vision/model_kind.h"
#include "vision/object_detector.h"

namespace iris {

struct LoadedModelInfo {
  std::string name;
  std::string kind;      // ModelKindName (model_kind.h)
  std::string provider;  // execution provider of the main session
  int dim = 0;
  BatcherStats stats;
};

class ModelRegistry {
 public:
  ModelRegistry(const Config& config, std::shared_ptr<const models::ModelStore> store);

  // The CLIP model `name` (empty: models.default_clip).
  Result<std::shared_ptr<const ClipModel>> Clip(std::string_view name);
  Result<std::shared_ptr<const iris::ObjectDetector>> ObjectDetector(std::string_view name);
  Result<std::shared_ptr<const iris::FaceDetector>> FaceDetector(std::string_view name);
  Result<std::shared_ptr<const iris::FaceEmbedder>> FaceEmbedder(std::string_view name);
  Result<std::shared_ptr<const iris::ImageEmbedder>> ImageEmbedder(std::string_view name);
  Result<std::shared_ptr<const iris::ForegroundMasker>> ForegroundMasker(std::string_view name);
  // The model that embeds images for `name` (empty: models.default_clip), resolved once by its
  // catalog family: dino and resnet are ImageEmbedders; clip, local folders and every other name are
  // asked of Clip, so its errors apply (NotFound for an unknown name, FailedPrecondition "model 'X'
  // is a yolox model, not CLIP", or not installed).
  Result<std::shared_ptr<const iris::ImageEncoder>> ImageEncoder(std::string_view name);

  // Loads every named model now (e.g. models.preload at start-up), each by the adapter its catalog
  // family names (local folders are CLIP); the first failure is returned.
  Status Preload(const std::vector<std::string>& names);

  std::vector<LoadedModelInfo> Loaded() const;
  const std::string& default_clip() const { return default_clip_; }

 private:
  Result<ClipModelFiles> ClipFilesFor(const std::string& name) const;
  // The catalog entry `name`; nullptr for a local folder or a name the catalog does not know.
  const models::ModelSpec* CatalogEntry(const std::string& name) const;
  // The catalog entry `name` when its family is run by the adapter `kind` (called `what` in the
  // error), and its "model" file.
  Result<std::pair<const models::ModelSpec*, std::filesystem::path>> CatalogModel(const std::string& name,
                                                                                  ModelKind kind,
                                                                                  std::string_view what) const;
  // Loads `name` by the adapter its catalog family names (local folders are CLIP).
  Status PreloadOne(const std::string& name);
  // Returns the loaded model `name` from `loaded`, or loads it once with `load` (concurrent first
  // uses wait for that one load).
  template <typename T, typename Load>
  Result<std::shared_ptr<const T>> GetOrLoad(std::map<std::string, std::shared_ptr<const T>>& loaded,
                                             const std::string& name, ModelKind kind, Load load);

  RuntimeConfig runtime_;
  std::string default_clip_;
  std::shared_ptr<const models::ModelStore> store_;
  std::map<std::string, std::filesystem::path> local_;  // name -> folder

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ClipModel>> clip_;
  std::map<std::string, std::shared_ptr<const iris::ObjectDetector>> object_detectors_;
  std::map<std::string, std::shared_ptr<const iris::FaceDetector>> face_detectors_;
  std::map<std::string, std::shared_ptr<const iris::FaceEmbedder>> face_embedders_;
  std::map<std::string, std::shared_ptr<const iris::ImageEmbedder>> image_embedders_;
  std::map<std::string, std::shared_ptr<const iris::ForegroundMasker>> foreground_maskers_;
  std::map<std::string, std::shared_ptr<std::mutex>> loading_;  // "kind/name": one load at a time
};

// Parses models.local entries "name=DIR".
Result<std::map<std::string, std::filesystem::path>> ParseLocalModels(const std::vector<std::string>& entries);

}  // namespace iris
