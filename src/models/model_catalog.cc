#include "models/model_catalog.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

#include "models/embedded_catalog.h"

namespace iris::models {
namespace {

using json = nlohmann::ordered_json;

// An enum's catalog spellings: a constant array of {name, value}.
template <typename E, std::size_t N>
using EnumNames = std::pair<std::string_view, E>[N];

constexpr std::pair<std::string_view, ModelTask> kTasks[] = {
    {"image_embedding", ModelTask::kImageEmbedding},   {"image_text_embedding", ModelTask::kImageTextEmbedding},
    {"object_detection", ModelTask::kObjectDetection}, {"face_detection", ModelTask::kFaceDetection},
    {"face_embedding", ModelTask::kFaceEmbedding},     {"segmentation", ModelTask::kSegmentation}};
constexpr std::pair<std::string_view, ModelFamily> kFamilies[] = {{"clip", ModelFamily::kClip},
                                                                  {"dino", ModelFamily::kDino},
                                                                  {"resnet", ModelFamily::kResnet},
                                                                  {"yolox", ModelFamily::kYolox},
                                                                  {"yunet", ModelFamily::kYunet},
                                                                  {"ultraface", ModelFamily::kUltraface},
                                                                  {"mobilefacenet", ModelFamily::kMobilefacenet},
                                                                  {"isnet", ModelFamily::kIsnet}};
constexpr std::pair<std::string_view, ResizeMode> kResizeModes[] = {{"shortest_side", ResizeMode::kShortestSide},
                                                                    {"letterbox", ResizeMode::kLetterbox},
                                                                    {"stretch", ResizeMode::kStretch}};
constexpr std::pair<std::string_view, ResizeFilter> kFilters[] = {{"bicubic", ResizeFilter::kBicubic},
                                                                  {"bilinear", ResizeFilter::kBilinear}};
constexpr std::pair<std::string_view, CropMode> kCrops[] = {{"center", CropMode::kCenter}, {"none", CropMode::kNone}};
constexpr std::pair<std::string_view, LetterboxAnchor> kAnchors[] = {{"top_left", LetterboxAnchor::kTopLeft},
                                                                     {"center", LetterboxAnchor::kCenter}};
constexpr std::pair<std::string_view, ChannelOrder> kChannelOrders[] = {{"RGB", ChannelOrder::kRgb},
                                                                        {"BGR", ChannelOrder::kBgr}};
constexpr std::pair<std::string_view, ValueRange> kValueRanges[] = {{"0-1", ValueRange::kZeroToOne},
                                                                    {"0-255", ValueRange::kZeroTo255}};
constexpr std::pair<std::string_view, Pooling> kPoolings[] = {
    {"none", Pooling::kNone}, {"cls", Pooling::kCls}, {"mean", Pooling::kMean}};

template <typename E, std::size_t N>
std::string_view NameOf(const EnumNames<E, N>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

// Reads the fields of one JSON object, prefixing every error with where it is ("model 'x' files[2]").
// Fields not read by the time CheckNoUnknownKeys() runs are reported as unknown (typos like "sha265").
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Fail(std::string_view field, std::string_view problem) const {
    return InvalidArgument("catalog: " + where_ + ": '" + std::string(field) + "' " + std::string(problem));
  }

  const json* Get(std::string_view field) {
    read_.insert(std::string(field));
    auto it = object_.find(std::string(field));
    return it == object_.end() ? nullptr : &*it;
  }

  Result<std::string> String(std::string_view field, bool required = true, bool allow_empty = false) {
    const json* v = Get(field);
    if (v == nullptr || v->is_null()) {
      if (required) return Fail(field, "is required");
      return std::string();
    }
    if (!v->is_string()) return Fail(field, "must be a string");
    std::string s = v->get<std::string>();
    if (s.empty() && required && !allow_empty) return Fail(field, "must not be empty");
    return s;
  }

  Result<bool> Bool(std::string_view field, std::optional<bool> fallback = std::nullopt) {
    const json* v = Get(field);
    if (v == nullptr) {
      if (fallback) return *fallback;
      return Fail(field, "is required");
    }
    if (!v->is_boolean()) return Fail(field, "must be true or false");
    return v->get<bool>();
  }

  // An integer >= minimum; nullopt when absent or null and not required.
  Result<std::optional<std::int64_t>> Int(std::string_view field, bool required, std::int64_t minimum) {
    const json* v = Get(field);
    if (v == nullptr || v->is_null()) {
      if (required) return Fail(field, "is required");
      return std::optional<std::int64_t>();
    }
    if (!v->is_number_integer()) return Fail(field, "must be an integer");
    std::int64_t n = v->get<std::int64_t>();
    if (n < minimum) return Fail(field, "must be >= " + std::to_string(minimum));
    return std::optional<std::int64_t>(n);
  }

  Result<double> Number(std::string_view field, double fallback) {
    const json* v = Get(field);
    if (v == nullptr) return fallback;
    if (!v->is_number()) return Fail(field, "must be a number");
    return v->get<double>();
  }

  template <typename E, std::size_t N>
  Result<E> Enum(std::string_view field, const EnumNames<E, N>& names,
                 std::optional<std::type_identity_t<E>> fallback = std::nullopt) {
    const json* v = Get(field);
    if (v == nullptr || v->is_null()) {
      if (fallback) return *fallback;
      return Fail(field, "is required (one of " + Choices(names) + ")");
    }
    if (v->is_string()) {
      for (const auto& [name, value] : names) {
        if (name == v->get<std::string>()) return value;
      }
    }
    return Fail(field, "has unknown value " + v->dump() + " (expected one of " + Choices(names) + ")");
  }

  Result<std::array<float, 3>> Triple(std::string_view field) {
    const json* v = Get(field);
    if (v == nullptr) return Fail(field, "is required");
    if (!v->is_array() || v->size() != 3) return Fail(field, "must be an array of 3 numbers (one per channel)");
    std::array<float, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) {
      if (!(*v)[i].is_number()) return Fail(field, "must be an array of 3 numbers (one per channel)");
      out[i] = (*v)[i].get<float>();
    }
    return out;
  }

