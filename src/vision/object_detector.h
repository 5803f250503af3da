// ObjectDetector: the YOLOX adapter (catalog family "yolox", e.g. "yolox-nano"): COCO-80 objects
// (person = class 0) in an RgbImage.
//
// Contract:
//   * Preprocessing comes from the catalog entry (letterbox into the top-left of the input canvas,
//     pad 114, BGR 0..255 for YOLOX-Nano); the output is the raw anchor grid
//     [1, A, 5 + classes] = [dx, dy, log_w, log_h, obj, cls...] (sigmoids applied) over strides
//     8/16/32, decoded as YOLOX does: cx = (dx + gx) * s, w = exp(log_w) * s.
//   * Each anchor point yields at most one candidate: its best class (argmax of cls), with
//     score = obj * cls[best], as the YOLOX reference post-processing does. options.classes then
//     keeps only the listed classes, so a filtered result is the unfiltered one restricted to
//     those classes. Candidates with score < min_score are dropped, then class-aware NMS at
//     nms_iou, then at most max_detections are kept.
//   * Detect returns detections sorted by score (descending), boxes in ORIGINAL image pixels,
//     clamped to the image (empty boxes after clamping are dropped), label = spec.labels[class_id].
//   * Errors: Load: FailedPrecondition for a spec that is not family yolox, lacks preprocessing,
//     labels or a "model" file, or whose tensors do not match (via OnnxSession::Load, which also
//     gives NotFound for a missing file); Unprocessable for preprocessing the code cannot do.
//     Detect: Unprocessable for invalid options (min_score outside 0..1, nms_iou outside (0, 1],
//     max_detections < 1, an unknown class id); InvalidArgument for an empty image; Internal when
//     the model's output is not the expected shape.
//
// Thread-safety: immutable after Load; Detect may be called from many threads at once (each call
// runs the shared session once; the YOLOX export has a fixed batch of 1, so there is no batcher).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "models/model_catalog.h"
#include "runtime/onnx_session.h"
#include "vision/detection.h"
#include "vision/image_tensor.h"

namespace iris {

struct ObjectDetectorOptions {
  float min_score = 0.25f;
  float nms_iou = 0.45f;
  std::vector<int> classes;  // class ids to keep; empty = all
  int max_detections = 100;
};

class ObjectDetector {
 public:
  static Result<std::unique_ptr<ObjectDetector>> Load(const models::ModelSpec& spec,
                                                      const std::filesystem::path& model_file,
                                                      const RuntimeConfig& runtime);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // The execution provider of the session ("CPUExecutionProvider", "CUDAExecutionProvider").
  std::string provider() const { return session_->provider(); }

  Result<std::vector<Detection>> Detect(const RgbImage& image, const ObjectDetectorOptions& options) const;

 private:
  ObjectDetector() = default;

  std::string name_;
  std::vector<std::string> labels_;
  ImagePreprocessing preprocessing_;
  std::unique_ptr<OnnxSession> session_;
};

}  // namespace iris
