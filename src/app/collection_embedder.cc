#include "app/collection_embedder.h"

namespace iris::app {

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

Result<CollectionEmbedder> LoadCollectionEmbedder(ModelRegistry& models, const models::ModelStore* store,
                                                  const std::string& model) {
  CollectionEmbedder embedder;
  const models::ModelSpec* spec = nullptr;
  if (store) {
    if (auto found = store->catalog().Find(model); found.ok()) spec = *found;
  }
  if (spec && (spec->family == models::ModelFamily::kDino || spec->family == models::ModelFamily::kResnet)) {
    IRIS_ASSIGN_OR_RETURN(embedder.image_only, models.ImageEmbedder(model));
  } else {
    IRIS_ASSIGN_OR_RETURN(embedder.clip, models.Clip(model));
  }
  return embedder;
}

}  // namespace iris::app
