#include "vision/face_detector.h"

#include <algorithm>

#include "vision/ultraface_face_detector.h"
#include "vision/yunet_face_detector.h"

namespace iris {
namespace {

constexpr std::size_t kMaxCandidates = 5000;  // before NMS, as OpenCV's FaceDetectorYN top_k

}  // namespace

Result<std::unique_ptr<FaceDetector>> LoadFaceDetector(const models::ModelSpec& spec,
                                                       const std::filesystem::path& model_file,
                                                       const RuntimeConfig& runtime) {
  switch (spec.family) {
    case models::ModelFamily::kYunet: {
      IRIS_ASSIGN_OR_RETURN(auto detector, YunetFaceDetector::Load(spec, model_file, runtime));
      return std::unique_ptr<FaceDetector>(std::move(detector));
    }
    case models::ModelFamily::kUltraface: {
      IRIS_ASSIGN_OR_RETURN(auto detector, UltrafaceFaceDetector::Load(spec, model_file, runtime));
      return std::unique_ptr<FaceDetector>(std::move(detector));
    }
    default:
      return FailedPrecondition("model " + spec.name + " is a " + std::string(models::ModelFamilyName(spec.family)) +
                                " model, not a face detector (yunet or ultraface)");
  }
}

Status ValidateFaceDetectorOptions(const FaceDetectorOptions& options) {
  if (!(options.min_score >= 0.0f && options.min_score <= 1.0f)) return Unprocessable("min_score must be in 0..1");
  if (!(options.nms_iou > 0.0f && options.nms_iou <= 1.0f)) return Unprocessable("nms_iou must be in (0, 1]");
  if (options.max_faces < 1) return Unprocessable("max_faces must be at least 1");
  return Status::Ok();
}

std::vector<Detection> FinishFaceDetections(std::vector<Detection> candidates, const TensorPlacement& placement,
                                            int image_width, int image_height, const FaceDetectorOptions& options) {
  const auto to_x = [&](float x) { return static_cast<float>((x - placement.offset_x) / placement.scale_x); };
  const auto to_y = [&](float y) { return static_cast<float>((y - placement.offset_y) / placement.scale_y); };
  const auto W = static_cast<float>(image_width), H = static_cast<float>(image_height);
  std::vector<Detection> mapped;
  mapped.reserve(candidates.size());
  for (auto& d : candidates) {
    d.x0 = std::clamp(to_x(d.x0), 0.0f, W);
    d.y0 = std::clamp(to_y(d.y0), 0.0f, H);
    d.x1 = std::clamp(to_x(d.x1), 0.0f, W);
    d.y1 = std::clamp(to_y(d.y1), 0.0f, H);
    if (!(d.area() > 0.0f)) continue;
    for (auto& p : d.landmarks) p = {to_x(p.x), to_y(p.y)};
    d.class_id = 0;
    d.label = "face";
    mapped.push_back(std::move(d));
  }
  if (mapped.size() > kMaxCandidates) {
    std::partial_sort(mapped.begin(), mapped.begin() + static_cast<std::ptrdiff_t>(kMaxCandidates), mapped.end(),
                      [](const Detection& a, const Detection& b) { return a.score > b.score; });
    mapped.resize(kMaxCandidates);
  }
  std::vector<Detection> kept = NonMaxSuppression(std::move(mapped), options.nms_iou);
  if (kept.size() > static_cast<std::size_t>(options.max_faces))
    kept.resize(static_cast<std::size_t>(options.max_faces));
  return kept;
}

}  // namespace iris
