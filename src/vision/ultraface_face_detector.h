// UltrafaceFaceDetector: Linzaer's Ultra-Light-Fast-Generic-Face-Detector-1MB, RFB-320 or RFB-640
// (catalog family "ultraface"): faces, no landmarks. A FaceDetector (see face_detector.h for the
// Detect contract, errors and thread-safety).
//
// The image is stretched to the catalog's fixed input (320x240 or 640x480, RGB, (x - 127) / 128);
// the model returns `scores` [1, N, 2] (softmaxed; column 1 = face) and `boxes` [1, N, 4]
// (x1, y1, x2, y2 already decoded, normalised 0..1 to the input), which are scaled back to the
// image. The reference post-processing is score > 0.7 and hard NMS at IoU 0.3.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "runtime/onnx_session.h"
#include "vision/face_detector.h"

namespace iris {

class UltrafaceFaceDetector : public FaceDetector {
 public:
  // FailedPrecondition for a spec that is not family ultraface, lacks preprocessing or a "model"
  // file, or whose tensors are not one image input and scores [1,N,2] + boxes [1,N,4]; NotFound for
  // a missing file.
  static Result<std::unique_ptr<UltrafaceFaceDetector>> Load(const models::ModelSpec& spec,
                                                             const std::filesystem::path& model_file,
                                                             const RuntimeConfig& runtime);

  const std::string& name() const override { return name_; }
  bool has_landmarks() const override { return false; }
  std::string provider() const override { return session_->provider(); }
  Result<std::vector<Detection>> Detect(const RgbImage& image, const FaceDetectorOptions& options) const override;

 private:
  UltrafaceFaceDetector() = default;

  std::string name_;
  ImagePreprocessing preprocessing_;
  std::unique_ptr<OnnxSession> session_;
  std::size_t scores_ = 0, boxes_ = 0;  // output indices in session_->io().outputs
};

}  // namespace iris
