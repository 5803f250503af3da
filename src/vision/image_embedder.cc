#include "vision/image_embedder.h"

#include <algorithm>

#include "image/resample.h"
#include "vision/embedding_math.h"
#include "vision/model_loading.h"

namespace iris {
namespace {

int FindOutput(const ModelIoSpec& io, const std::string& name) {
  for (std::size_t i = 0; i < io.outputs.size(); ++i) {
    if (io.outputs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Leading non-patch tokens (CLS + registers) of a ViT's [N,T,D] output for a width x height input.
std::int64_t PrefixTokens(std::int64_t tokens, int width, int height) {
  for (int patch : {14, 16, 8, 32}) {
    if (width % patch != 0 || height % patch != 0) continue;
    const std::int64_t prefix = tokens - static_cast<std::int64_t>(width / patch) * (height / patch);
    if (prefix >= 1 && prefix <= 16) return prefix;
  }
  return 1;
}

}  // namespace

ImageEmbedder::~ImageEmbedder() = default;

Result<std::unique_ptr<ImageEmbedder>> ImageEmbedder::Load(const models::ModelSpec& spec,
                                                           const std::filesystem::path& model_file,
                                                           const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  if (spec.task != models::ModelTask::kImageEmbedding ||
      (spec.family != models::ModelFamily::kDino && spec.family != models::ModelFamily::kResnet)) {
    return FailedPrecondition(what + " (" + std::string(models::ModelTaskName(spec.task)) + ", family " +
                              std::string(models::ModelFamilyName(spec.family)) +
                              ") is not a single-tower image embedding model (family dino or resnet)");
  }
  if (!spec.preprocessing) return FailedPrecondition(what + " has no preprocessing in the catalog");

  std::unique_ptr<ImageEmbedder> model(new ImageEmbedder());
  model->name_ = spec.name;
  model->pooling_ = spec.pooling;
  models::Preprocessing catalog = *spec.preprocessing;
  if (catalog.resize == models::ResizeMode::kShortestSide && catalog.shortest_side > catalog.input_width) {
    if (catalog.input_width != catalog.input_height) {
      return Unprocessable(what + ": shortest_side " + std::to_string(catalog.shortest_side) +
                           " then a crop needs a square input size");
    }
    model->pre_shortest_side_ = catalog.shortest_side;
    catalog.shortest_side = 0;  // the crop-sized step that follows
  }
  IRIS_ASSIGN_OR_RETURN(CatalogImageModel loaded,
                        LoadCatalogImageModel(spec, catalog, model_file, runtime, CatalogTensors::kIfListed));
  model->preprocessing_ = loaded.preprocessing;

  const ModelIoSpec& io = loaded.session->io();
  IRIS_RETURN_IF_ERROR(RequireBatchedImageInput(spec.name, io, model->preprocessing_));
  const int pooler = FindOutput(io, "pooler_output");
  const int hidden = FindOutput(io, "last_hidden_state");
  switch (spec.pooling) {
    case models::Pooling::kCls:
      if (pooler < 0 && hidden < 0) {
        return FailedPrecondition(what +
                                  ": cls pooling needs a pooler_output [N,D] or last_hidden_state [N,T,D] output");
      }
      model->output_index_ = pooler >= 0 ? pooler : hidden;
      model->token_output_ = pooler < 0;
      break;
    case models::Pooling::kMean:
      if (hidden < 0) return FailedPrecondition(what + ": mean pooling needs a last_hidden_state [N,T,D] output");
      model->output_index_ = hidden;
      model->token_output_ = true;
      break;
    case models::Pooling::kNone:
      if (io.outputs.size() != 1) {
        return FailedPrecondition(what + ": without pooling the model must have exactly one output [N,D], it has " +
                                  std::to_string(io.outputs.size()));
      }
      model->output_index_ = 0;
      break;
  }
  const TensorSpec& out = io.outputs[static_cast<std::size_t>(model->output_index_)];
  const std::size_t rank = model->token_output_ ? 3 : 2;
  if (out.shape.size() != rank || out.shape.back() <= 0) {
    return FailedPrecondition(what + ": output " + DescribeSpec(out) + " should be " +
                              (model->token_output_ ? "[N,T,D]" : "[N,D]") + " with a fixed D");
  }
  model->dim_ = static_cast<int>(out.shape.back());
  IRIS_RETURN_IF_ERROR(RequireCatalogEmbeddingDim(spec, model->dim_));

  model->model_ =
      std::make_unique<BatchedImageModel>(spec.name, std::move(loaded.session), model->preprocessing_, runtime);
  return model;
}

Status ImageEmbedder::WriteInput(const RgbImage& image, std::span<float> out) const {
  if (pre_shortest_side_ <= 0) return WriteImageTensor(image, preprocessing_, out).status();
  if (image.empty()) return InvalidArgument("invalid image");
  const PixelSize resized = ShortestSideSize(image.width, image.height, pre_shortest_side_);
  const PixelBox box = CenterCropBox(resized.width, resized.height, preprocessing_.width, preprocessing_.height);
  const ResampleOptions resample{preprocessing_.filter == ImagePreprocessing::Filter::kBilinear
                                     ? ResampleFilter::kBilinear
                                     : ResampleFilter::kBicubic,
                                 preprocessing_.antialias};
  IRIS_ASSIGN_OR_RETURN(const RgbImage crop, ResizeCrop(image, resized.width, resized.height, box, resample));
  return WriteImageTensor(crop, preprocessing_, out).status();
}

Result<std::vector<Embedding>> ImageEmbedder::Pool(const std::vector<Tensor>& outputs, std::int64_t rows) const {
  if (outputs.size() <= static_cast<std::size_t>(output_index_)) return Internal("model " + name_ + ": missing output");
  const Tensor& out = outputs[static_cast<std::size_t>(output_index_)];
  const std::size_t rank = token_output_ ? 3 : 2;
  if (out.type() != ElementType::kFloat32 || out.rank() != rank || out.shape()[0] != rows ||
      out.shape().back() != dim_ || (token_output_ && out.shape()[1] < 1)) {
    return Internal("model " + name_ + ": unexpected output " + out.Describe());
  }
  auto values = out.values<float>();
  const auto dim = static_cast<std::size_t>(dim_);
  const auto tokens = token_output_ ? static_cast<std::size_t>(out.shape()[1]) : 1;
  std::vector<Embedding> embeddings(static_cast<std::size_t>(rows), Embedding(dim, 0.0f));
  for (std::size_t r = 0; r < embeddings.size(); ++r) {
    const float* row = values.data() + r * tokens * dim;
    Embedding& e = embeddings[r];
    if (pooling_ == models::Pooling::kMean) {
      std::size_t first = static_cast<std::size_t>(
          PrefixTokens(static_cast<std::int64_t>(tokens), preprocessing_.width, preprocessing_.height));
      if (first >= tokens) first = 0;  // nothing but prefix tokens: average what there is
      std::vector<double> sum(dim, 0.0);
      for (std::size_t t = first; t < tokens; ++t) {
        for (std::size_t j = 0; j < dim; ++j) sum[j] += row[t * dim + j];
      }
      for (std::size_t j = 0; j < dim; ++j) e[j] = static_cast<float>(sum[j] / static_cast<double>(tokens - first));
    } else {
      std::copy_n(row, dim, e.begin());  // [N,D] row, or token 0 of [N,T,D]
    }
  }
  return embeddings;
}

Result<std::vector<Embedding>> ImageEmbedder::EmbedBatch(std::span<const RgbImage* const> images, bool normalize,
                                                         BatchAnnouncement* announcement) const {
  const auto write = [this](const RgbImage& image, std::span<float> out) { return WriteInput(image, out); };
  IRIS_ASSIGN_OR_RETURN(const std::vector<Tensor> outputs, model_->Run(images, announcement, write));
  IRIS_ASSIGN_OR_RETURN(std::vector<Embedding> embeddings, Pool(outputs, static_cast<std::int64_t>(images.size())));
  if (normalize) {
    for (Embedding& e : embeddings) L2NormalizeInPlace(e);
  }
  return embeddings;
}

}  // namespace iris
