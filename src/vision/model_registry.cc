#include "vision/model_registry.h"

#include "core/logging.h"
#include "vision/catalog_preprocessing.h"
#include "vision/hf_preprocessor_config.h"

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

Result<std::shared_ptr<const ClipModel>> ModelRegistry::Clip(std::string_view requested) {
  const std::string name(requested.empty() ? default_clip_ : requested);
  // Names come from requests: only known names get a loading slot, so arbitrary names cannot grow
  // the registry.
  if (!local_.count(name)) {
    if (!store_) return NotFound("unknown model '" + name + "'");
    IRIS_RETURN_IF_ERROR(store_->catalog().Find(name).status());
  }
  std::shared_ptr<std::mutex> load_lock;
  {
    std::lock_guard lock(mu_);
    if (auto it = clip_.find(name); it != clip_.end()) return it->second;
    auto& slot = loading_[name];
    if (!slot) slot = std::make_shared<std::mutex>();
    load_lock = slot;
  }
  std::lock_guard loading(*load_lock);  // concurrent first uses wait here for one load
  {
    std::lock_guard lock(mu_);
    if (auto it = clip_.find(name); it != clip_.end()) return it->second;
  }
  IRIS_ASSIGN_OR_RETURN(ClipModelFiles files, ClipFilesFor(name));
  const auto started = std::chrono::steady_clock::now();
  auto loaded = ClipModel::Load(files, runtime_);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<const ClipModel> model = std::move(loaded).value();
  LogInfo("model.loaded",
          {{"model", name},
           {"provider", model->provider()},
           {"dim", model->dim()},
           {"text", model->has_text()},
           {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}});
  std::lock_guard lock(mu_);
  clip_[name] = model;
  return model;
}

Status ModelRegistry::Preload(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto model = Clip(name);
    if (!model.ok()) return model.status().WithContext("preloading " + name);
  }
  return {};
}

std::vector<LoadedModelInfo> ModelRegistry::Loaded() const {
  std::lock_guard lock(mu_);
  std::vector<LoadedModelInfo> out;
  for (const auto& [name, model] : clip_) {
    out.push_back({name, "clip", model->provider(), model->dim(), model->vision_stats()});
  }
  return out;
}

}  // namespace iris
