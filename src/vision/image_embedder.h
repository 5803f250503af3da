// ImageEmbedder: single-tower image embedding models (catalog task image_embedding, families dino
// and resnet: dinov2-small, dinov3-vitl16, resnet50). One ONNX file takes pixel_values [N,3,H,W];
// the embedding is read from its outputs as the catalog entry's "pooling" says:
//   * cls:  pooler_output [N,D] when the catalog lists it, else last_hidden_state[:, 0] ([N,T,D]).
//   * mean: the mean of last_hidden_state's PATCH tokens. The leading CLS/register tokens are
//           T - (H/p)(W/p) for the first patch size p in {14, 16, 8, 32} that divides the input
//           and leaves 1..16 of them (DINOv2/14: 1, DINOv3/16: 1 CLS + 4 registers); when none
//           fits, everything after token 0 (the CLS) is averaged.
//   * none: the model's single output [N,D] (ResNet-50's logits).
// D must equal the entry's embedding_dim.
//
// Preprocessing is the catalog entry's (catalog_preprocessing.h, image_tensor.h). One extension:
// resize "shortest_side" with shortest_side larger than the input size (the HF DINOv2/ResNet recipe:
// shorter side to 256, centre crop 224) is done here as an exact Pillow resize of the shorter side
// to shortest_side followed by the centre crop, because ImagePreprocessing has no separate
// resize length; preprocessing() is then the spec of the final crop-sized step.
//
// It is an ImageEncoder (image_encoder.h): images are preprocessed in the caller's thread into one
// [n,3,H,W] buffer and submitted to the model's DynamicBatcher (options from [runtime],
// max_batch_size capped at a fixed model batch), so concurrent requests share runs. Embeddings are
// L2-normalised on request.
//
// Load errors: FailedPrecondition when the entry is not an image_embedding model of family dino or
// resnet, or the model does not match the catalog's tensors or the pooling's needs (the message
// names the tensor and what differs); Unprocessable for preprocessing the code cannot do; NotFound
// for a missing file. EmbedImages errors: InvalidArgument (no images, invalid image), Unavailable
// (queue full), Internal (the model returned something else than it declared).
// Thread-safety: const methods may be called concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "models/model_catalog.h"
#include "vision/batched_image_model.h"
#include "vision/image_encoder.h"
#include "vision/image_tensor.h"

namespace iris {

class ImageEmbedder final : public ImageEncoder {
 public:
  static Result<std::unique_ptr<ImageEmbedder>> Load(const models::ModelSpec& spec,
                                                     const std::filesystem::path& model_file,
                                                     const RuntimeConfig& runtime);
  ~ImageEmbedder() override;

  const std::string& name() const override { return name_; }
  int dim() const override { return dim_; }
  std::string provider() const override { return model_->session().provider(); }
  const ImagePreprocessing& preprocessing() const override { return preprocessing_; }
  BatcherStats stats() const override { return model_->stats(); }
  models::Pooling pooling() const { return pooling_; }

 private:
  ImageEmbedder() = default;
  BatchAnnouncement Announce(int count) const override { return model_->Announce(count); }
  Result<std::vector<Embedding>> EmbedBatch(std::span<const RgbImage* const> images, bool normalize,
                                            BatchAnnouncement* announcement) const override;
  Status WriteInput(const RgbImage& image, std::span<float> out) const;
  Result<std::vector<Embedding>> Pool(const std::vector<Tensor>& outputs, std::int64_t rows) const;

  std::string name_;
  int dim_ = 0;
  models::Pooling pooling_ = models::Pooling::kNone;
  ImagePreprocessing preprocessing_;
  int pre_shortest_side_ = 0;                 // > 0: first resize the shorter side to this and centre-crop (see above)
  int output_index_ = 0;                      // the output the embedding comes from
  bool token_output_ = false;                 // that output is [N,T,D] (cls from token 0, or mean)
  std::unique_ptr<BatchedImageModel> model_;  // the session and its batcher
};

}  // namespace iris
