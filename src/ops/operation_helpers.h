// Pieces several operation families share: the standard parameters (face_context, detector,
// score floors, model), turning checked arguments into a RegionQuery, reporting the crop a result
// was computed on, and mapping a failed Status to a task result. Internal to ops/.
#pragma once

#include <string>
#include <vector>

#include "ops/analysis_context.h"
#include "ops/operation.h"
#include "ops/operation_catalog.h"

namespace iris::ops {

inline const std::vector<std::string> kAllTargets = {"whole_image", "prominent_person", "prominent_face"};

ParamSpec FaceContextParam();
// The face detectors allowed are settings.face_detectors (the catalog's), the default is [analysis].
ParamSpec FaceDetectorParam(const OperationSettings& settings);
ParamSpec MinPersonScoreParam(const AnalysisConfig& config);
ParamSpec MinFaceScoreParam(const AnalysisConfig& config);
ParamSpec ModelParam(const std::string& default_model, const std::string& what);
// The parameters of every operation that takes a region: face_context, detector, min_person_score,
// min_face_score (target is added by the registry).
std::vector<ParamSpec> RegionParams(const OperationSettings& settings);

// The models that decide which region a task gets ("<person detector>+<detector param>"), for cache
// versions of region operations.
std::string RegionModels(const AnalysisContext& ctx, const OperationArgs& args);

// The region parameters of `args` (target, face_context, detector, min_person_score, min_face_score);
// missing ones take the configured defaults.
RegionQuery RegionQueryFrom(const OperationArgs& args, const AnalysisServices& services);

// Sets cropped_image_bbox / cropped_image_base64 when the region is a crop.
Status ReportCrop(AnalysisContext& ctx, const Region& region, OperationResult& result);

// The region for an operation whose prominent_person target falls back to the whole image and
// whose prominent_face target is required: nullopt with `skipped` filled when no face is found.
Result<std::optional<Region>> RegionWithSeedFallbacks(AnalysisContext& ctx, const OperationArgs& args,
                                                      OperationResult& skipped);

// A task result for a failed step: "error" with the status message.
OperationResult ErrorResult(const Status& status);

// [x0, y0, x1, y1] as integers (rounded outwards, clamped to the image).
nlohmann::json BoxJson(const Detection& d, const RgbImage& image);

}  // namespace iris::ops
