#include "vision/clip_model.h"

#include "vision/model_loading.h"

namespace iris {

ClipModel::~ClipModel() {
  // The text batcher holds a callback into the text session: stop it before the session goes (the
  // vision tower's BatchedImageModel stops its own).
  if (text_batcher_) text_batcher_->Shutdown();
}

Result<std::unique_ptr<ClipModel>> ClipModel::Load(const ClipModelFiles& files, const RuntimeConfig& runtime) {
  IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(files.preprocessing).WithContext("model " + files.name));
  std::unique_ptr<ClipModel> model(new ClipModel());
  model->name_ = files.name;
  model->context_length_ = files.context_length;
  model->pad_token_id_ = files.pad_token_id;

  auto vision = OnnxSession::Load(files.vision, runtime, files.vision_io);
  if (!vision.ok()) return vision.status().WithContext("model " + files.name + " (vision)");
  const ModelIoSpec& io = (*vision)->io();
  if (io.inputs.size() != 1 || io.outputs.empty() || io.outputs[0].shape.size() != 2 || io.outputs[0].shape[1] <= 0) {
    return FailedPrecondition("model " + files.name +
                              ": vision_model.onnx must take one image tensor and return [N,D]");
  }
  if (!MatchesImageInput(io, files.preprocessing.width, files.preprocessing.height)) {
    return FailedPrecondition("model " + files.name + ": vision input " + DescribeSpec(io.inputs[0]) +
                              " does not match the preprocessing size " + std::to_string(files.preprocessing.width) +
                              "x" + std::to_string(files.preprocessing.height));
  }
  model->dim_ = static_cast<int>(io.outputs[0].shape[1]);
  model->vision_ = std::make_unique<BatchedImageModel>(files.name + "/vision", std::move(vision).value(),
                                                       files.preprocessing, runtime);

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

Result<std::vector<Embedding>> ClipModel::EmbedBatch(std::span<const RgbImage* const> images, bool normalize,
                                                     BatchAnnouncement* announcement) const {
  IRIS_ASSIGN_OR_RETURN(const std::vector<Tensor> outputs, vision_->Run(images, announcement));
  return EmbeddingRows(outputs, static_cast<std::int64_t>(images.size()), normalize);
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
  BatchResult result = future.get();
  if (!result.ok()) return result.status();
  return EmbeddingRows(*result, batch.batch_size, normalize);
}

}  // namespace iris
