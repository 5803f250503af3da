#include "vision/face_embedder.h"

#include "vision/face_alignment.h"
#include "vision/model_loading.h"

namespace iris {

FaceEmbedder::~FaceEmbedder() = default;

Result<std::unique_ptr<FaceEmbedder>> FaceEmbedder::Load(const models::ModelSpec& spec,
                                                         const std::filesystem::path& model_file,
                                                         const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  if (spec.task != models::ModelTask::kFaceEmbedding) {
    return FailedPrecondition(what + " is a " + std::string(models::ModelTaskName(spec.task)) +
                              " model, not face_embedding");
  }
  if (!spec.preprocessing) return FailedPrecondition(what + " has no preprocessing in the catalog");
  if (spec.preprocessing->input_width != spec.preprocessing->input_height) {
    return FailedPrecondition(what + ": a face embedder takes a square input, the catalog says " +
                              std::to_string(spec.preprocessing->input_width) + "x" +
                              std::to_string(spec.preprocessing->input_height));
  }
  IRIS_ASSIGN_OR_RETURN(CatalogImageModel loaded, LoadCatalogImageModel(spec, *spec.preprocessing, model_file, runtime,
                                                                        CatalogTensors::kIfListed));

  const ModelIoSpec& io = loaded.session->io();
  IRIS_RETURN_IF_ERROR(RequireBatchedImageInput(spec.name, io, loaded.preprocessing));
  if (io.outputs.empty() || io.outputs[0].shape.size() != 2 || io.outputs[0].shape[1] <= 0) {
    return FailedPrecondition(what + ": expected an embedding output [N,D]");
  }
  const int dim = static_cast<int>(io.outputs[0].shape[1]);
  IRIS_RETURN_IF_ERROR(RequireCatalogEmbeddingDim(spec, dim));

  std::unique_ptr<FaceEmbedder> model(new FaceEmbedder());
  model->name_ = spec.name;
  model->dim_ = dim;
  model->model_ =
      std::make_unique<BatchedImageModel>(spec.name, std::move(loaded.session), loaded.preprocessing, runtime);
  return model;
}

Result<std::vector<Embedding>> FaceEmbedder::EmbedAligned(std::span<const RgbImage* const> faces) const {
  if (faces.empty()) return std::vector<Embedding>{};
  const auto n = static_cast<std::int64_t>(faces.size());
  IRIS_ASSIGN_OR_RETURN(const std::vector<Tensor> outputs, model_->Run(faces));
  if (outputs.empty()) return Internal("model " + name_ + " returned no output");
  const Tensor& out = outputs.front();
  if (out.type() != ElementType::kFloat32 || out.rank() != 2 || out.shape()[0] != n || out.shape()[1] != dim_) {
    return Internal("model " + name_ + ": unexpected embedding output " + out.Describe());
  }
  return EmbeddingRows(outputs, n, /*normalize=*/true);
}

Result<Embedding> FaceEmbedder::Embed(const RgbImage& aligned_face) const {
  const RgbImage* one[] = {&aligned_face};
  IRIS_ASSIGN_OR_RETURN(std::vector<Embedding> rows, EmbedAligned(one));
  return std::move(rows.front());
}

Result<std::vector<Embedding>> FaceEmbedder::EmbedFaces(const RgbImage& image, std::span<const Detection> faces) const {
  std::vector<RgbImage> aligned;
  aligned.reserve(faces.size());
  for (const Detection& face : faces) {
    IRIS_ASSIGN_OR_RETURN(RgbImage crop, AlignFace(image, face, input_size()));
    aligned.push_back(std::move(crop));
  }
  std::vector<const RgbImage*> pointers;
  for (const RgbImage& crop : aligned) pointers.push_back(&crop);
  return EmbedAligned(pointers);
}

}  // namespace iris
