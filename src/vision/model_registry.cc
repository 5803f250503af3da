#include "vision/model_registry.h"

#include "core/logging.h"
#include "vision/catalog_preprocessing.h"
#include "vision/hf_preprocessor_config.h"
#include "vision/model_kind.h"

namespace iris {
namespace {

// The tensor contract of the public split CLIP exports, used when a local folder has no catalog entry.
ModelIoSpec ClipVisionContract(const ImagePreprocessing& p) {
  return {{{"pixel_values", ElementType::kFloat32, {-1, 3, p.height, p.width}}},
          {{"image_embeds", ElementType::kFloat32, {-1, -1}}}};
}
ModelIoSpec ClipTextContract() {
  return {{{"input_ids", ElementType::kInt64, {-1, -1}}, {"attention_mask", ElementType::kInt64, {-1, -1}}},
          {{"text_embeds", ElementType::kFloat32, {-1, -1}}}};
}

std::optional<std::filesystem::path> FirstExisting(const std::filesystem::path& dir,
                                                   std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (std::filesystem::exists(dir / n)) return dir / n;
  }
  return std::nullopt;
}

}  // namespace

Result<std::map<std::string, std::filesystem::path>> ParseLocalModels(const std::vector<std::string>& entries) {
  std::map<std::string, std::filesystem::path> out;
  for (const auto& e : entries) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      return InvalidArgument("models.local entry '" + e + "' must be name=DIR");
    }
    out[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return out;
}

ModelRegistry::ModelRegistry(const Config& config, std::shared_ptr<const models::ModelStore> store)
    : runtime_(config.runtime), default_clip_(config.models.default_clip), store_(std::move(store)) {
  auto local = ParseLocalModels(config.models.local);
  if (local.ok())
    local_ = *local;
  else
    LogWarn("models.local_ignored", {{"reason", local.status().message()}});
}

Result<ClipModelFiles> ModelRegistry::ClipFilesFor(const std::string& name) const {
  ClipModelFiles files;
  files.name = name;
  if (auto it = local_.find(name); it != local_.end()) {
    const auto& dir = it->second;
    auto vision = FirstExisting(dir, {"vision_model.onnx", "onnx/vision_model.onnx"});
    if (!vision) return NotFound("local model '" + name + "': no vision_model.onnx in " + dir.string());
    files.vision = *vision;
    IRIS_ASSIGN_OR_RETURN(files.preprocessing, ReadHfPreprocessorConfig(dir / "preprocessor_config.json"));
    files.vision_io = ClipVisionContract(files.preprocessing);
    auto text = FirstExisting(dir, {"text_model.onnx", "onnx/text_model.onnx"});
    auto vocab = FirstExisting(dir, {"vocab.json"});
    auto merges = FirstExisting(dir, {"merges.txt"});
    if (text && vocab && merges) {
      files.text = text;
      files.vocab = vocab;
      files.merges = merges;
      files.text_io = ClipTextContract();
    }
    return files;
  }
  if (!store_) return FailedPrecondition("no model store configured");
  IRIS_ASSIGN_OR_RETURN(const models::ModelSpec* spec, store_->catalog().Find(name));
  if (spec->family != models::ModelFamily::kClip) {
    return FailedPrecondition("model '" + name + "' is a " + std::string(models::ModelFamilyName(spec->family)) +
                              " model, not CLIP");
  }
  if (!spec->preprocessing) return FailedPrecondition("catalog entry '" + name + "' has no preprocessing");
  IRIS_ASSIGN_OR_RETURN(files.preprocessing, ToImagePreprocessing(*spec->preprocessing));
  IRIS_ASSIGN_OR_RETURN(files.vision, store_->ResolveModelFile(name, "vision"));
  if (const auto* f = spec->FindFile("vision"); f && !f->inputs.empty()) files.vision_io = ToModelIoSpec(*f);
  if (spec->FindFile("text")) {
    IRIS_ASSIGN_OR_RETURN(auto text, store_->ResolveModelFile(name, "text"));
    IRIS_ASSIGN_OR_RETURN(auto vocab, store_->ResolveModelFile(name, "vocab"));
    IRIS_ASSIGN_OR_RETURN(auto merges, store_->ResolveModelFile(name, "merges"));
    files.text = text;
    files.vocab = vocab;
    files.merges = merges;
    if (!spec->FindFile("text")->inputs.empty()) files.text_io = ToModelIoSpec(*spec->FindFile("text"));
    if (spec->text) {
      files.context_length = spec->text->context_length;
      files.pad_token_id = spec->text->pad_token_id;
    }
  }
  return files;
}

