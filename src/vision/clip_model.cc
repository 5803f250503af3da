#include "vision/clip_model.h"

#include "vision/embedding_math.h"

namespace iris {
namespace {

// Output 0 of a batch as rows of `dim` floats, normalised if asked.
Result<std::vector<Embedding>> RowsOf(const BatchResult& result, std::int64_t rows, bool normalize) {
  if (!result.ok()) return result.status();
  if (result->empty()) return Internal("model returned no output");
  const Tensor& out = result->front();
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

}  // namespace

ClipModel::~ClipModel() {
  // Batchers hold callbacks into the sessions: stop them before the sessions go.
  if (vision_batcher_) vision_batcher_->Shutdown();
  if (text_batcher_) text_batcher_->Shutdown();
}

Result<std::unique_ptr<ClipModel>> ClipModel::Load(const ClipModelFiles& files, const RuntimeConfig& runtime) {
  IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(files.preprocessing).WithContext("model " + files.name));
  std::unique_ptr<ClipModel> model(new ClipModel());
  model->name_ = files.name;
  model->preprocessing_ = files.preprocessing;
  model->context_length_ = files.context_length;
  model->pad_token_id_ = files.pad_token_id;

  auto vision = OnnxSession::Load(files.vision, runtime, files.vision_io);
  if (!vision.ok()) return vision.status().WithContext("model " + files.name + " (vision)");
  model->vision_ = std::move(vision).value();
  const ModelIoSpec& io = model->vision_->io();
  if (io.inputs.size() != 1 || io.outputs.empty() || io.outputs[0].shape.size() != 2 || io.outputs[0].shape[1] <= 0) {
    return FailedPrecondition("model " + files.name +
                              ": vision_model.onnx must take one image tensor and return [N,D]");
  }
  const auto& in_shape = io.inputs[0].shape;
  if (in_shape.size() != 4 || in_shape[1] != 3 || (in_shape[2] > 0 && in_shape[2] != files.preprocessing.height) ||
      (in_shape[3] > 0 && in_shape[3] != files.preprocessing.width)) {
    return FailedPrecondition("model " + files.name + ": vision input " + DescribeSpec(io.inputs[0]) +
                              " does not match the preprocessing size " + std::to_string(files.preprocessing.width) +
                              "x" + std::to_string(files.preprocessing.height));
  }
  model->dim_ = static_cast<int>(io.outputs[0].shape[1]);
  BatcherOptions options = BatcherOptionsFromConfig(runtime);
  if (auto fixed = FixedBatchSize(io)) options.max_batch_size = static_cast<int>(*fixed);
  const OnnxSession* vision_session = model->vision_.get();
  model->vision_batcher_ = std::make_unique<DynamicBatcher>(
      files.name + "/vision", options,
      [vision_session](const std::vector<Tensor>& inputs) { return vision_session->Run(inputs); });

  if (files.text) {
    if (!files.vocab || !files.merges)
      return FailedPrecondition("model " + files.name + ": text tower without tokenizer");
    auto tokenizer = ClipTokenizer::Load(*files.vocab, *files.merges);
    if (!tokenizer.ok()) return tokenizer.status().WithContext("model " + files.name + " tokenizer");
    model->tokenizer_ = std::move(tokenizer).value();
    auto text = OnnxSession::Load(*files.text, runtime, files.text_io);
    if (!text.ok()) return text.status().WithContext("model " + files.name + " (text)");
    model->text_ = std::move(text).value();
    if (model->text_->io().inputs.size() != 2 || model->text_->io().outputs.empty() ||
        model->text_->io().outputs[0].shape.size() != 2 || model->text_->io().outputs[0].shape[1] != model->dim_) {
      return FailedPrecondition("model " + files.name +
                                ": text_model.onnx must take input_ids + attention_mask and "
                                "return [N," +
                                std::to_string(model->dim_) + "]");
    }
    const OnnxSession* text_session = model->text_.get();
    model->text_batcher_ = std::make_unique<DynamicBatcher>(
        files.name + "/text", BatcherOptionsFromConfig(runtime),
        [text_session](const std::vector<Tensor>& inputs) { return text_session->Run(inputs); });
  }
  return model;
}

Result<std::vector<Embedding>> ClipModel::EmbedImages(std::span<const RgbImage* const> images, bool normalize,
                                                      BatchAnnouncement* announcement) const {
  if (images.empty()) return InvalidArgument("no images to embed");
  const auto n = static_cast<std::int64_t>(images.size());
  const std::int64_t h = preprocessing_.height, w = preprocessing_.width;
  IRIS_ASSIGN_OR_RETURN(Tensor pixels, Tensor::Zeros(ElementType::kFloat32, {n, 3, h, w}));
  auto buffer = pixels.mutable_values<float>();
  const auto slot = static_cast<std::size_t>(3 * h * w);
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto placed = WriteImageTensor(*images[i], preprocessing_, buffer.subspan(i * slot, slot));
    if (!placed.ok()) return placed.status();
  }
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(pixels));
  auto future = n == 1 ? vision_batcher_->Submit(std::move(inputs)) : vision_batcher_->SubmitMany(std::move(inputs));
  if (announcement) announcement->Release();  // submitted: the batch need not wait for it any more
  return RowsOf(future.get(), n, normalize);
}

Result<Embedding> ClipModel::EmbedImage(const RgbImage& image, bool normalize, BatchAnnouncement* announcement) const {
  const RgbImage* one[] = {&image};
  IRIS_ASSIGN_OR_RETURN(std::vector<Embedding> rows, EmbedImages(one, normalize, announcement));
  return std::move(rows.front());
}

Result<std::vector<Embedding>> ClipModel::EmbedTexts(std::span<const std::string> texts, bool normalize) const {
  if (!text_) return FailedPrecondition("model " + name_ + " has no text tower (text_model.onnx)");
  if (texts.empty()) return InvalidArgument("no texts to embed");
  TokenBatch batch = tokenizer_->EncodeBatch(texts, context_length_, pad_token_id_);
  const std::vector<std::int64_t> shape = {batch.batch_size, batch.sequence_length};
  IRIS_ASSIGN_OR_RETURN(Tensor ids, Tensor::FromInt64s(shape, batch.input_ids));
  IRIS_ASSIGN_OR_RETURN(Tensor mask, Tensor::FromInt64s(shape, batch.attention_mask));
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(ids));
  inputs.push_back(std::move(mask));
  auto future =
      batch.batch_size == 1 ? text_batcher_->Submit(std::move(inputs)) : text_batcher_->SubmitMany(std::move(inputs));
  return RowsOf(future.get(), batch.batch_size, normalize);
}

}  // namespace iris
