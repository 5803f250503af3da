#include "vision/face_embedder.h"

#include "vision/catalog_preprocessing.h"
#include "vision/embedding_math.h"
#include "vision/face_alignment.h"

namespace iris {

FaceEmbedder::~FaceEmbedder() {
  if (batcher_) batcher_->Shutdown();  // the batcher calls into the session: stop it first
}

Result<std::unique_ptr<FaceEmbedder>> FaceEmbedder::Load(const models::ModelSpec& spec,
                                                         const std::filesystem::path& model_file,
                                                         const RuntimeConfig& runtime) {
  const std::string what = "model " + spec.name;
  if (spec.task != models::ModelTask::kFaceEmbedding) {
    return FailedPrecondition(what + " is a " + std::string(models::ModelTaskName(spec.task)) +
                              " model, not face_embedding");
  }
  if (!spec.preprocessing) return FailedPrecondition(what + " has no preprocessing in the catalog");
  auto preprocessing = ToImagePreprocessing(*spec.preprocessing);
  if (!preprocessing.ok()) return preprocessing.status().WithContext(what);
  if (preprocessing->width != preprocessing->height) {
    return FailedPrecondition(what + ": a face embedder takes a square input, the catalog says " +
                              std::to_string(preprocessing->width) + "x" + std::to_string(preprocessing->height));
  }
  std::optional<ModelIoSpec> expected;
  if (const models::ModelFile* file = spec.FindFile("model"); file && !file->inputs.empty()) {
    expected = ToModelIoSpec(*file);
  }

  std::unique_ptr<FaceEmbedder> model(new FaceEmbedder());
  model->name_ = spec.name;
  model->preprocessing_ = *preprocessing;
  auto session = OnnxSession::Load(model_file, runtime, expected);
  if (!session.ok()) return session.status().WithContext(what);
  model->session_ = std::move(session).value();

  const ModelIoSpec& io = model->session_->io();
  const std::int64_t side = model->preprocessing_.width;
  if (io.inputs.size() != 1 || io.inputs[0].shape.size() != 4 || io.inputs[0].shape[1] != 3 ||
      (io.inputs[0].shape[2] > 0 && io.inputs[0].shape[2] != side) ||
      (io.inputs[0].shape[3] > 0 && io.inputs[0].shape[3] != side)) {
    return FailedPrecondition(what + ": expected one image input [N,3," + std::to_string(side) + "," +
                              std::to_string(side) + "], the model has " +
                              (io.inputs.empty() ? std::string("none") : DescribeSpec(io.inputs[0])));
  }
  if (io.outputs.empty() || io.outputs[0].shape.size() != 2 || io.outputs[0].shape[1] <= 0) {
    return FailedPrecondition(what + ": expected an embedding output [N,D]");
  }
  model->dim_ = static_cast<int>(io.outputs[0].shape[1]);
  if (spec.embedding_dim > 0 && spec.embedding_dim != model->dim_) {
    return FailedPrecondition(what + ": the model returns " + std::to_string(model->dim_) +
                              "-d embeddings, the catalog says " + std::to_string(spec.embedding_dim));
  }

  BatcherOptions options = BatcherOptionsFromConfig(runtime);
  if (auto fixed = FixedBatchSize(io)) options.max_batch_size = static_cast<int>(*fixed);
  const OnnxSession* session_ptr = model->session_.get();
  model->batcher_ = std::make_unique<DynamicBatcher>(
      spec.name, options, [session_ptr](const std::vector<Tensor>& inputs) { return session_ptr->Run(inputs); });
  return model;
}

Result<std::vector<Embedding>> FaceEmbedder::EmbedAligned(std::span<const RgbImage* const> faces) const {
  if (faces.empty()) return std::vector<Embedding>{};
  const auto n = static_cast<std::int64_t>(faces.size());
  const std::int64_t h = preprocessing_.height, w = preprocessing_.width;
  IRIS_ASSIGN_OR_RETURN(Tensor pixels, Tensor::Zeros(ElementType::kFloat32, {n, 3, h, w}));
  auto buffer = pixels.mutable_values<float>();
  const auto slot = static_cast<std::size_t>(3 * h * w);
  for (std::size_t i = 0; i < faces.size(); ++i) {
    auto placed = WriteImageTensor(*faces[i], preprocessing_, buffer.subspan(i * slot, slot));
    if (!placed.ok()) return placed.status();
  }
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(pixels));
  BatchResult result = (n == 1 ? batcher_->Submit(std::move(inputs)) : batcher_->SubmitMany(std::move(inputs))).get();
  if (!result.ok()) return result.status();
  if (result->empty()) return Internal("model " + name_ + " returned no output");
  const Tensor& out = result->front();
  if (out.type() != ElementType::kFloat32 || out.rank() != 2 || out.shape()[0] != n || out.shape()[1] != dim_) {
    return Internal("model " + name_ + ": unexpected embedding output " + out.Describe());
  }
  auto values = out.values<float>();
  std::vector<Embedding> embeddings(faces.size());
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    const auto begin = values.begin() + static_cast<std::ptrdiff_t>(i * dim_);
    embeddings[i].assign(begin, begin + dim_);
    L2NormalizeInPlace(embeddings[i]);
  }
  return embeddings;
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