template <typename T, typename Load>
Result<std::shared_ptr<const T>> ModelRegistry::GetOrLoad(std::map<std::string, std::shared_ptr<const T>>& loaded,
                                                          const std::string& name, ModelKind model_kind, Load load) {
  const std::string_view kind = ModelKindName(model_kind);
  std::shared_ptr<std::mutex> load_lock;
  {
    std::lock_guard lock(mu_);
    if (auto it = loaded.find(name); it != loaded.end()) return it->second;
    auto& slot = loading_[std::string(kind) + "/" + name];
    if (!slot) slot = std::make_shared<std::mutex>();
    load_lock = slot;
  }
  std::lock_guard loading(*load_lock);  // concurrent first uses wait here for one load
  {
    std::lock_guard lock(mu_);
    if (auto it = loaded.find(name); it != loaded.end()) return it->second;
  }
  const auto started = std::chrono::steady_clock::now();
  auto result = load();
  if (!result.ok()) return result.status();
  std::shared_ptr<const T> model = std::move(result).value();
  LogInfo("model.loaded",
          {{"model", name},
           {"kind", kind},
           {"provider", model->provider()},
           {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}});
  std::lock_guard lock(mu_);
  loaded[name] = model;
  return model;
}

const models::ModelSpec* ModelRegistry::CatalogEntry(const std::string& name) const {
  if (local_.count(name) || !store_) return nullptr;
  auto found = store_->catalog().Find(name);
  return found.ok() ? *found : nullptr;
}

Result<std::pair<const models::ModelSpec*, std::filesystem::path>> ModelRegistry::CatalogModel(
    const std::string& name, ModelKind kind, std::string_view what) const {
  if (!store_) return FailedPrecondition("no model store configured");
  IRIS_ASSIGN_OR_RETURN(const models::ModelSpec* spec, store_->catalog().Find(name));
  if (ModelKindOf(spec->family) != kind) {
    return FailedPrecondition("model '" + name + "' is a " + std::string(models::ModelFamilyName(spec->family)) +
                              " model, not a " + std::string(what));
  }
  IRIS_ASSIGN_OR_RETURN(auto file, store_->ResolveModelFile(name, "model"));
  return std::make_pair(spec, file);
}

Result<std::shared_ptr<const ClipModel>> ModelRegistry::Clip(std::string_view requested) {
  const std::string name(requested.empty() ? default_clip_ : requested);
  // Names come from requests: only known names get a loading slot, so arbitrary names cannot grow
  // the registry.
  if (!local_.count(name)) {
    if (!store_) return NotFound("unknown model '" + name + "'");
    IRIS_RETURN_IF_ERROR(store_->catalog().Find(name).status());
  }
  return GetOrLoad(clip_, name, ModelKind::kClip, [&]() -> Result<std::unique_ptr<ClipModel>> {
    IRIS_ASSIGN_OR_RETURN(ClipModelFiles files, ClipFilesFor(name));
    return ClipModel::Load(files, runtime_);
  });
}

Result<std::shared_ptr<const iris::ObjectDetector>> ModelRegistry::ObjectDetector(std::string_view requested) {
  const std::string name(requested);
  IRIS_ASSIGN_OR_RETURN(auto model, CatalogModel(name, ModelKind::kObjectDetector, "object detector"));
  return GetOrLoad(object_detectors_, name, ModelKind::kObjectDetector,
                   [&] { return iris::ObjectDetector::Load(*model.first, model.second, runtime_); });
}

Result<std::shared_ptr<const iris::FaceDetector>> ModelRegistry::FaceDetector(std::string_view requested) {
  const std::string name(requested);
  IRIS_ASSIGN_OR_RETURN(auto model, CatalogModel(name, ModelKind::kFaceDetector, "face detector"));
  return GetOrLoad(face_detectors_, name, ModelKind::kFaceDetector,
                   [&] { return LoadFaceDetector(*model.first, model.second, runtime_); });
}

Result<std::shared_ptr<const iris::FaceEmbedder>> ModelRegistry::FaceEmbedder(std::string_view requested) {
  const std::string name(requested);
  IRIS_ASSIGN_OR_RETURN(auto model, CatalogModel(name, ModelKind::kFaceEmbedder, "face embedder"));
  return GetOrLoad(face_embedders_, name, ModelKind::kFaceEmbedder,
                   [&] { return iris::FaceEmbedder::Load(*model.first, model.second, runtime_); });
}

