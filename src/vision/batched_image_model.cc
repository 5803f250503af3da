#include "vision/batched_image_model.h"

#include "vision/embedding_math.h"

namespace iris {

BatchedImageModel::BatchedImageModel(std::string batcher_name, std::unique_ptr<OnnxSession> session,
                                     ImagePreprocessing preprocessing, const RuntimeConfig& runtime)
    : session_(std::move(session)), preprocessing_(std::move(preprocessing)) {
  BatcherOptions options = BatcherOptionsFromConfig(runtime);
  if (auto fixed = FixedBatchSize(session_->io())) options.max_batch_size = static_cast<int>(*fixed);
  const OnnxSession* session_ptr = session_.get();
  batcher_ = std::make_unique<DynamicBatcher>(
      std::move(batcher_name), options,
      [session_ptr](const std::vector<Tensor>& inputs) { return session_ptr->Run(inputs); });
}

BatchedImageModel::~BatchedImageModel() {
  batcher_->Shutdown();  // the batcher calls into the session: stop it first
}

Result<std::vector<Tensor>> BatchedImageModel::Run(std::span<const RgbImage* const> images,
                                                   BatchAnnouncement* announcement, const PixelWriter& write) const {
  if (images.empty()) return InvalidArgument("no images to embed");
  const auto n = static_cast<std::int64_t>(images.size());
  const std::int64_t h = preprocessing_.height, w = preprocessing_.width;
  IRIS_ASSIGN_OR_RETURN(Tensor pixels, Tensor::Zeros(ElementType::kFloat32, {n, 3, h, w}));
  auto buffer = pixels.mutable_values<float>();
  const auto slot = static_cast<std::size_t>(3 * h * w);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::span<float> out = buffer.subspan(i * slot, slot);
    IRIS_RETURN_IF_ERROR(write ? write(*images[i], out) : WriteImageTensor(*images[i], preprocessing_, out).status());
  }
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(pixels));
  auto future = n == 1 ? batcher_->Submit(std::move(inputs)) : batcher_->SubmitMany(std::move(inputs));
  if (announcement) announcement->Release();  // submitted: the batch need not wait for it any more
  return future.get();
}

Result<std::vector<Embedding>> EmbeddingRows(const std::vector<Tensor>& outputs, std::int64_t rows, bool normalize) {
  if (outputs.empty()) return Internal("model returned no output");
  const Tensor& out = outputs.front();
  if (out.type() != ElementType::kFloat32 || out.rank() != 2 || out.shape()[0] != rows) {
    return Internal("unexpected embedding output " + out.Describe());
  }
  const auto dim = static_cast<std::size_t>(out.shape()[1]);
  auto values = out.values<float>();
  std::vector<Embedding> embeddings(static_cast<std::size_t>(rows));
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    embeddings[i].assign(values.begin() + static_cast<std::ptrdiff_t>(i * dim),
                         values.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
    if (normalize) L2NormalizeInPlace(embeddings[i]);
  }
  return embeddings;
}

}  // namespace iris
