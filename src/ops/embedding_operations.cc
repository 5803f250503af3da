// Embedding operations: CLIP (embed_clip_vit_b_32), DINOv2/v3 and ResNet-50 (single-tower
// embedders) on a region, and MobileFaceNet on an aligned face (embed_face). Embeddings are
// L2-normalised unless normalize=false. A crop reports its box and PNG like the seed does.
#include "core/base64.h"
#include "image/image_encoder.h"
#include "ops/operation_catalog.h"
#include "ops/operation_helpers.h"
#include "vision/face_alignment.h"
#include "vision/model_registry.h"

namespace iris::ops {
namespace {

ParamSpec NormalizeParam() { return {"normalize", "boolean", true, "L2-normalise the embedding"}; }

// The encoder of a region embedding operation: each asks the registry for its own kind of model,
// so embed_clip_vit_b_32 refuses a DINO model and embed_dino_v2 a CLIP one.
using EncoderFor = Result<std::shared_ptr<const ImageEncoder>> (*)(ModelRegistry&, const std::string& model);

Result<std::shared_ptr<const ImageEncoder>> ClipEncoder(ModelRegistry& models, const std::string& name) {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ClipModel> model, models.Clip(name));
  return std::shared_ptr<const ImageEncoder>(std::move(model));
}

Result<std::shared_ptr<const ImageEncoder>> SingleTowerEncoder(ModelRegistry& models, const std::string& name) {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ImageEmbedder> model, models.ImageEmbedder(name));
  return std::shared_ptr<const ImageEncoder>(std::move(model));
}

Operation RegionEmbedding(std::string type, std::string description, std::string default_model, EncoderFor encoder_for,
                          const OperationSettings& settings) {
  Operation op;
  op.type = std::move(type);
  op.description = std::move(description);
  op.allowed_targets = kAllTargets;
  op.default_target = "whole_image";
  op.params = RegionParams(settings);
  op.params.push_back(ModelParam(default_model, "same task"));
  op.params.push_back(NormalizeParam());
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(args["model"].get<std::string>() + "+" + RegionModels(ctx, args));
  };
  op.run = [encoder_for](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    if (!ctx.services().models) return FailedPrecondition("no model registry");
    IRIS_ASSIGN_OR_RETURN(auto encoder, encoder_for(*ctx.services().models, args["model"].get<std::string>()));
    IRIS_ASSIGN_OR_RETURN(auto vec, encoder->EmbedImage(*region->pixels, args["normalize"].get<bool>()));
    OperationResult result = OperationResult::Success(std::move(vec));
    IRIS_RETURN_IF_ERROR(ReportCrop(ctx, *region, result));
    return result;
  };
  return op;
}

Operation EmbedFace(const OperationSettings& settings) {
  Operation op;
  op.type = "embed_face";
  op.description =
      "Face-recognition embedding (MobileFaceNet, 128-d, L2-normalised) of the prominent face, aligned on its 5 "
      "landmarks to the 112x112 ArcFace template. Compare two faces by cosine similarity (docs/quality.md has the "
      "measured threshold). cropped_image_base64 is the aligned face that was embedded.";
  op.allowed_targets = {"prominent_face"};
  op.default_target = "prominent_face";
  op.params = RegionParams(settings);
  op.params.push_back(ModelParam(settings.analysis.face_embedder, "face embedding"));
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(args["model"].get<std::string>() + "+" + RegionModels(ctx, args));
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    if (!region->detection) return Internal("face region without a detection");
    if (!ctx.services().models) return FailedPrecondition("no model registry");
    IRIS_ASSIGN_OR_RETURN(auto embedder, ctx.services().models->FaceEmbedder(args["model"].get<std::string>()));
    IRIS_ASSIGN_OR_RETURN(RgbImage aligned, AlignFace(ctx.image(), *region->detection, 112));
    IRIS_ASSIGN_OR_RETURN(auto vec, embedder->Embed(aligned));
    OperationResult result = OperationResult::Success(std::move(vec));
    result.cropped_bbox = std::array<int, 4>{region->box->x0, region->box->y0, region->box->x1, region->box->y1};
    IRIS_ASSIGN_OR_RETURN(std::string png, EncodePng(aligned));
    result.cropped_base64 = Base64Encode(png);
    return result;
  };
  return op;
}

}  // namespace

void AddEmbeddingOperations(std::vector<Operation>& ops, const OperationSettings& settings) {
  const AnalysisConfig& config = settings.analysis;
  ops.push_back(RegionEmbedding("embed_clip_vit_b_32",
                                "Generates an embedding using the CLIP ViT-B/32 model (512-d, the space CLIP text "
                                "prompts share). prominent_person falls back to the whole image when no person is "
                                "found; prominent_face requires a face.",
                                settings.default_clip, ClipEncoder, settings));
  ops.push_back(RegionEmbedding("embed_dino_v2",
                                "Generates a DINOv2 embedding (visual similarity: composition, colour, texture).",
                                config.dino_v2_model, SingleTowerEncoder, settings));
  ops.push_back(RegionEmbedding("embed_dino_v3",
                                "Generates a DINOv3 embedding (default checkpoint ViT-L/16 LVD-1689M).",
                                config.dino_v3_model, SingleTowerEncoder, settings));
  ops.push_back(RegionEmbedding("embed_resnet50",
                                "Generates a ResNet-50 (ImageNet-1k) embedding: its 1000 class logits.",
                                config.resnet_model, SingleTowerEncoder, settings));
  ops.push_back(EmbedFace(settings));
}

}  // namespace iris::ops
