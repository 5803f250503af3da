// Writing images into vector collections, the same way for every caller: the /v1/collections
// routes, the seed-002 product routes and the background jobs that (re)index products.
//
//   * CollectionClip: the collection's CLIP model (loaded on demand); kUnprocessable for an
//     "external" collection (the caller must send vectors), kNotFound for a model that is not
//     installed (the message names `iris models pull`), kFailedPrecondition when the model's
//     dimension no longer matches the collection's.
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

Result<std::shared_ptr<const ClipModel>> CollectionClip(AppServices& services, const DurableCollection& collection,
                                                        RequestContext& ctx);

Result<std::vector<float>> EmbedForCollection(AppServices& services, const DurableCollection& collection,
                                              const IngestedImage& image, RequestContext& ctx);

Status UpsertImageItem(AppServices& services, DurableCollection& collection, const std::string& id,
                       const IngestedImage& image, nlohmann::json metadata, RequestContext& ctx);

// The pixels the duplicate detector works on (the image decoded with its shorter side >= 640).
Result<std::shared_ptr<const RgbImage>> DedupPixels(const IngestedImage& image, RequestContext& ctx);

}  // namespace iris::api
