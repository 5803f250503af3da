// The load prologue shared by the vision adapters that load one catalog "model" file
// (ObjectDetector, YunetFaceDetector, UltrafaceFaceDetector, FaceEmbedder, ImageEmbedder), and the
// checks on a loaded session's tensors that they and ClipModel make.
//
// Contract:
//   * Every error names the model: its message starts with ModelContext(name) ("model <name>"), as
//     the adapters' Load errors always have.
//   * LoadCatalogImageModel converts the catalog preprocessing (Unprocessable when the code cannot
//     do it) and loads `model_file` through runtime/ (OnnxSession::Load: NotFound for a missing file,
//     FailedPrecondition when the model does not match the expected tensors). Which tensors are
//     expected is the adapter's choice (CatalogTensors). It checks nothing about what the model means:
//     task, labels and the outputs stay with each adapter. LoadCatalogDetectorModel puts the
//     detectors' family and preprocessing checks in front of it.
//   * MatchesImageInput / RequireBatchedImageInput / RequireCatalogEmbeddingDim only read their
//     arguments. Pure functions apart from the session load; thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/result.h"
#include "models/model_catalog.h"
#include "runtime/onnx_session.h"
#include "vision/image_tensor.h"

namespace iris {

// "model <name>": the prefix of every load error.
std::string ModelContext(std::string_view name);

// FailedPrecondition "model X is a <family> model, not <adapter>" unless spec.family == family.
Status RequireFamily(const models::ModelSpec& spec, models::ModelFamily family, std::string_view adapter);

// Which tensors the loaded session must match.
enum class CatalogTensors {
  kRequired,  // the entry must list a "model" file (FailedPrecondition otherwise); its tensors, as listed
  kIfListed,  // the "model" file's tensors when the entry lists its inputs; otherwise none checked
};

struct CatalogImageModel {
  ImagePreprocessing preprocessing;
  std::unique_ptr<OnnxSession> session;
};

// `preprocessing` is the entry's preprocessing block (an adapter may have adjusted it first).
// Checks the "model" file entry (kRequired), converts the preprocessing, loads the session.
Result<CatalogImageModel> LoadCatalogImageModel(const models::ModelSpec& spec,
                                                const models::Preprocessing& preprocessing,
                                                const std::filesystem::path& model_file, const RuntimeConfig& runtime,
                                                CatalogTensors tensors);

// The detectors' prologue: RequireFamily(spec, family, adapter); FailedPrecondition "model X: the
// catalog entry has no preprocessing" without one; then LoadCatalogImageModel with kRequired.
Result<CatalogImageModel> LoadCatalogDetectorModel(const models::ModelSpec& spec, models::ModelFamily family,
                                                   std::string_view adapter, const std::filesystem::path& model_file,
                                                   const RuntimeConfig& runtime);

// True when the model has exactly one input [N,3,H,W] whose fixed H and W equal height and width
// (dynamic dims match anything).
bool MatchesImageInput(const ModelIoSpec& io, int width, int height);

// MatchesImageInput, else FailedPrecondition "model X: expected one image input [N,3,H,W], the
// model has <input or none>".
Status RequireBatchedImageInput(std::string_view name, const ModelIoSpec& io, const ImagePreprocessing& preprocessing);

// FailedPrecondition "model X: the model returns D-d embeddings, the catalog says E" when the entry
// names an embedding_dim that differs from `dim`.
Status RequireCatalogEmbeddingDim(const models::ModelSpec& spec, int dim);

}  // namespace iris
