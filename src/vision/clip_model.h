// ClipModel: a CLIP-style dual encoder in the public split-ONNX layout (Hugging Face / Xenova):
//   vision_model.onnx: pixel_values float32 [N,3,H,W] -> image_embeds float32 [N,D]
//   text_model.onnx:   input_ids, attention_mask int64 [N,S] -> text_embeds float32 [N,D]   (optional)
// plus the CLIP BPE tokenizer (vocab.json + merges.txt) for the text side.
//
// Images are preprocessed in the caller's thread (exactly as the catalog's preprocessing says) into
// one [n,3,H,W] buffer, then submitted to the model's dynamic batcher, so concurrent requests share
// model runs and one request's many images form one batch. Embeddings are L2-normalised when asked
// (the default for similarity use); raw ones are what the model returned.
//
// Errors: FailedPrecondition when the text side is asked for but the model has none; Unavailable
// when the model's queue is full (overload, answer 503); InvalidArgument for empty input.
// Thread-safety: all const methods may be called concurrently; the sessions and batchers are shared.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "runtime/dynamic_batcher.h"
#include "runtime/onnx_session.h"
#include "vision/batched_image_model.h"  // BatchedImageModel, Embedding
#include "vision/clip_tokenizer.h"
#include "vision/image_tensor.h"

namespace iris {

struct ClipModelFiles {
  std::string name;
  std::filesystem::path vision;
  std::optional<std::filesystem::path> text;
  std::optional<std::filesystem::path> vocab;   // required with text
  std::optional<std::filesystem::path> merges;  // required with text
  ImagePreprocessing preprocessing;
  int context_length = 77;
  std::int64_t pad_token_id = 49407;
  std::optional<ModelIoSpec> vision_io;  // expected tensors (from the catalog); checked at load
  std::optional<ModelIoSpec> text_io;
};

class ClipModel {
 public:
  static Result<std::unique_ptr<ClipModel>> Load(const ClipModelFiles& files, const RuntimeConfig& runtime);
  ~ClipModel();

  const std::string& name() const { return name_; }
  int dim() const { return dim_; }
  bool has_text() const { return text_ != nullptr; }
  const ImagePreprocessing& preprocessing() const { return vision_->preprocessing(); }
  // The execution provider the vision session runs on.
  std::string provider() const { return vision_->session().provider(); }

  // Call before decoding/preprocessing an image that will be embedded, and pass the announcement
  // to EmbedImage(s): concurrent requests then share one model run without a fixed batching delay
  // (see DynamicBatcher "Announcements").
  BatchAnnouncement AnnounceImages(int count = 1) const { return vision_->Announce(count); }

  Result<std::vector<Embedding>> EmbedImages(std::span<const RgbImage* const> images, bool normalize,
                                             BatchAnnouncement* announcement = nullptr) const;
  Result<Embedding> EmbedImage(const RgbImage& image, bool normalize, BatchAnnouncement* announcement = nullptr) const;
  Result<std::vector<Embedding>> EmbedTexts(std::span<const std::string> texts, bool normalize) const;

  BatcherStats vision_stats() const { return vision_->stats(); }

 private:
  ClipModel() = default;

  std::string name_;
  int dim_ = 0;
  int context_length_ = 77;
  std::int64_t pad_token_id_ = 49407;
  std::unique_ptr<BatchedImageModel> vision_;  // the vision session and its batcher
  std::unique_ptr<OnnxSession> text_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  std::unique_ptr<DynamicBatcher> text_batcher_;  // declared after the text session: destroyed first
};

}  // namespace iris
