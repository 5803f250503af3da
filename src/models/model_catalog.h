// ModelCatalog: the list of models Iris knows, parsed and validated from JSON (models/catalog.json,
// embedded into the binary; see embedded_catalog.h and docs/models.md for the format). Each entry
// says what the model does (task), which adapter runs it (family), its files with sha256 and
// download URLs, its licence, and its preprocessing, so adapters read numbers from here instead of
// hard-coding them. Parse() rejects a catalog with a clear message naming the entry and field:
// missing required fields, unknown enum values, mean/std not of length 3, duplicate names or paths,
// malformed sha256, a `variant_of` that names no base entry or one of another task/family/dim.
//
// Variants (int8, fp16, ...) of one model are sibling entries: `clip-vit-b-32-int8` has its own
// name, files, sizes, hashes and licence, and says `"variant": "int8", "variant_of": "clip-vit-b-32"`.
// The name is the exact variant everywhere (install folder, loaded-model key, the model a collection
// records), so two variants can never be confused for one another (docs/models.md, "Variants").
// A ModelCatalog is an immutable value after construction: copy it freely, share it
// between threads for reading.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace iris::models {

// image_text_embedding: a CLIP-style dual encoder (roles "vision" and "text" share one space).
enum class ModelTask {
  kImageEmbedding,
  kImageTextEmbedding,
  kObjectDetection,
  kFaceDetection,
  kFaceEmbedding,
  kSegmentation,
};
// The adapter that knows how to run and decode the model's tensors.
enum class ModelFamily { kClip, kDino, kResnet, kYolox, kYunet, kUltraface, kMobilefacenet, kIsnet };
// shortest_side: scale so the shorter side is `shortest_side`, then crop; letterbox: scale to fit
// input_width x input_height keeping aspect, pad with pad_value; stretch: scale to exactly the input size.
enum class ResizeMode { kShortestSide, kLetterbox, kStretch };
enum class ResizeFilter { kBicubic, kBilinear };
enum class CropMode { kCenter, kNone };
enum class LetterboxAnchor { kTopLeft, kCenter };
enum class ChannelOrder { kRgb, kBgr };
// Pixel values before (x - mean) / std: 0..1 (x / 255) or 0..255 (raw).
enum class ValueRange { kZeroToOne, kZeroTo255 };
enum class Pooling { kNone, kCls, kMean };

std::string_view ModelTaskName(ModelTask task);
std::string_view ModelFamilyName(ModelFamily family);

struct TensorSpec {
  std::string name;
  std::string type;                 // "float32", "int64", ...
  std::vector<std::int64_t> shape;  // -1 = dynamic
};

struct ModelFile {
  std::string role;                   // "vision", "text", "model", "vocab", "merges", "tokenizer", ...
  std::string path;                   // relative path inside the installed model folder
  std::optional<std::string> sha256;  // lower-case hex; nullopt = not yet known (pull needs --allow-unverified)
  std::optional<std::int64_t> size;   // bytes; nullopt = not yet known
  std::vector<std::string> urls;      // canonical download URLs, tried in order after the mirror
  std::vector<TensorSpec> inputs;     // ONNX files: the tensors Iris feeds ...
  std::vector<TensorSpec> outputs;    // ... and reads
};

struct Preprocessing {
  int input_width = 0;
  int input_height = 0;
  ResizeMode resize = ResizeMode::kStretch;
  int shortest_side = 0;  // kShortestSide only: target length of the shorter side before cropping
  LetterboxAnchor letterbox_anchor = LetterboxAnchor::kTopLeft;  // kLetterbox only
  ResizeFilter filter = ResizeFilter::kBilinear;
  bool antialias = false;  // Pillow-style area-aware downscaling (true) or plain sampling (OpenCV-style)
  CropMode crop = CropMode::kNone;
  std::array<float, 3> mean{};     // per channel, in channel_order, in value_range units
  std::array<float, 3> std_dev{};  // "std" in the catalog
  ChannelOrder channel_order = ChannelOrder::kRgb;
  ValueRange value_range = ValueRange::kZeroToOne;
  std::string layout = "NCHW";
  float pad_value = 0;  // letterbox fill, in 0..255 pixel units
};

// Tokenizer facts for the text tower of a CLIP-style model.
struct TextPreprocessing {
  int context_length = 77;
  std::int64_t start_token_id = 0;
  std::int64_t end_token_id = 0;
  std::int64_t pad_token_id = 0;
  bool lowercase = true;
};

struct ModelSpec {
  std::string name;
  std::string description;
  ModelTask task = ModelTask::kImageEmbedding;
  ModelFamily family = ModelFamily::kClip;
  std::string licence;
  std::string source;
  std::string homepage;
  bool test_only = false;   // stand-ins and models whose licence does not allow shipping
  std::string mirror_path;  // folder name under IRIS_MODEL_MIRROR
  int embedding_dim = 0;    // 0 for models that do not produce embeddings
  Pooling pooling = Pooling::kNone;
  std::vector<std::string> labels;  // class names by index (detectors)
  std::string notes;
  std::string variant = "fp32";                // numeric precision of the weights: fp32, fp16, int8, uint8, q4
  std::string variant_of;                      // the base entry this is a variant of; empty for a base entry
  std::optional<Preprocessing> preprocessing;  // every model with an image input has one
  std::optional<TextPreprocessing> text;
  std::vector<ModelFile> files;
  nlohmann::ordered_json json;  // the entry as written in the catalog, keys in file order (for `iris models info`)

  // The file with this role, or nullptr.
  const ModelFile* FindFile(std::string_view role) const;
};

class ModelCatalog {
 public:
  // Parses and validates catalog JSON text. Errors are InvalidArgument naming the entry and field.
  static Result<ModelCatalog> Parse(std::string_view json_text);
  static Result<ModelCatalog> LoadFile(const std::filesystem::path& path);
  // The catalog compiled into the binary, or the file named by IRIS_MODEL_CATALOG when that is set.
  static Result<ModelCatalog> LoadDefault(const EnvLookup& env);

  const std::vector<ModelSpec>& models() const { return models_; }

  // The entry called `name`; NotFound "unknown model 'x'" naming close names (or all) otherwise.
  Result<const ModelSpec*> Find(std::string_view name) const;
  // The `variant` of the model `name` (a base entry or any of its variants): the entry itself when
  // it is that variant, else its sibling. NotFound for an unknown name, or "model 'x' has no variant
  // 'q4'; its variants: fp32, int8".
  Result<const ModelSpec*> FindVariant(std::string_view name, std::string_view variant) const;
  // The base entry of `spec` and its variants, base first, in catalog order.
  std::vector<const ModelSpec*> VariantsOf(const ModelSpec& spec) const;

 private:
  std::vector<ModelSpec> models_;
};

}  // namespace iris::models
