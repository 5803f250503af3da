// detect_bounding_box (the seed's), detect_objects and detect_faces (all detections, not only the
// prominent one).
#include <algorithm>
#include <cmath>
#include <set>

#include "ops/operation_catalog.h"
#include "ops/operation_helpers.h"
#include "vision/model_registry.h"

namespace iris::ops {
namespace {

nlohmann::json LandmarksJson(const Detection& d) {
  if (d.landmarks.size() != 5) return nullptr;
  static const char* kNames[5] = {"right_eye", "left_eye", "nose", "right_mouth", "left_mouth"};
  nlohmann::json out = nlohmann::json::object();
  for (int i = 0; i < 5; ++i) {
    out[kNames[i]] = {std::round(double{d.landmarks[i].x} * 10) / 10, std::round(double{d.landmarks[i].y} * 10) / 10};
  }
  return out;
}

// Default score floor of detect_objects: on coco-tiny persons, 0.3 keeps the recall of 0.25 with
// fewer false positives (docs/quality.md).
constexpr double kObjectMinScore = 0.3;

double Round4(double v) { return std::round(v * 10000) / 10000; }  // v is a float score: widen first

// Model names that decide detection results, for the cache key.
std::optional<std::string> DetectorVersion(const AnalysisServices& s, const OperationArgs& args) {
  return s.analysis.person_detector + "+" + args.value("detector", s.analysis.face_detector);
}

Operation DetectBoundingBox(const OperationSettings& settings) {
  Operation op;
  op.type = "detect_bounding_box";
  op.description =
      "Detects the bounding box of the most prominent person or face (largest area x score above the score floor). "
      "data: [xmin, ymin, xmax, ymax] in image pixels, or null when nothing is found.";
  op.allowed_targets = {"prominent_person", "prominent_face"};
  op.default_target = "prominent_person";
  op.params = RegionParams(settings);
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    return DetectorVersion(ctx.services(), args);
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    const RegionQuery q = RegionQueryFrom(args, ctx.services());
    std::optional<Detection> found;
    if (q.target == "prominent_person") {
      IRIS_ASSIGN_OR_RETURN(found, ctx.ProminentPerson(q.min_person_score));
    } else {
      IRIS_ASSIGN_OR_RETURN(found, ctx.ProminentFace(q));
    }
    return OperationResult::Success(found ? BoxJson(*found, ctx.image()) : nlohmann::json(nullptr));
  };
  return op;
}

Operation DetectObjects() {
  Operation op;
  op.type = "detect_objects";
  op.description =
      "Detects every object of the 80 COCO classes (YOLOX). data: list of {label, class_id, score, box} sorted by "
      "score, box = [xmin, ymin, xmax, ymax] in image pixels.";
  op.allowed_targets = {"whole_image"};
  op.default_target = "whole_image";
  op.params = {{"classes", "array", nullptr, "only these class names (e.g. [\"person\", \"handbag\"]); default all"},
               {"min_score", "number", kObjectMinScore, "lowest score reported", {}, 0.0, 1.0},
               {"max_detections", "integer", 100, "most objects reported", {}, 1.0, 1000.0}};
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs&) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(ctx.services().analysis.person_detector);
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    std::set<std::string> classes;
    if (args["classes"].is_array()) {
      for (const auto& c : args["classes"]) {
        if (!c.is_string()) return OperationResult::Error("parameter 'classes' must be an array of class names");
        classes.insert(c.get<std::string>());
      }
      if (ctx.services().models) {
        IRIS_ASSIGN_OR_RETURN(auto detector,
                              ctx.services().models->ObjectDetector(ctx.services().analysis.person_detector));
        const auto& labels = detector->labels();
        for (const auto& c : classes) {
          if (std::find(labels.begin(), labels.end(), c) == labels.end()) {
            return OperationResult::Error("unknown class '" + c +
                                          "'; the detector knows the 80 COCO classes, e.g. "
                                          "person, handbag, backpack, tie, suitcase");
          }
        }
      }
    }
    const float min_score = args["min_score"].get<float>();
    IRIS_ASSIGN_OR_RETURN(auto objects, ctx.Objects(min_score));
    nlohmann::json out = nlohmann::json::array();
    const int max = args["max_detections"].get<int>();
    for (const auto& d : objects) {
      if (static_cast<int>(out.size()) >= max) break;
      if (d.score < min_score || (!classes.empty() && !classes.count(d.label))) continue;
      out.push_back(
          {{"label", d.label}, {"class_id", d.class_id}, {"score", Round4(d.score)}, {"box", BoxJson(d, ctx.image())}});
    }
    return OperationResult::Success(std::move(out));
  };
  return op;
}

Operation DetectFaces(const OperationSettings& settings) {
  Operation op;
  op.type = "detect_faces";
  op.description =
      "Detects every face. data: list of {box, score, landmarks} sorted by score; landmarks (YuNet) are "
      "{right_eye, left_eye, nose, right_mouth, left_mouth} as [x, y], null for detectors without them.";
  op.allowed_targets = {"whole_image", "prominent_person"};
  op.default_target = "whole_image";
  op.params = {FaceDetectorParam(settings), MinFaceScoreParam(settings.analysis),
               MinPersonScoreParam(settings.analysis)};
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    return DetectorVersion(ctx.services(), args);
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    RegionQuery q = RegionQueryFrom(args, ctx.services());
    q.face_context = q.target;  // whole_image, or inside the prominent person
    IRIS_ASSIGN_OR_RETURN(auto faces, ctx.Faces(q));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : faces) {
      out.push_back({{"box", BoxJson(d, ctx.image())}, {"score", Round4(d.score)}, {"landmarks", LandmarksJson(d)}});
    }
    return OperationResult::Success(std::move(out));
  };
  return op;
}

}  // namespace

void AddDetectionOperations(std::vector<Operation>& ops, const OperationSettings& settings) {
  ops.push_back(DetectBoundingBox(settings));
  ops.push_back(DetectObjects());
  ops.push_back(DetectFaces(settings));
}

}  // namespace iris::ops
