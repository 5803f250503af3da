// ImageEncoder: a model that turns whole images into embedding vectors -- the image tower of a CLIP
// model (ClipModel) or a single-tower embedder (ImageEmbedder: catalog families dino and resnet).
// It is what a vector collection, /v1/embeddings/image, the embed_* and classify operations and
// `iris train-classifier` need from a model; ModelRegistry::ImageEncoder resolves a name to one by
// its catalog family.
//
// Contract of every implementation:
//   * preprocessing() is what an image goes through before the model. Decode images with their
//     shorter side at least DecodeMinSide(preprocessing()) (image_tensor.h) to get the embeddings
//     the server computes (DecodeAndEmbed does).
//   * EmbedImages preprocesses in the caller's thread into one [n,3,H,W] batch for the model's
//     DynamicBatcher, so concurrent requests share model runs; it returns one row of dim() floats
//     per image, in order, L2-normalised when `normalize`. `announcement` (from AnnounceImages; may
//     be null) is released once the batch is submitted.
//   * Errors: InvalidArgument (no images, an invalid image), Unavailable (the queue is full:
//     overload), Internal (the model returned something else than it declared).
// Not an ImageEncoder: FaceEmbedder. It embeds aligned face crops (face_alignment.h), not images,
// so it must not be offered where any image is embedded (a collection's model, for one).
// Thread-safety: const methods may be called concurrently.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/trace.h"
#include "image/rgb_image.h"
#include "runtime/dynamic_batcher.h"
#include "vision/batched_image_model.h"  // Embedding
#include "vision/image_tensor.h"

namespace iris {

class ImageEncoder {
 public:
  virtual ~ImageEncoder() = default;

  virtual const std::string& name() const = 0;
  virtual int dim() const = 0;
  virtual const ImagePreprocessing& preprocessing() const = 0;
  // The execution provider the image session runs on.
  virtual std::string provider() const = 0;
  virtual BatcherStats stats() const = 0;

  // Call before decoding/preprocessing images that will be embedded, and pass the announcement to
  // EmbedImages: a batch forming meanwhile waits for them (DynamicBatcher "Announcements").
  BatchAnnouncement AnnounceImages(int count = 1) const { return Announce(count); }
  Result<std::vector<Embedding>> EmbedImages(std::span<const RgbImage* const> images, bool normalize,
                                             BatchAnnouncement* announcement = nullptr) const {
    return EmbedBatch(images, normalize, announcement);
  }
  // One image: EmbedImages over a batch of one.
  Result<Embedding> EmbedImage(const RgbImage& image, bool normalize, BatchAnnouncement* announcement = nullptr) const;

 private:
  virtual BatchAnnouncement Announce(int count) const = 0;
  virtual Result<std::vector<Embedding>> EmbedBatch(std::span<const RgbImage* const> images, bool normalize,
                                                    BatchAnnouncement* announcement) const = 0;
};

// The pixels of an image decoded with its shorter side at least `min_side` (e.g. IngestedImage::AtLeast).
using DecodeAtLeast = std::function<Result<std::shared_ptr<const RgbImage>>(int min_side)>;
// Embeds one image that is still to be decoded, in the order that lets concurrent requests share
// model runs: announce it to the encoder's batcher, `decode` it at DecodeMinSide(preprocessing()),
// embed it. The "decode" and "inference" steps are timed into `trace`.
// Errors: decode's, then EmbedImages'.
Result<Embedding> DecodeAndEmbed(const ImageEncoder& encoder, const DecodeAtLeast& decode, bool normalize,
                                 Trace& trace);

}  // namespace iris
