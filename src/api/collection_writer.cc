#include "api/collection_writer.h"

#include "api/http_errors.h"

namespace iris::api {
namespace {

// As routes_embeddings.cc: decode at reduced size while keeping 4x the model's input size.
constexpr int kShrinkMargin = 4;
// As `iris dedup`: the detector hashes at 256 px and extracts local features at 512 px.
constexpr int kDedupMinSide = 640;

}  // namespace

Result<std::shared_ptr<const ClipModel>> CollectionClip(AppServices& services, const DurableCollection& collection,
                                                        RequestContext& ctx) {
  const auto& o = collection.options();
  if (o.model == kExternalModel) {
    return Unprocessable("collection '" + o.name + "' stores external vectors: send 'vector'");
  }
  std::shared_ptr<const ClipModel> model;
  {
    ScopedStage stage(ctx, "model_load");
    IRIS_ASSIGN_OR_RETURN(model, services.models->Clip(o.model));
  }
  if (model->dim() != o.index.dim) {
    return FailedPrecondition("model " + o.model + " now has dim " + std::to_string(model->dim()) +
                              ", the collection has " + std::to_string(o.index.dim));
  }
  return model;
}

Result<std::vector<float>> EmbedForCollection(AppServices& services, const DurableCollection& collection,
                                              const IngestedImage& image, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto model, CollectionClip(services, collection, ctx));
  BatchAnnouncement announcement = model->AnnounceImages(1);
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(ctx, "decode");
    const int min_side = kShrinkMargin * std::max(model->preprocessing().width, model->preprocessing().height);
    IRIS_ASSIGN_OR_RETURN(pixels, image.AtLeast(min_side));
  }
  ScopedStage stage(ctx, "inference");
  return model->EmbedImage(*pixels, /*normalize=*/true, &announcement);
}

Result<std::shared_ptr<const RgbImage>> DedupPixels(const IngestedImage& image, RequestContext& ctx) {
  ScopedStage stage(ctx, "decode");
  return image.AtLeast(kDedupMinSide);
}

Status UpsertImageItem(AppServices& services, DurableCollection& collection, const std::string& id,
                       const IngestedImage& image, nlohmann::json metadata, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(std::vector<float> vector, EmbedForCollection(services, collection, image, ctx));
  IRIS_ASSIGN_OR_RETURN(auto pixels, DedupPixels(image, ctx));
  const std::string& name = collection.options().name;
  std::optional<DuplicateSignature> signature;
  {
    ScopedStage stage(ctx, "duplicate_signature");
    auto computed = services.duplicates->ComputeSignature(*pixels);
    if (!computed.ok()) {
      if (computed.status().code() == StatusCode::kInvalidArgument) return Unprocessable(computed.status().message());
      return computed.status();
    }
    signature = std::move(computed).value();
  }
  Status stored = collection.Upsert(id, vector, std::move(metadata));
  if (!stored.ok()) {
    if (stored.code() == StatusCode::kInvalidArgument) return Unprocessable(stored.message());
    return stored;
  }
  // After the item: a duplicate signature never names an item that was not stored. The upsert is
  // idempotent, so a failure here (database busy) can be retried by the client.
  return services.duplicates->Add(name, id, std::move(*signature));
}

}  // namespace iris::api
