#include "ops/operation_helpers.h"

namespace iris::ops {

ParamSpec FaceContextParam() {
  return {"face_context",
          "string",
          "prominent_person",
          "for target prominent_face: look for the face inside the prominent person (whole image when no person "
          "is found) or in the whole image",
          {"prominent_person", "whole_image"}};
}

ParamSpec FaceDetectorParam(const OperationSettings& settings) {
  return {"detector", "string", settings.analysis.face_detector, "face detector model", settings.face_detectors};
}

ParamSpec MinPersonScoreParam(const AnalysisConfig& config) {
  return {"min_person_score",
          "number",
          config.min_person_score,
          "lowest detector score a person may have to count (prominent = largest area x score above it)",
          {},
          0.0,
          1.0};
}

ParamSpec MinFaceScoreParam(const AnalysisConfig& config) {
  return {"min_face_score",
          "number",
          config.min_face_score,
          "lowest detector score a face may have to count (prominent = largest area x score above it)",
          {},
          0.0,
          1.0};
}

ParamSpec ModelParam(const std::string& default_model, const std::string& what) {
  return {"model", "string", default_model, "installed model to use (" + what + ")"};
}

std::vector<ParamSpec> RegionParams(const OperationSettings& settings) {
  return {FaceContextParam(), FaceDetectorParam(settings), MinPersonScoreParam(settings.analysis),
          MinFaceScoreParam(settings.analysis)};
}

std::string RegionModels(const AnalysisContext& ctx, const OperationArgs& args) {
  return ctx.services().analysis.person_detector + "+" + args.value("detector", std::string());
}

RegionQuery RegionQueryFrom(const OperationArgs& args, const AnalysisServices& services) {
  RegionQuery q;
  q.target = args.value("target", std::string("whole_image"));
  if (args.contains("face_context") && args["face_context"].is_string()) q.face_context = args["face_context"];
  if (args.contains("detector") && args["detector"].is_string()) q.face_detector = args["detector"];
  q.min_person_score = static_cast<float>(services.analysis.min_person_score);
  q.min_face_score = static_cast<float>(services.analysis.min_face_score);
  if (args.contains("min_person_score") && args["min_person_score"].is_number()) {
    q.min_person_score = args["min_person_score"].get<float>();
  }
  if (args.contains("min_face_score") && args["min_face_score"].is_number()) {
    q.min_face_score = args["min_face_score"].get<float>();
  }
  return q;
}

Status ReportCrop(AnalysisContext& ctx, const Region& region, OperationResult& result) {
  if (!region.box) return {};
  result.cropped_bbox = std::array<int, 4>{region.box->x0, region.box->y0, region.box->x1, region.box->y1};
  IRIS_ASSIGN_OR_RETURN(std::string png, ctx.CropPngBase64(region));
  result.cropped_base64 = std::move(png);
  return {};
}

Result<std::optional<Region>> RegionWithSeedFallbacks(AnalysisContext& ctx, const OperationArgs& args,
                                                      OperationResult& skipped) {
  const RegionQuery query = RegionQueryFrom(args, ctx.services());
  IRIS_ASSIGN_OR_RETURN(auto region, ctx.ResolveRegion(query));
  if (region) return region;
  if (query.target == "prominent_person") {
    RegionQuery whole = query;
    whole.target = "whole_image";
    return ctx.ResolveRegion(whole);
  }
  skipped = OperationResult::Skipped("no face found (face_context " + query.face_context + ", min_face_score " +
                                     std::to_string(query.min_face_score).substr(0, 4) + ")");
  return std::optional<Region>();
}

OperationResult ErrorResult(const Status& status) { return OperationResult::Error(std::string(status.message())); }

nlohmann::json BoxJson(const Detection& d, const RgbImage& image) {
  const PixelBox b = d.ToPixelBox(image.width, image.height);
  return nlohmann::json::array({b.x0, b.y0, b.x1, b.y1});
}

}  // namespace iris::ops
