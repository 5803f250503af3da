#include "vision/object_detector.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "vision/image_session_run.h"
#include "vision/model_loading.h"

namespace iris {
namespace {

// YOLOX heads (a property of the architecture, not of preprocessing).
constexpr std::array<int, 3> kStrides = {8, 16, 32};
constexpr int kBoxFields = 5;  // dx, dy, log_w, log_h, obj

std::int64_t AnchorCount(int width, int height) {
  std::int64_t n = 0;
  for (int s : kStrides) n += static_cast<std::int64_t>(width / s) * (height / s);
  return n;
}

Status ValidateOptions(const ObjectDetectorOptions& options, std::size_t num_classes) {
  if (!(options.min_score >= 0.0f && options.min_score <= 1.0f)) return Unprocessable("min_score must be in 0..1");
  if (!(options.nms_iou > 0.0f && options.nms_iou <= 1.0f)) return Unprocessable("nms_iou must be in (0, 1]");
  if (options.max_detections < 1) return Unprocessable("max_detections must be at least 1");
  for (int c : options.classes) {
    if (c < 0 || static_cast<std::size_t>(c) >= num_classes) {
      return Unprocessable("unknown class id " + std::to_string(c) + " (the model has " + std::to_string(num_classes) +
                           " classes)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ObjectDetector>> ObjectDetector::Load(const models::ModelSpec& spec,
                                                             const std::filesystem::path& model_file,
                                                             const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  IRIS_ASSIGN_OR_RETURN(
      CatalogImageModel loaded,
      LoadCatalogDetectorModel(spec, models::ModelFamily::kYolox, "a YOLOX object detector", model_file, runtime));
  if (spec.labels.empty()) return FailedPrecondition(what + ": the catalog entry has no labels");

  std::unique_ptr<ObjectDetector> detector(new ObjectDetector());
  detector->name_ = spec.name;
  detector->labels_ = spec.labels;
  detector->preprocessing_ = loaded.preprocessing;
  detector->session_ = std::move(loaded.session);

  const ModelIoSpec& io = detector->session_->io();
  const int w = detector->preprocessing_.width, h = detector->preprocessing_.height;
  if (io.inputs.size() != 1 || io.inputs[0].shape.size() != 4 || io.outputs.empty() ||
      io.outputs[0].shape.size() != 3) {
    return FailedPrecondition(what + ": expected one image input [1,3,H,W] and an output [1,anchors,fields]");
  }
  if (!MatchesImageInput(io, w, h)) {
    return FailedPrecondition(what + ": input " + DescribeSpec(io.inputs[0]) +
                              " does not match the preprocessing size " + std::to_string(w) + "x" + std::to_string(h));
  }
  const auto& out = io.outputs[0].shape;
  const auto fields = static_cast<std::int64_t>(kBoxFields + spec.labels.size());
  if ((out[1] > 0 && out[1] != AnchorCount(w, h)) || (out[2] > 0 && out[2] != fields)) {
    return FailedPrecondition(what + ": output " + DescribeSpec(io.outputs[0]) + " does not match " +
                              std::to_string(AnchorCount(w, h)) + " anchors x (5 + " +
                              std::to_string(spec.labels.size()) + " labels)");
  }
  return detector;
}

Result<std::vector<Detection>> ObjectDetector::Detect(const RgbImage& image,
                                                      const ObjectDetectorOptions& options) const {
  const std::size_t num_classes = labels_.size();
  IRIS_RETURN_IF_ERROR(ValidateOptions(options, num_classes));
  if (image.empty()) return InvalidArgument("object detection: empty image");

  const std::int64_t w = preprocessing_.width, h = preprocessing_.height;
  IRIS_ASSIGN_OR_RETURN(const ImageSessionRun run, RunSessionOnImage(*session_, image, preprocessing_));
  const std::vector<Tensor>& outputs = run.outputs;
  const TensorPlacement& placement = run.placement;

  const std::int64_t anchors = AnchorCount(static_cast<int>(w), static_cast<int>(h));
  const auto fields = static_cast<std::int64_t>(kBoxFields + num_classes);
  if (outputs.empty() || outputs[0].type() != ElementType::kFloat32 ||
      outputs[0].shape() != std::vector<std::int64_t>{1, anchors, fields}) {
    return Internal("model " + name_ + " returned " + (outputs.empty() ? "nothing" : outputs[0].Describe()));
  }
  const std::span<const float> rows = outputs[0].values<float>();

  std::vector<bool> wanted(num_classes, options.classes.empty());
  for (int c : options.classes) wanted[static_cast<std::size_t>(c)] = true;

  const auto W = static_cast<float>(image.width), H = static_cast<float>(image.height);
  std::vector<Detection> candidates;
  std::size_t row = 0;
  for (int stride : kStrides) {
    const int cols = static_cast<int>(w) / stride, grid_rows = static_cast<int>(h) / stride;
    for (int gy = 0; gy < grid_rows; ++gy) {
      for (int gx = 0; gx < cols; ++gx, ++row) {
        const float* r = rows.data() + row * static_cast<std::size_t>(fields);
        const float obj = r[4];
        if (!(obj >= options.min_score) || obj <= 0.0f) continue;  // score = obj * cls <= obj
        const float* cls = r + kBoxFields;
        const auto best = static_cast<std::size_t>(std::max_element(cls, cls + num_classes) - cls);
        const float score = obj * cls[best];
        if (!(score >= options.min_score) || !wanted[best]) continue;
        const float cx = (r[0] + static_cast<float>(gx)) * static_cast<float>(stride);
        const float cy = (r[1] + static_cast<float>(gy)) * static_cast<float>(stride);
        const float bw = std::exp(r[2]) * static_cast<float>(stride);
        const float bh = std::exp(r[3]) * static_cast<float>(stride);
        Detection d;
        d.x0 = std::clamp(static_cast<float>((cx - bw / 2 - placement.offset_x) / placement.scale_x), 0.0f, W);
        d.y0 = std::clamp(static_cast<float>((cy - bh / 2 - placement.offset_y) / placement.scale_y), 0.0f, H);
        d.x1 = std::clamp(static_cast<float>((cx + bw / 2 - placement.offset_x) / placement.scale_x), 0.0f, W);
        d.y1 = std::clamp(static_cast<float>((cy + bh / 2 - placement.offset_y) / placement.scale_y), 0.0f, H);
        if (!(d.area() > 0.0f)) continue;
        d.score = score;
        d.class_id = static_cast<int>(best);
        d.label = labels_[best];
        candidates.push_back(std::move(d));
      }
    }
  }
  std::vector<Detection> kept = NonMaxSuppression(std::move(candidates), options.nms_iou, /*class_aware=*/true);
  if (kept.size() > static_cast<std::size_t>(options.max_detections)) {
    kept.resize(static_cast<std::size_t>(options.max_detections));
  }
  return kept;
}

}  // namespace iris