Result<std::shared_ptr<const iris::ImageEmbedder>> ModelRegistry::ImageEmbedder(std::string_view requested) {
  const std::string name(requested);
  IRIS_ASSIGN_OR_RETURN(auto model, CatalogModel(name, ModelKind::kImageEmbedder, "image embedder"));
  return GetOrLoad(image_embedders_, name, ModelKind::kImageEmbedder,
                   [&] { return iris::ImageEmbedder::Load(*model.first, model.second, runtime_); });
}

Result<std::shared_ptr<const iris::ForegroundMasker>> ModelRegistry::ForegroundMasker(std::string_view requested) {
  const std::string name(requested);
  IRIS_ASSIGN_OR_RETURN(auto model, CatalogModel(name, ModelKind::kForegroundMasker, "foreground masker"));
  return GetOrLoad(foreground_maskers_, name, ModelKind::kForegroundMasker,
                   [&] { return iris::ForegroundMasker::Load(*model.first, model.second, runtime_); });
}

Result<std::shared_ptr<const iris::ImageEncoder>> ModelRegistry::ImageEncoder(std::string_view requested) {
  const std::string name(requested.empty() ? default_clip_ : requested);
  const models::ModelSpec* spec = CatalogEntry(name);
  if (spec && ModelKindOf(spec->family) == ModelKind::kImageEmbedder) {
    IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const iris::ImageEmbedder> embedder, ImageEmbedder(name));
    return std::shared_ptr<const iris::ImageEncoder>(std::move(embedder));
  }
  // CLIP, and everything the catalog does not call an image embedder: Clip gives the errors
  // (NotFound for an unknown name, FailedPrecondition "... is a yolox model, not CLIP").
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ClipModel> clip, Clip(name));
  return std::shared_ptr<const iris::ImageEncoder>(std::move(clip));
}

Status ModelRegistry::PreloadOne(const std::string& name) {
  const models::ModelSpec* spec = CatalogEntry(name);
  const std::optional<ModelKind> kind = spec ? ModelKindOf(spec->family) : ModelKind::kClip;
  if (!kind) return FailedPrecondition("model '" + name + "' cannot be preloaded (no adapter for its family yet)");
  switch (*kind) {
    case ModelKind::kClip:
    case ModelKind::kImageEmbedder:
      return ImageEncoder(name).status();
    case ModelKind::kObjectDetector:
      return ObjectDetector(name).status();
    case ModelKind::kFaceDetector:
      return FaceDetector(name).status();
    case ModelKind::kFaceEmbedder:
      return FaceEmbedder(name).status();
    case ModelKind::kForegroundMasker:
      return ForegroundMasker(name).status();
  }
  return Internal("model '" + name + "': unhandled model kind");
}

Status ModelRegistry::Preload(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (Status status = PreloadOne(name); !status.ok()) return status.WithContext("preloading " + name);
  }
  return {};
}

std::vector<LoadedModelInfo> ModelRegistry::Loaded() const {
  std::lock_guard lock(mu_);
  std::vector<LoadedModelInfo> out;
  for (const auto& [name, model] : clip_) {
    out.push_back(
        {name, std::string(ModelKindName(ModelKind::kClip)), model->provider(), model->dim(), model->stats()});
  }
  for (const auto& [name, model] : object_detectors_)
    out.push_back({name, std::string(ModelKindName(ModelKind::kObjectDetector)), model->provider(), 0, {}});
  for (const auto& [name, model] : face_detectors_)
    out.push_back({name, std::string(ModelKindName(ModelKind::kFaceDetector)), model->provider(), 0, {}});
  for (const auto& [name, model] : face_embedders_) {
    out.push_back({name, std::string(ModelKindName(ModelKind::kFaceEmbedder)), model->provider(), model->dim(), {}});
  }
  for (const auto& [name, model] : foreground_maskers_)
    out.push_back({name, std::string(ModelKindName(ModelKind::kForegroundMasker)), model->provider(), 0, {}});
  for (const auto& [name, model] : image_embedders_) {
    out.push_back({name, std::string(ModelKindName(ModelKind::kImageEmbedder)), model->provider(), model->dim(), {}});
  }
  return out;
}

}  // namespace iris
