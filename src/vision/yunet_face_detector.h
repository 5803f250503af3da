// YunetFaceDetector: OpenCV Zoo's YuNet (catalog family "yunet"): faces with 5 landmarks. A
// FaceDetector (see face_detector.h for the Detect contract, errors and thread-safety).
//
// Input size rule (the model takes any H, W that are multiples of 32): the image is scaled so its
// long side is clamped to [max_side / 2, max_side], max_side being the larger catalog input
// dimension (640): images between 320 and 640 px keep their size, larger ones shrink to 640, smaller
// ones grow to 320. It is then letterboxed into the top-left of the smallest canvas whose sides are
// multiples of 32 (pad from the catalog, 0), BGR 0..255 as the catalog says; the letterbox fills one
// side of that canvas, so the image may grow by up to 31 px more. Measured with
// bench/detection_quality.cc on faces-dlib-voc (360-500 px group photos, faces ~20-45 px) and the
// same photos at 50%: enlarging the full-size photos to 640 or 960 found no more faces and added
// false positives at 1.6x / 4x the time; at 50% (faces ~10-25 px) the native size missed 1 of 43
// faces that an input of 320 finds. Faces below ~10 px at the chosen scale are not found.
//
// Decoding is OpenCV FaceDetectorYN's: per stride s in 8/16/32 and grid cell (row, col),
// score = sqrt(clamp(cls) * clamp(obj)), cx = (col + bbox0) * s, cy = (row + bbox1) * s,
// w = exp(bbox2) * s, h = exp(bbox3) * s, landmark k = ((col + kps[2k]) * s, (row + kps[2k+1]) * s).
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "image/resample.h"
#include "runtime/onnx_session.h"
#include "vision/face_detector.h"

namespace iris {

class YunetFaceDetector : public FaceDetector {
 public:
  // FailedPrecondition for a spec that is not family yunet, lacks preprocessing or a "model" file,
  // or whose outputs are not cls/obj/bbox/kps for strides 8, 16, 32; NotFound for a missing file.
  static Result<std::unique_ptr<YunetFaceDetector>> Load(const models::ModelSpec& spec,
                                                         const std::filesystem::path& model_file,
                                                         const RuntimeConfig& runtime);

  const std::string& name() const override { return name_; }
  bool has_landmarks() const override { return true; }
  std::string provider() const override { return session_->provider(); }
  Result<std::vector<Detection>> Detect(const RgbImage& image, const FaceDetectorOptions& options) const override;

  // The model input (width, height) the size rule above picks for an image.
  PixelSize InputSizeFor(int image_width, int image_height) const;
  // Detect with an explicit input size (multiples of 32, each 32..4096): for measuring size rules.
  Result<std::vector<Detection>> DetectAtSize(const RgbImage& image, PixelSize input,
                                              const FaceDetectorOptions& options) const;

 private:
  YunetFaceDetector() = default;

  std::string name_;
  ImagePreprocessing preprocessing_;  // width/height replaced per image
  int max_side_ = 640;
  std::unique_ptr<OnnxSession> session_;
  // Output indices in session_->io().outputs, per stride 8, 16, 32.
  std::array<std::size_t, 3> cls_{}, obj_{}, bbox_{}, kps_{};
};

}  // namespace iris
