// AnalysisContext: the state of one analysis request. It holds the decoded image (decoded once per
// request) and memoises what several tasks share -- object detections, the prominent person, faces
// per face context and detector, crops -- so "detect the person, then embed the person, then embed
// the face inside the person" runs the person detector once.
//
// Regions (the `target` of a task):
//   whole_image       the image itself; no crop is reported.
//   prominent_person  the person detection with the largest area x score among those scoring at
//                     least min_person_score (YOLOX, COCO class "person").
//   prominent_face    the face with the largest area x score (score >= min_face_score), searched
//                     according to face_context: "prominent_person" looks inside the prominent
//                     person's box (and in the whole image when no person is found), "whole_image"
//                     in the whole image.
// ResolveRegion returns nullopt when the target is not found; callers decide whether that means a
// fallback (prominent_person -> whole image, as the seed does) or a skipped task (faces).
//
// Errors: a missing model is FailedPrecondition "model 'X' is not installed; install it with: ...".
// Thread-safety: none; one request's tasks run one after another on one context.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "image/image_geometry.h"
#include "image/rgb_image.h"
#include "ops/analysis_services.h"
#include "vision/detection.h"

namespace iris::ops {

struct RegionQuery {
  std::string target = "whole_image";  // whole_image | prominent_person | prominent_face
  std::string face_context = "prominent_person";
  std::string face_detector;  // empty: analysis.face_detector
  float min_person_score = 0.5f;
  float min_face_score = 0.6f;
};

struct Region {
  std::shared_ptr<const RgbImage> pixels;  // the crop (or the whole image)
  std::optional<PixelBox> box;             // where the crop is in the image; nullopt for the whole image
  std::optional<Detection> detection;      // the detection the crop came from
};

// The detection with the largest area x score, or nullopt for an empty list.
std::optional<Detection> MostProminent(const std::vector<Detection>& detections);

class AnalysisContext {
 public:
  AnalysisContext(const AnalysisServices& services, std::shared_ptr<const RgbImage> image, std::string content_sha256);

  const AnalysisServices& services() const { return services_; }
  const RgbImage& image() const { return *image_; }
  const std::shared_ptr<const RgbImage>& image_ptr() const { return image_; }
  const std::string& content_sha256() const { return sha256_; }

  // All objects the person detector finds at or above min_score (every COCO class), best first.
  Result<std::vector<Detection>> Objects(float min_score);
  Result<std::optional<Detection>> ProminentPerson(float min_score);
  // Faces per query.face_context / face_detector / min_face_score (query.target is ignored).
  Result<std::vector<Detection>> Faces(const RegionQuery& query);
  Result<std::optional<Detection>> ProminentFace(const RegionQuery& query);

  Result<std::optional<Region>> ResolveRegion(const RegionQuery& query);

  // The PNG (base64) of a region's crop, encoded once per box. A crop whose longer side is over
  // analysis.max_crop_side is scaled down (aspect ratio kept) to that side first, so a reply holds
  // at most max_crop_side^2 pixels per crop whatever the image size; operations still run on the
  // full-resolution crop.
  Result<std::string> CropPngBase64(const Region& region);

 private:
  Result<std::shared_ptr<const RgbImage>> CropOnce(const PixelBox& box);

  const AnalysisServices& services_;
  std::shared_ptr<const RgbImage> image_;
  std::string sha256_;
  std::map<std::string, std::vector<Detection>> objects_;         // by detector/min_score
  std::map<std::string, std::vector<Detection>> faces_;           // by detector/context/scores
  std::map<std::string, std::shared_ptr<const RgbImage>> crops_;  // by box
  std::map<std::string, std::string> crop_png_;                   // by box
};

// "[x0,y0,x1,y1]" key of a box, for memo maps.
std::string BoxKey(const PixelBox& box);

}  // namespace iris::ops
