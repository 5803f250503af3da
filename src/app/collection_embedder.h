// CollectionEmbedder: a vector collection's embedding model, loaded on demand -- a CLIP model (image
// and text towers) or an image-only embedder (catalog families dino and resnet, e.g. resnet50, the
// seed-002 model). LoadCollectionEmbedder resolves a model name by its catalog family (local folders
// are CLIP); a model that is not installed is the registry's error naming `iris models pull`.
// Used only by the collection service (app/collection_service.h).
// Thread-safety: as the models (thread-safe).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "models/model_store.h"
#include "vision/model_registry.h"

namespace iris::app {

struct CollectionEmbedder {
  std::shared_ptr<const ClipModel> clip;            // set for CLIP models (text search works)
  std::shared_ptr<const ImageEmbedder> image_only;  // set for DINO / ResNet models

  const std::string& name() const;
  int dim() const;
  // The model's preprocessing: images are decoded at DecodeMinSide(preprocessing()).
  const ImagePreprocessing& preprocessing() const;
  // Announces an image to come (before decoding it), so the batcher waits for it (DynamicBatcher).
  BatchAnnouncement Announce() const;
  // The L2-normalised embedding of one image (shares model runs with concurrent requests).
  Result<std::vector<float>> Embed(const RgbImage& image, BatchAnnouncement* announcement = nullptr) const;
};

Result<CollectionEmbedder> LoadCollectionEmbedder(ModelRegistry& models, const models::ModelStore* store,
                                                  const std::string& model);

}  // namespace iris::app
