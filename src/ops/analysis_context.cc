#include "ops/analysis_context.h"

#include <algorithm>
#include <cmath>

#include "core/base64.h"
#include "image/image_encoder.h"
#include "vision/model_registry.h"

namespace iris::ops {
namespace {

std::string ScoreKey(float score) { return std::to_string(static_cast<int>(score * 10000 + 0.5f)); }

// Detections found in a crop, moved back into the coordinates of the whole image.
void ShiftDetections(std::vector<Detection>& detections, const PixelBox& crop) {
  for (auto& d : detections) {
    d.x0 += crop.x0;
    d.x1 += crop.x0;
    d.y0 += crop.y0;
    d.y1 += crop.y0;
    for (auto& p : d.landmarks) {
      p.x += crop.x0;
      p.y += crop.y0;
    }
  }
}

}  // namespace

std::optional<Detection> MostProminent(const std::vector<Detection>& detections) {
  std::optional<Detection> best;
  for (const auto& d : detections) {
    if (!best || d.area() * d.score > best->area() * best->score) best = d;
  }
  return best;
}

std::string BoxKey(const PixelBox& box) {
  return std::to_string(box.x0) + "," + std::to_string(box.y0) + "," + std::to_string(box.x1) + "," +
         std::to_string(box.y1);
}

AnalysisContext::AnalysisContext(const AnalysisServices& services, std::shared_ptr<const RgbImage> image,
                                 std::string content_sha256)
    : services_(services), image_(std::move(image)), sha256_(std::move(content_sha256)) {}

Result<std::vector<Detection>> AnalysisContext::Objects(float min_score) {
  const std::string& detector_name = services_.analysis.person_detector;
  const std::string key = detector_name + "/" + ScoreKey(min_score);
  if (auto it = objects_.find(key); it != objects_.end()) return it->second;
  if (!services_.models) return FailedPrecondition("no model registry");
  IRIS_ASSIGN_OR_RETURN(auto detector, services_.models->ObjectDetector(detector_name));
  ObjectDetectorOptions options;
  options.min_score = min_score;
  IRIS_ASSIGN_OR_RETURN(auto found, detector->Detect(*image_, options));
  objects_[key] = found;
  return found;
}

Result<std::optional<Detection>> AnalysisContext::ProminentPerson(float min_score) {
  IRIS_ASSIGN_OR_RETURN(auto objects, Objects(min_score));
  std::vector<Detection> persons;
  for (const auto& d : objects) {
    if (d.label == "person" && d.score >= min_score) persons.push_back(d);
  }
  return MostProminent(persons);
}

Result<std::vector<Detection>> AnalysisContext::Faces(const RegionQuery& query) {
  const std::string detector_name =
      query.face_detector.empty() ? services_.analysis.face_detector : query.face_detector;
  std::optional<Detection> person;
  if (query.face_context == "prominent_person") {
    IRIS_ASSIGN_OR_RETURN(person, ProminentPerson(query.min_person_score));
  } else if (query.face_context != "whole_image") {
    return InvalidArgument("face_context must be prominent_person or whole_image");
  }
  const std::string key = detector_name + "/" + (person ? "person:" + ScoreKey(query.min_person_score) : "whole") +
                          "/" + ScoreKey(query.min_face_score);
  if (auto it = faces_.find(key); it != faces_.end()) return it->second;
  if (!services_.models) return FailedPrecondition("no model registry");
  IRIS_ASSIGN_OR_RETURN(auto detector, services_.models->FaceDetector(detector_name));
  FaceDetectorOptions options;
  options.min_score = query.min_face_score;
  std::vector<Detection> found;
  if (person) {
    const PixelBox box = person->ToPixelBox(image_->width, image_->height);
    IRIS_ASSIGN_OR_RETURN(auto crop, CropOnce(box));
    IRIS_ASSIGN_OR_RETURN(found, detector->Detect(*crop, options));
    ShiftDetections(found, box);
  } else {
    IRIS_ASSIGN_OR_RETURN(found, detector->Detect(*image_, options));
  }
  faces_[key] = found;
  return found;
}

Result<std::optional<Detection>> AnalysisContext::ProminentFace(const RegionQuery& query) {
  IRIS_ASSIGN_OR_RETURN(auto faces, Faces(query));
  return MostProminent(faces);
}

Result<std::shared_ptr<const RgbImage>> AnalysisContext::CropOnce(const PixelBox& box) {
  const std::string key = BoxKey(box);
  if (auto it = crops_.find(key); it != crops_.end()) return it->second;
  IRIS_ASSIGN_OR_RETURN(RgbImage crop, Crop(*image_, box));
  auto shared = std::make_shared<const RgbImage>(std::move(crop));
  crops_[key] = shared;
  return shared;
}

Result<std::optional<Region>> AnalysisContext::ResolveRegion(const RegionQuery& query) {
  std::optional<Detection> detection;
  if (query.target == "whole_image") {
    return std::optional<Region>(Region{image_, std::nullopt, std::nullopt});
  } else if (query.target == "prominent_person") {
    IRIS_ASSIGN_OR_RETURN(detection, ProminentPerson(query.min_person_score));
  } else if (query.target == "prominent_face") {
    IRIS_ASSIGN_OR_RETURN(detection, ProminentFace(query));
  } else {
    return InvalidArgument("unknown target '" + query.target + "'");
  }
  if (!detection) return std::optional<Region>();
  const PixelBox box = detection->ToPixelBox(image_->width, image_->height);
  if (box.empty()) return std::optional<Region>();
  IRIS_ASSIGN_OR_RETURN(auto pixels, CropOnce(box));
  return std::optional<Region>(Region{pixels, box, detection});
}

Result<std::string> AnalysisContext::CropPngBase64(const Region& region) {
  const std::string key = region.box ? BoxKey(*region.box) : "whole";
  if (auto it = crop_png_.find(key); it != crop_png_.end()) return it->second;
  const RgbImage& crop = *region.pixels;
  const int max_side = services_.analysis.max_crop_side;
  const int longest = std::max(crop.width, crop.height);
  std::string png;
  if (max_side <= 0 || longest <= max_side) {
    IRIS_ASSIGN_OR_RETURN(png, EncodePng(crop));
  } else {
    // Only the picture sent back is reduced; the operation itself saw the full-resolution crop.
    const double scale = static_cast<double>(max_side) / longest;
    const int width =
        crop.width >= crop.height ? max_side : std::max(1, static_cast<int>(std::lround(crop.width * scale)));
    const int height =
        crop.height > crop.width ? max_side : std::max(1, static_cast<int>(std::lround(crop.height * scale)));
    IRIS_ASSIGN_OR_RETURN(RgbImage smaller, ResizeBilinear(crop, width, height));
    IRIS_ASSIGN_OR_RETURN(png, EncodePng(smaller));
  }
  std::string encoded = Base64Encode(png);
  crop_png_[key] = encoded;
  return encoded;
}

}  // namespace iris::ops
