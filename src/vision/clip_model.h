// ClipModel: a CLIP-style dual encoder in the public split-ONNX layout (Hugging Face / Xenova):
//   vision_model.onnx: pixel_values float32 [N,3,H,W] -> image_embeds float32 [N,D]
//   text_model.onnx:   input_ids, attention_mask int64 [N,S] -> text_embeds float32 [N,D]   (optional)
// plus the CLIP BPE tokenizer (vocab.json + merges.txt) for the text side.
//
// The vision tower is the model's ImageEncoder (image_encoder.h: preprocessing in the caller's
// thread, one [n,3,H,W] batch to the dynamic batcher, so concurrent requests share model runs and
// one request's many images form one batch); every ClipModel has one. Embeddings are L2-normalised
// when asked (the default for similarity use); raw ones are what the model returned.
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
#include "vision/image_encoder.h"
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

class ClipModel final : public ImageEncoder {
 public:
  static Result<std::unique_ptr<ClipModel>> Load(const ClipModelFiles& files, const RuntimeConfig& runtime);
  ~ClipModel() override;

  const std::string& name() const override { return name_; }
  int dim() const override { return dim_; }
  bool has_text() const { return text_ != nullptr; }
  const ImagePreprocessing& preprocessing() const override { return vision_->preprocessing(); }
  // The execution provider the vision session runs on.
  std::string provider() const override { return vision_->session().provider(); }
  // The vision tower's batcher.
  BatcherStats stats() const override { return vision_->stats(); }

  Result<std::vector<Embedding>> EmbedTexts(std::span<const std::string> texts, bool normalize) const;

 private:
  ClipModel() = default;
  BatchAnnouncement Announce(int count) const override { return vision_->Announce(count); }
  Result<std::vector<Embedding>> EmbedBatch(std::span<const RgbImage* const> images, bool normalize,
                                            BatchAnnouncement* announcement) const override;

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
