// Image features that need no model: dominant_colors (k-means in Lab, named), image_hash (pHash and
// dHash), image_quality (resolution, sharpness, exposure, noise, grade). Algorithms and thresholds:
// docs/image-features.md.
#include "ops/operation_catalog.h"
#include "ops/operation_helpers.h"
#include "vision/dominant_colors.h"
#include "vision/image_quality.h"
#include "vision/perceptual_hash.h"

namespace iris::ops {
namespace {

constexpr const char* kFeatureVersion = "features-v1";

// Rounded to `decimals` places (divides by a power of ten, so 0.0225 prints as 0.0225).
double Round(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

Result<std::optional<std::string>> RegionVersion(AnalysisContext& ctx, const OperationArgs& args) {
  return std::optional<std::string>(std::string(kFeatureVersion) + "+" + RegionModels(ctx, args));
}

Operation DominantColorsOperation(const OperationSettings& settings) {
  Operation op;
  op.type = "dominant_colors";
  op.description =
      "The main colours of a region: k-means in CIE Lab; data: list of {hex, name, rgb, share} by share "
      "(shares sum to 1).";
  op.allowed_targets = kAllTargets;
  op.default_target = "whole_image";
  op.params = RegionParams(settings);
  op.params.push_back({"k", "integer", 5, "number of colours", {}, 1.0, 16.0});
  op.params.push_back({"ignore_background", "boolean", false,
                       "leave out the uniform background colour that covers most of the image border"});
  op.cache_version = RegionVersion;
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    DominantColorOptions options;
    options.k = args["k"].get<int>();
    options.ignore_background = args["ignore_background"].get<bool>();
    IRIS_ASSIGN_OR_RETURN(auto colors, DominantColors(*region->pixels, options));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : colors) {
      out.push_back({{"hex", c.hex}, {"name", c.name}, {"rgb", c.rgb}, {"share", Round(c.share, 4)}});
    }
    OperationResult result = OperationResult::Success(std::move(out));
    IRIS_RETURN_IF_ERROR(ReportCrop(ctx, *region, result));
    return result;
  };
  return op;
}

Operation ImageHashOperation(const OperationSettings& settings) {
  Operation op;
  op.type = "image_hash";
  op.description =
      "Perceptual hashes of a region: data {phash, dhash} as 16 hex digits (64 bits). Near-identical images "
      "differ in few bits (compare by Hamming distance).";
  op.allowed_targets = kAllTargets;
  op.default_target = "whole_image";
  op.params = RegionParams(settings);
  op.cache_version = RegionVersion;
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    IRIS_ASSIGN_OR_RETURN(auto hashes, ComputePerceptualHashes(*region->pixels));
    OperationResult result =
        OperationResult::Success({{"phash", HashToHex(hashes.phash)}, {"dhash", HashToHex(hashes.dhash)}});
    IRIS_RETURN_IF_ERROR(ReportCrop(ctx, *region, result));
    return result;
  };
  return op;
}

Operation ImageQualityOperation() {
  Operation op;
  op.type = "image_quality";
  op.description =
      "Technical quality of the image: resolution, sharpness (variance of the Laplacian), exposure, noise, and a "
      "grade A/B/C with the issues that lowered it (rule in docs/image-features.md).";
  op.allowed_targets = {"whole_image"};
  op.default_target = "whole_image";
  op.cache_version = [](AnalysisContext&, const OperationArgs&) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(kFeatureVersion);
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs&) -> Result<OperationResult> {
    IRIS_ASSIGN_OR_RETURN(ImageQuality q, AssessImageQuality(ctx.image()));
    return OperationResult::Success({{"width", q.width},
                                     {"height", q.height},
                                     {"megapixels", Round(q.megapixels, 2)},
                                     {"sharpness", Round(q.sharpness, 2)},
                                     {"brightness", Round(q.brightness, 3)},
                                     {"contrast", Round(q.contrast, 3)},
                                     {"clipped_dark", Round(q.clipped_dark, 4)},
                                     {"clipped_bright", Round(q.clipped_bright, 4)},
                                     {"noise", Round(q.noise, 2)},
                                     {"exposure", q.exposure},
                                     {"grade", std::string(1, q.grade)},
                                     {"issues", q.issues}});
  };
  return op;
}

}  // namespace

void AddFeatureOperations(std::vector<Operation>& ops, const OperationSettings& settings) {
  ops.push_back(DominantColorsOperation(settings));
  ops.push_back(ImageHashOperation(settings));
  ops.push_back(ImageQualityOperation());
}

}  // namespace iris::ops
