// Writing images into vector collections, the same way for every caller: the /v1/collections
// routes, the seed-002 product routes and the background jobs that (re)index products.
//
//   * CollectionEmbedder: a collection's embedding model, loaded on demand: a CLIP model (image and
//     text towers) or an image-only embedder (catalog families dino and resnet, e.g. resnet50, the
//     seed-002 model). LoadCollectionEmbedder resolves a model name by its catalog family (local
//     folders are CLIP); a model that is not installed is an error naming `iris models pull`.
//     EmbedderOf is the same for an existing collection: kUnprocessable for an "external" collection
//     (the caller must send vectors), kFailedPrecondition when the model's dimension no longer
//     matches the collection's.
//   * EmbedForCollection: the L2-normalised image embedding, decoding the image at reduced size
//     (4x the model input) once.
//   * UpsertImageItem: embeds the image, computes its near-duplicate signature, upserts the item
//     (durable when it returns) and then puts the signature into the collection's duplicate index.
//
// Stage timings (decode, inference, duplicate_signature) go to the RequestContext given; jobs pass
// a local one. Thread-safety: as the services used (all thread-safe).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/app_services.h"
#include "api/request_context.h"

namespace iris::api {

inline constexpr const char* kExternalModel = "external";

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

Result<CollectionEmbedder> LoadCollectionEmbedder(AppServices& services, const std::string& model);
Result<CollectionEmbedder> EmbedderOf(AppServices& services, const DurableCollection& collection, RequestContext& ctx);

Result<std::vector<float>> EmbedForCollection(AppServices& services, const DurableCollection& collection,
                                              const IngestedImage& image, RequestContext& ctx);

Status UpsertImageItem(AppServices& services, DurableCollection& collection, const std::string& id,
                       const IngestedImage& image, nlohmann::json metadata, RequestContext& ctx);

// The pixels the duplicate detector works on (the image decoded with its shorter side >= 640).
Result<std::shared_ptr<const RgbImage>> DedupPixels(const IngestedImage& image, RequestContext& ctx);

}  // namespace iris::api
