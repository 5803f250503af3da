#include "api/collection_writer.h"

#include "api/http_errors.h"
#include "vision/image_tensor.h"

namespace iris::api {
namespace {

// As `iris dedup`: the detector hashes at 256 px and extracts local features at 512 px.
constexpr int kDedupMinSide = 640;

}  // namespace

const std::string& CollectionEmbedder::name() const { return clip ? clip->name() : image_only->name(); }

int CollectionEmbedder::dim() const { return clip ? clip->dim() : image_only->dim(); }

const ImagePreprocessing& CollectionEmbedder::preprocessing() const {
  return clip ? clip->preprocessing() : image_only->preprocessing();
}

BatchAnnouncement CollectionEmbedder::Announce() const {
  return clip ? clip->AnnounceImages(1) : image_only->AnnounceImages(1);
}

Result<std::vector<float>> CollectionEmbedder::Embed(const RgbImage& image, BatchAnnouncement* announcement) const {
  if (clip) return clip->EmbedImage(image, /*normalize=*/true, announcement);
  const RgbImage* one[] = {&image};
  IRIS_ASSIGN_OR_RETURN(auto embeddings, image_only->EmbedImages(one, /*normalize=*/true, announcement));
  return std::move(embeddings.at(0));
}

Result<CollectionEmbedder> LoadCollectionEmbedder(AppServices& services, const std::string& model) {
  CollectionEmbedder embedder;
  const models::ModelSpec* spec = nullptr;
  if (services.model_store) {
    if (auto found = services.model_store->catalog().Find(model); found.ok()) spec = *found;
  }
  if (spec && (spec->family == models::ModelFamily::kDino || spec->family == models::ModelFamily::kResnet)) {
    IRIS_ASSIGN_OR_RETURN(embedder.image_only, services.models->ImageEmbedder(model));
  } else {
    IRIS_ASSIGN_OR_RETURN(embedder.clip, services.models->Clip(model));
  }
  return embedder;
}

Result<CollectionEmbedder> EmbedderOf(AppServices& services, const DurableCollection& collection, RequestContext& ctx) {
  const auto& o = collection.options();
  if (o.model == kExternalModel) {
    return Unprocessable("collection '" + o.name + "' stores external vectors: send 'vector'");
  }
  CollectionEmbedder embedder;
  {
    ScopedStage stage(ctx, "model_load");
    IRIS_ASSIGN_OR_RETURN(embedder, LoadCollectionEmbedder(services, o.model));
  }
  if (embedder.dim() != o.index.dim) {
    return FailedPrecondition("model " + o.model + " now has dim " + std::to_string(embedder.dim()) +
                              ", the collection has " + std::to_string(o.index.dim));
  }
  return embedder;
}

Result<std::vector<float>> EmbedForCollection(AppServices& services, const DurableCollection& collection,
                                              const IngestedImage& image, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(CollectionEmbedder embedder, EmbedderOf(services, collection, ctx));
  BatchAnnouncement announcement = embedder.Announce();
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(ctx, "decode");
    IRIS_ASSIGN_OR_RETURN(pixels, image.AtLeast(DecodeMinSide(embedder.preprocessing())));
  }
  ScopedStage stage(ctx, "inference");
  return embedder.Embed(*pixels, &announcement);
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
