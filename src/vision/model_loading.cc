#include "vision/model_loading.h"

#include "vision/catalog_preprocessing.h"

namespace iris {

std::string ModelContext(std::string_view name) { return "model " + std::string(name); }

Status RequireFamily(const models::ModelSpec& spec, models::ModelFamily family, std::string_view adapter) {
  if (spec.family == family) return Status::Ok();
  return FailedPrecondition(ModelContext(spec.name) + " is a " + std::string(models::ModelFamilyName(spec.family)) +
                            " model, not " + std::string(adapter));
}

Result<CatalogImageModel> LoadCatalogImageModel(const models::ModelSpec& spec,
                                                const models::Preprocessing& preprocessing,
                                                const std::filesystem::path& model_file, const RuntimeConfig& runtime,
                                                CatalogTensors tensors) {
  const std::string what = ModelContext(spec.name);
  const models::ModelFile* file = spec.FindFile("model");
  std::optional<ModelIoSpec> expected;
  if (tensors == CatalogTensors::kRequired) {
    if (!file) return FailedPrecondition(what + ": the catalog entry has no \"model\" file");
    expected = ToModelIoSpec(*file);
  } else if (file && !file->inputs.empty()) {
    expected = ToModelIoSpec(*file);
  }
  CatalogImageModel model;
  auto converted = ToImagePreprocessing(preprocessing);
  if (!converted.ok()) return converted.status().WithContext(what);
  model.preprocessing = *converted;
  auto session = OnnxSession::Load(model_file, runtime, expected);
  if (!session.ok()) return session.status().WithContext(what);
  model.session = std::move(session).value();
  return model;
}

Result<CatalogImageModel> LoadCatalogDetectorModel(const models::ModelSpec& spec, models::ModelFamily family,
                                                   std::string_view adapter, const std::filesystem::path& model_file,
                                                   const RuntimeConfig& runtime) {
  IRIS_RETURN_IF_ERROR(RequireFamily(spec, family, adapter));
  if (!spec.preprocessing) {
    return FailedPrecondition(ModelContext(spec.name) + ": the catalog entry has no preprocessing");
  }
  return LoadCatalogImageModel(spec, *spec.preprocessing, model_file, runtime, CatalogTensors::kRequired);
}

bool MatchesImageInput(const ModelIoSpec& io, int width, int height) {
  if (io.inputs.size() != 1) return false;
  const auto& in = io.inputs[0].shape;
  return in.size() == 4 && in[1] == 3 && (in[2] <= 0 || in[2] == height) && (in[3] <= 0 || in[3] == width);
}

Status RequireBatchedImageInput(std::string_view name, const ModelIoSpec& io, const ImagePreprocessing& preprocessing) {
  if (MatchesImageInput(io, preprocessing.width, preprocessing.height)) return Status::Ok();
  return FailedPrecondition(ModelContext(name) + ": expected one image input [N,3," +
                            std::to_string(preprocessing.height) + "," + std::to_string(preprocessing.width) +
                            "], the model has " +
                            (io.inputs.empty() ? std::string("none") : DescribeSpec(io.inputs[0])));
}

Status RequireCatalogEmbeddingDim(const models::ModelSpec& spec, int dim) {
  if (spec.embedding_dim <= 0 || spec.embedding_dim == dim) return Status::Ok();
  return FailedPrecondition(ModelContext(spec.name) + ": the model returns " + std::to_string(dim) +
                            "-d embeddings, the catalog says " + std::to_string(spec.embedding_dim));
}

}  // namespace iris
