// BatchedImageModel: an image-input ONNX session behind its DynamicBatcher, and the one path
// "images -> one [n,3,H,W] float tensor -> batcher -> outputs" of the batched vision adapters
// (FaceEmbedder, ImageEmbedder, ClipModel's vision tower).
//
// Contract:
//   * The batcher takes its options from [runtime] (BatcherOptionsFromConfig), with max_batch_size
//     capped at the batch the model fixes in dim 0 (FixedBatchSize); it calls the session, which
//     this object owns, and is shut down before the session goes (destructor).
//   * Run preprocesses in the caller's thread: each image is written into its slot of one
//     [n,3,H,W] buffer (H, W from preprocessing()) by WriteImageTensor, or by the adapter's
//     `write` when it has its own resize; the buffer goes to the batcher as one request (Submit for
//     n == 1, SubmitMany otherwise); `announcement` (may be null) is released once submitted.
//     Errors: InvalidArgument for no images; the writer's error for an image; the batcher's
//     (Unavailable when the queue is full) or the session's error.
//   * EmbeddingRows reads output 0 of a run as n rows of D floats (L2-normalised when asked);
//     Internal when there is no output or it is not float32 [n,D].
//
// Thread-safety: const methods may be called concurrently. Not copyable or movable.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "runtime/dynamic_batcher.h"
#include "runtime/onnx_session.h"
#include "vision/image_tensor.h"

namespace iris {

using Embedding = std::vector<float>;

class BatchedImageModel {
 public:
  // Writes one image's 3 x H x W floats into `out`.
  using PixelWriter = std::function<Status(const RgbImage& image, std::span<float> out)>;

  // `batcher_name` names the model in the batcher's messages.
  BatchedImageModel(std::string batcher_name, std::unique_ptr<OnnxSession> session, ImagePreprocessing preprocessing,
                    const RuntimeConfig& runtime);
  ~BatchedImageModel();
  BatchedImageModel(const BatchedImageModel&) = delete;
  BatchedImageModel& operator=(const BatchedImageModel&) = delete;

  const OnnxSession& session() const { return *session_; }
  const ImagePreprocessing& preprocessing() const { return preprocessing_; }
  BatchAnnouncement Announce(int count) const { return batcher_->Announce(count); }
  BatcherStats stats() const { return batcher_->stats(); }

  // The outputs of one run over `images` (see the contract above); `write` null = WriteImageTensor.
  Result<std::vector<Tensor>> Run(std::span<const RgbImage* const> images, BatchAnnouncement* announcement = nullptr,
                                  const PixelWriter& write = nullptr) const;

 private:
  std::unique_ptr<OnnxSession> session_;
  ImagePreprocessing preprocessing_;
  std::unique_ptr<DynamicBatcher> batcher_;  // declared after the session: destroyed first
};

// Output 0 of a run as `rows` embeddings, normalised if asked.
Result<std::vector<Embedding>> EmbeddingRows(const std::vector<Tensor>& outputs, std::int64_t rows, bool normalize);

}  // namespace iris
