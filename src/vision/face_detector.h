// FaceDetector: faces in an RgbImage, whatever model finds them. Implementations (one file each):
// YuNet (yunet_face_detector.h: 5 landmarks, any input size) and UltraFace (ultraface_face_detector.h:
// fixed input, no landmarks). LoadFaceDetector picks one from the catalog entry's family.
//
// Contract of Detect (every implementation):
//   * Detections are faces (label "face", class_id 0) sorted by score (descending), boxes in
//     ORIGINAL image pixels clamped to the image, at most options.max_faces, none below
//     options.min_score, after NMS at options.nms_iou. has_landmarks() models fill 5 landmarks
//     (right eye, left eye, nose, right/left mouth corner; see detection.h) in original pixels,
//     not clamped (a face cut by the image edge may have a point just outside).
//   * Errors: Unprocessable for invalid options (min_score outside 0..1, nms_iou outside (0, 1],
//     max_faces < 1); InvalidArgument for an empty image; Internal when the model's outputs are
//     not the expected shape.
// LoadFaceDetector errors: FailedPrecondition when the family is neither yunet nor ultraface, or the
// entry/model do not fit the adapter; NotFound when the model file is missing.
//
// Thread-safety: implementations are immutable after loading; Detect may be called from many
// threads at once (one run of the shared ONNX session per call; no batcher).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "models/model_catalog.h"
#include "vision/detection.h"
#include "vision/image_tensor.h"

namespace iris {

struct FaceDetectorOptions {
  float min_score = 0.6f;
  float nms_iou = 0.3f;
  int max_faces = 100;
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  virtual const std::string& name() const = 0;
  virtual bool has_landmarks() const = 0;
  // The execution provider of the session ("CPUExecutionProvider", "CUDAExecutionProvider").
  virtual std::string provider() const = 0;
  virtual Result<std::vector<Detection>> Detect(const RgbImage& image, const FaceDetectorOptions& options) const = 0;
};

// Dispatches on spec.family: yunet -> YunetFaceDetector, ultraface -> UltrafaceFaceDetector.
Result<std::unique_ptr<FaceDetector>> LoadFaceDetector(const models::ModelSpec& spec,
                                                       const std::filesystem::path& model_file,
                                                       const RuntimeConfig& runtime);

// --- Shared by the implementations ------------------------------------------------------------

// Unprocessable naming the first invalid option.
Status ValidateFaceDetectorOptions(const FaceDetectorOptions& options);

// Turns candidates whose boxes and landmarks are in TENSOR pixels (as the model saw the image,
// placed by `placement`) into the final answer: maps them to original pixels, clamps boxes to
// image_width x image_height and drops empty ones, sets label "face" and class 0, keeps the 5000
// best, applies NMS at options.nms_iou and keeps options.max_faces. Scores must already be
// >= options.min_score.
std::vector<Detection> FinishFaceDetections(std::vector<Detection> candidates, const TensorPlacement& placement,
                                            int image_width, int image_height, const FaceDetectorOptions& options);

}  // namespace iris