  Result<std::vector<std::string>> Strings(std::string_view field) {
    const json* v = Get(field);
    std::vector<std::string> out;
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array()) return Fail(field, "must be an array of strings");
    for (const auto& item : *v) {
      if (!item.is_string()) return Fail(field, "must be an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  Status CheckNoUnknownKeys() const {
    for (const auto& [key, value] : object_.items()) {
      if (!read_.count(key)) return Fail(key, "is not a known field");
    }
    return Status::Ok();
  }

  const std::string& where() const { return where_; }

 private:
  template <typename E, std::size_t N>
  static std::string Choices(const EnumNames<E, N>& names) {
    std::string out;
    for (const auto& [name, value] : names) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
  }

  const json& object_;
  std::string where_;
  std::set<std::string> read_;
};

bool IsLowerHex64(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsSafeName(const std::string& s) {
  if (s.empty() || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool IsVariantName(const std::string& s) {
  return !s.empty() && s.size() <= 16 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// A relative path that stays inside its folder: no root, no "..", no empty or "." components.
bool IsSafeRelativePath(const std::string& s) {
  if (s.empty() || s.front() == '/' || s.find('\\') != std::string::npos) return false;
  std::stringstream parts(s);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return s.back() != '/';
}

Result<std::vector<TensorSpec>> ParseTensors(const json* list, const std::string& where) {
  std::vector<TensorSpec> out;
  if (list == nullptr) return out;
  if (!list->is_array()) return InvalidArgument("catalog: " + where + " must be an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    std::string item_where = where + "[" + std::to_string(i) + "]";
    if (!item.is_object()) return InvalidArgument("catalog: " + item_where + " must be an object");
    ObjectReader r(item, item_where);
    TensorSpec t;
    IRIS_ASSIGN_OR_RETURN(t.name, r.String("name"));
    IRIS_ASSIGN_OR_RETURN(t.type, r.String("type"));
    const json* shape = r.Get("shape");
    if (shape == nullptr || !shape->is_array() || shape->empty())
      return r.Fail("shape", "must be a non-empty array of integers");
    for (const auto& d : *shape) {
      if (!d.is_number_integer() || d.get<std::int64_t>() == 0 || d.get<std::int64_t>() < -1) {
        return r.Fail("shape", "must hold positive sizes or -1 (dynamic)");
      }
      t.shape.push_back(d.get<std::int64_t>());
    }
    IRIS_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    out.push_back(std::move(t));
  }
  return out;
}

Result<ModelFile> ParseFile(const json& item, const std::string& where) {
  if (!item.is_object()) return InvalidArgument("catalog: " + where + " must be an object");
  ObjectReader r(item, where);
  ModelFile f;
  IRIS_ASSIGN_OR_RETURN(f.role, r.String("role"));
  IRIS_ASSIGN_OR_RETURN(f.path, r.String("path"));
  if (!IsSafeRelativePath(f.path)) return r.Fail("path", "must be a relative path inside the model folder");
  const json* sha = r.Get("sha256");
  if (sha == nullptr) return r.Fail("sha256", "is required (null when not yet known)");
  if (!sha->is_null()) {
    if (!sha->is_string() || !IsLowerHex64(sha->get<std::string>())) {
      return r.Fail("sha256", "must be 64 lower-case hex digits or null");
    }
    f.sha256 = sha->get<std::string>();
  }
  if (r.Get("size") == nullptr) return r.Fail("size", "is required (null when not yet known)");
  IRIS_ASSIGN_OR_RETURN(f.size, r.Int("size", false, 0));
  IRIS_ASSIGN_OR_RETURN(f.urls, r.Strings("urls"));
  for (const auto& url : f.urls) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return r.Fail("urls", "must hold http:// or https:// URLs, got '" + url + "'");
    }
  }
  if (const json* io = r.Get("io")) {
    if (!io->is_object()) return r.Fail("io", "must be an object with 'inputs' and 'outputs'");
    ObjectReader io_reader(*io, where + " io");
    IRIS_ASSIGN_OR_RETURN(f.inputs, ParseTensors(io_reader.Get("inputs"), where + " io.inputs"));
    IRIS_ASSIGN_OR_RETURN(f.outputs, ParseTensors(io_reader.Get("outputs"), where + " io.outputs"));
    if (f.inputs.empty() || f.outputs.empty()) return r.Fail("io", "must list at least one input and one output");
    IRIS_RETURN_IF_ERROR(io_reader.CheckNoUnknownKeys());
  }
  IRIS_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return f;
}

Result<Preprocessing> ParsePreprocessing(const json& object, const std::string& where) {
  if (!object.is_object()) return InvalidArgument("catalog: " + where + " must be an object");
  ObjectReader r(object, where);
  Preprocessing p;
  IRIS_ASSIGN_OR_RETURN(auto width, r.Int("input_width", true, 1));
  IRIS_ASSIGN_OR_RETURN(auto height, r.Int("input_height", true, 1));
  p.input_width = static_cast<int>(*width);
  p.input_height = static_cast<int>(*height);
  IRIS_ASSIGN_OR_RETURN(p.resize, r.Enum("resize", kResizeModes));
  IRIS_ASSIGN_OR_RETURN(auto shortest, r.Int("shortest_side", p.resize == ResizeMode::kShortestSide, 1));
  if (shortest && p.resize != ResizeMode::kShortestSide)
    return r.Fail("shortest_side", "is only for resize shortest_side");
  p.shortest_side = shortest ? static_cast<int>(*shortest) : 0;
  IRIS_ASSIGN_OR_RETURN(p.letterbox_anchor, r.Enum("letterbox_anchor", kAnchors, LetterboxAnchor::kTopLeft));
  IRIS_ASSIGN_OR_RETURN(p.filter, r.Enum("filter", kFilters));
  IRIS_ASSIGN_OR_RETURN(p.antialias, r.Bool("antialias"));
  IRIS_ASSIGN_OR_RETURN(p.crop, r.Enum("crop", kCrops));
  if (p.resize == ResizeMode::kShortestSide && p.crop == CropMode::kNone &&
      p.shortest_side != std::min(p.input_width, p.input_height)) {
    return r.Fail("crop", "must be center when shortest_side differs from the input size");
  }
  IRIS_ASSIGN_OR_RETURN(p.mean, r.Triple("mean"));
  IRIS_ASSIGN_OR_RETURN(p.std_dev, r.Triple("std"));
  for (float s : p.std_dev) {
    if (!(s > 0)) return r.Fail("std", "must be positive");
  }
  IRIS_ASSIGN_OR_RETURN(p.channel_order, r.Enum("channel_order", kChannelOrders));
  IRIS_ASSIGN_OR_RETURN(p.value_range, r.Enum("value_range", kValueRanges));
  IRIS_ASSIGN_OR_RETURN(p.layout, r.String("layout"));
  if (p.layout != "NCHW") return r.Fail("layout", "must be NCHW (the only layout the adapters feed)");
  IRIS_ASSIGN_OR_RETURN(double pad, r.Number("pad_value", 0));
  if (pad < 0 || pad > 255) return r.Fail("pad_value", "must be within 0..255");
  p.pad_value = static_cast<float>(pad);
  IRIS_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return p;
}

Result<TextPreprocessing> ParseText(const json& object, const std::string& where) {
  if (!object.is_object()) return InvalidArgument("catalog: " + where + " must be an object");
  ObjectReader r(object, where);
  TextPreprocessing t;
  IRIS_ASSIGN_OR_RETURN(auto context, r.Int("context_length", true, 2));
  t.context_length = static_cast<int>(*context);
  IRIS_ASSIGN_OR_RETURN(auto start, r.Int("start_token_id", true, 0));
  IRIS_ASSIGN_OR_RETURN(auto end, r.Int("end_token_id", true, 0));
  IRIS_ASSIGN_OR_RETURN(auto pad, r.Int("pad_token_id", true, 0));
  t.start_token_id = *start;
  t.end_token_id = *end;
  t.pad_token_id = *pad;
  IRIS_ASSIGN_OR_RETURN(t.lowercase, r.Bool("lowercase", true));
  IRIS_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return t;
}

bool IsEmbeddingTask(ModelTask task) {
  return task == ModelTask::kImageEmbedding || task == ModelTask::kImageTextEmbedding ||
         task == ModelTask::kFaceEmbedding;
}

Result<ModelSpec> ParseEntry(const json& item, std::size_t index) {
  std::string where = "models[" + std::to_string(index) + "]";
  if (!item.is_object()) return InvalidArgument("catalog: " + where + " must be an object");
  if (item.contains("name") && item["name"].is_string()) where = "model '" + item["name"].get<std::string>() + "'";
  ObjectReader r(item, where);
  ModelSpec m;
  m.json = item;
  IRIS_ASSIGN_OR_RETURN(m.name, r.String("name"));
  if (!IsSafeName(m.name)) return r.Fail("name", "must use only a-z, 0-9, '-', '_', '.' (it names a folder)");
  IRIS_ASSIGN_OR_RETURN(m.description, r.String("description", false));
  IRIS_ASSIGN_OR_RETURN(m.task, r.Enum("task", kTasks));
  IRIS_ASSIGN_OR_RETURN(m.family, r.Enum("family", kFamilies));
  IRIS_ASSIGN_OR_RETURN(m.licence, r.String("licence"));
  IRIS_ASSIGN_OR_RETURN(m.source, r.String("source"));
  IRIS_ASSIGN_OR_RETURN(m.homepage, r.String("homepage", false));
  IRIS_ASSIGN_OR_RETURN(m.test_only, r.Bool("test_only"));
  IRIS_ASSIGN_OR_RETURN(m.mirror_path, r.String("mirror_path"));
  if (!IsSafeRelativePath(m.mirror_path)) return r.Fail("mirror_path", "must be a relative folder name");
  IRIS_ASSIGN_OR_RETURN(auto dim, r.Int("embedding_dim", false, 1));
  m.embedding_dim = dim ? static_cast<int>(*dim) : 0;
  if (IsEmbeddingTask(m.task) && m.embedding_dim == 0)
    return r.Fail("embedding_dim", "is required for an embedding task");
  IRIS_ASSIGN_OR_RETURN(m.pooling, r.Enum("pooling", kPoolings, Pooling::kNone));
  IRIS_ASSIGN_OR_RETURN(m.labels, r.Strings("labels"));
  IRIS_ASSIGN_OR_RETURN(m.notes, r.String("notes", false));
  IRIS_ASSIGN_OR_RETURN(auto variant, r.String("variant", false));
  if (!variant.empty()) m.variant = variant;
  if (!IsVariantName(m.variant)) return r.Fail("variant", "must be 1-16 characters of a-z and 0-9 (e.g. int8)");
  IRIS_ASSIGN_OR_RETURN(m.variant_of, r.String("variant_of", false));

  const json* pre = r.Get("preprocessing");
  if (pre == nullptr) return r.Fail("preprocessing", "is required");
  IRIS_ASSIGN_OR_RETURN(m.preprocessing, ParsePreprocessing(*pre, where + " preprocessing"));
  if (const json* text = r.Get("text"); text != nullptr && !text->is_null()) {
    IRIS_ASSIGN_OR_RETURN(m.text, ParseText(*text, where + " text"));
  }

  const json* files = r.Get("files");
  if (files == nullptr || !files->is_array() || files->empty()) return r.Fail("files", "must be a non-empty array");
  std::set<std::string> roles, paths;
  for (std::size_t i = 0; i < files->size(); ++i) {
    IRIS_ASSIGN_OR_RETURN(ModelFile f, ParseFile((*files)[i], where + " files[" + std::to_string(i) + "]"));
    if (!roles.insert(f.role).second) return r.Fail("files", "has the role '" + f.role + "' twice");
    if (!paths.insert(f.path).second) return r.Fail("files", "has the path '" + f.path + "' twice");
    m.files.push_back(std::move(f));
  }
  std::vector<std::string> required_roles = {"model"};
  if (m.task == ModelTask::kImageTextEmbedding) required_roles = {"vision", "text"};
  for (const auto& role : required_roles) {
    if (!roles.count(role))
      return r.Fail("files", "needs a file with role '" + role + "' for task " + std::string(ModelTaskName(m.task)));
  }
  if (m.task == ModelTask::kImageTextEmbedding && !m.text)
    return r.Fail("text", "is required for task image_text_embedding");
  IRIS_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return m;
}

// Cross-entry rules of variants: `variant_of` names a base entry (not itself a variant) of the same
// task, family and embedding_dim, and no base has one variant twice (the base included).
Status CheckVariants(const std::vector<ModelSpec>& models) {
  std::map<std::string, const ModelSpec*> by_name;
  for (const auto& m : models) by_name[m.name] = &m;
  std::set<std::pair<std::string, std::string>> seen;  // (base, variant)
  for (const auto& m : models) {
    if (m.variant_of.empty()) continue;
    const std::string where = "catalog: model '" + m.name + "': 'variant_of' ";
    auto base = by_name.find(m.variant_of);
    if (base == by_name.end()) return InvalidArgument(where + "names no model: '" + m.variant_of + "'");
    const ModelSpec& b = *base->second;
    if (!b.variant_of.empty())
      return InvalidArgument(where + "must name a base model, not the variant '" + b.name + "'");
    if (b.task != m.task || b.family != m.family || b.embedding_dim != m.embedding_dim) {
      return InvalidArgument(where + "'" + b.name + "' has another task, family or embedding_dim");
    }
    if (m.variant == b.variant || !seen.insert({b.name, m.variant}).second) {
      return InvalidArgument(where + "'" + b.name + "' already has the variant '" + m.variant + "'");
    }
  }
  return Status::Ok();
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string_view ModelTaskName(ModelTask task) { return NameOf(kTasks, task); }
std::string_view ModelFamilyName(ModelFamily family) { return NameOf(kFamilies, family); }

const ModelFile* ModelSpec::FindFile(std::string_view role) const {
  for (const auto& f : files) {
    if (f.role == role) return &f;
  }
  return nullptr;
}

Result<ModelCatalog> ModelCatalog::Parse(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return InvalidArgument("catalog: not valid JSON");
  if (!root.is_object()) return InvalidArgument("catalog: the top level must be an object with 'models'");
  ObjectReader top(root, "top level");
  IRIS_ASSIGN_OR_RETURN(auto version, top.Int("schema_version", true, 1));
  if (*version != 1) return top.Fail("schema_version", "must be 1 (this build reads catalog schema 1)");
  const json* list = top.Get("models");
  if (list == nullptr || !list->is_array()) return top.Fail("models", "must be an array");
  IRIS_RETURN_IF_ERROR(top.CheckNoUnknownKeys());

  ModelCatalog catalog;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    IRIS_ASSIGN_OR_RETURN(ModelSpec spec, ParseEntry((*list)[i], i));
    if (!names.insert(spec.name).second) {
      return InvalidArgument("catalog: model name '" + spec.name + "' appears more than once");
    }
    catalog.models_.push_back(std::move(spec));
  }
  IRIS_RETURN_IF_ERROR(CheckVariants(catalog.models_));
  return catalog;
}

Result<ModelCatalog> ModelCatalog::LoadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read model catalog " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto catalog = Parse(buffer.str());
  if (!catalog.ok()) return catalog.status().WithContext(path.string());
  return catalog;
}

Result<ModelCatalog> ModelCatalog::LoadDefault(const EnvLookup& env) {
  if (env) {
    if (auto path = env("IRIS_MODEL_CATALOG"); path && !path->empty()) return LoadFile(*path);
  }
  return Parse(EmbeddedCatalogJson());
}

Result<const ModelSpec*> ModelCatalog::FindVariant(std::string_view name, std::string_view variant) const {
  IRIS_ASSIGN_OR_RETURN(const ModelSpec* spec, Find(name));
  std::string names;
  for (const ModelSpec* v : VariantsOf(*spec)) {
    if (v->variant == variant) return v;
    names += (names.empty() ? "" : ", ") + v->variant + " (" + v->name + ")";
  }
  return NotFound("model '" + std::string(name) + "' has no variant '" + std::string(variant) +
                  "'; its variants: " + names);
}

std::vector<const ModelSpec*> ModelCatalog::VariantsOf(const ModelSpec& spec) const {
  const std::string& base = spec.variant_of.empty() ? spec.name : spec.variant_of;
  std::vector<const ModelSpec*> out;
  for (const auto& m : models_) {
    if (m.name == base) out.insert(out.begin(), &m);
    if (m.variant_of == base) out.push_back(&m);
  }
  return out;
}

Result<const ModelSpec*> ModelCatalog::Find(std::string_view name) const {
  for (const auto& m : models_) {
    if (m.name == name) return &m;
  }
  std::vector<std::string> close;
  for (const auto& m : models_) {
    bool related =
        m.name.find(name) != std::string::npos || (!m.name.empty() && name.find(m.name) != std::string_view::npos);
    if (related || EditDistance(m.name, name) <= 3) close.push_back(m.name);
  }
  std::string message = "unknown model '" + std::string(name) + "'";
  const bool suggest = !close.empty();
  if (!suggest) {
    for (const auto& m : models_) close.push_back(m.name);
  }
  std::string joined;
  for (const auto& n : close) joined += (joined.empty() ? "" : ", ") + n;
  if (!joined.empty()) message += suggest ? "; did you mean: " + joined : "; known models: " + joined;
  return NotFound(message + " (see: iris models list)");
}

}  // namespace iris::models
