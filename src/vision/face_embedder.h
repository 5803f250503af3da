// FaceEmbedder: identity embeddings of faces (catalog task face_embedding, e.g. "mobilefacenet":
// input float32 [1,3,112,112], output [1,D]). Faces are aligned first (face_alignment.h: the
// 5-landmark similarity warp onto the ArcFace template, or a square box crop without landmarks),
// then preprocessed exactly as the catalog entry says (catalog_preprocessing.h) and run.
// Embeddings are always L2-normalised: compare two with a dot product (cosine similarity).
//
// Load checks the model against the catalog entry's tensors (OnnxSession's expected I/O), that the
// input is one square [N,3,S,S] image matching the preprocessing size, and that the output is [N,D]
// with D = the entry's embedding_dim; otherwise FailedPrecondition naming what differs.
// Runs go through a DynamicBatcher built from the [runtime] settings (max_batch_size capped at the
// model's fixed batch, 1 for MobileFaceNet), which bounds the queue: Unavailable when overloaded.
//
// Errors: InvalidArgument for an invalid image or a face that cannot be aligned (see AlignFace);
// Unavailable when the queue is full. EmbedFaces with no faces returns no embeddings (not an error).
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
#include "vision/detection.h"
#include "vision/image_tensor.h"

namespace iris {

class FaceEmbedder {
 public:
  static Result<std::unique_ptr<FaceEmbedder>> Load(const models::ModelSpec& spec,
                                                    const std::filesystem::path& model_file,
                                                    const RuntimeConfig& runtime);
  ~FaceEmbedder();

  const std::string& name() const { return name_; }
  int dim() const { return dim_; }
  // The side of the aligned square crop the model takes (112 for MobileFaceNet).
  int input_size() const { return model_->preprocessing().width; }
  const ImagePreprocessing& preprocessing() const { return model_->preprocessing(); }
  std::string provider() const { return model_->session().provider(); }

  // One face crop (normally AlignFace's output; any other size is resized as the catalog says).
  Result<Embedding> Embed(const RgbImage& aligned_face) const;
  // Aligns each face of `image` (landmarks when present, else the box) and embeds it; one
  // embedding per face, in order.
  Result<std::vector<Embedding>> EmbedFaces(const RgbImage& image, std::span<const Detection> faces) const;
  // Embeds already aligned crops together (one request to the batcher).
  Result<std::vector<Embedding>> EmbedAligned(std::span<const RgbImage* const> aligned_faces) const;

 private:
  FaceEmbedder() = default;

  std::string name_;
  int dim_ = 0;
  std::unique_ptr<BatchedImageModel> model_;  // the session and its batcher
};

}  // namespace iris
