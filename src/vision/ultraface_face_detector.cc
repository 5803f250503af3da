#include "vision/ultraface_face_detector.h"

#include "vision/image_session_run.h"
#include "vision/model_loading.h"

namespace iris {

Result<std::unique_ptr<UltrafaceFaceDetector>> UltrafaceFaceDetector::Load(const models::ModelSpec& spec,
                                                                           const std::filesystem::path& model_file,
                                                                           const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  IRIS_ASSIGN_OR_RETURN(CatalogImageModel loaded, LoadCatalogDetectorModel(spec, models::ModelFamily::kUltraface,
                                                                           "UltraFace", model_file, runtime));

  std::unique_ptr<UltrafaceFaceDetector> detector(new UltrafaceFaceDetector());
  detector->name_ = spec.name;
  detector->preprocessing_ = loaded.preprocessing;
  detector->session_ = std::move(loaded.session);
  const ModelIoSpec& io = detector->session_->io();
  if (!MatchesImageInput(io, detector->preprocessing_.width, detector->preprocessing_.height)) {
    return FailedPrecondition(what + ": expected one image input [1,3," +
                              std::to_string(detector->preprocessing_.height) + "," +
                              std::to_string(detector->preprocessing_.width) + "]");
  }
  bool have_scores = false, have_boxes = false;
  for (std::size_t i = 0; i < io.outputs.size(); ++i) {
    if (io.outputs[i].name == "scores") {
      detector->scores_ = i;
      have_scores = true;
    } else if (io.outputs[i].name == "boxes") {
      detector->boxes_ = i;
      have_boxes = true;
    }
  }
  if (!have_scores || !have_boxes) return FailedPrecondition(what + ": expected outputs \"scores\" and \"boxes\"");
  return detector;
}

Result<std::vector<Detection>> UltrafaceFaceDetector::Detect(const RgbImage& image,
                                                             const FaceDetectorOptions& options) const {
  IRIS_RETURN_IF_ERROR(ValidateFaceDetectorOptions(options));
  if (image.empty()) return InvalidArgument("face detection: empty image");
  IRIS_ASSIGN_OR_RETURN(const ImageSessionRun run, RunSessionOnImage(*session_, image, preprocessing_));
  const std::vector<Tensor>& outputs = run.outputs;

  if (scores_ >= outputs.size() || boxes_ >= outputs.size()) return Internal("model " + name_ + ": missing outputs");
  const Tensor& scores = outputs[scores_];
  const Tensor& boxes = outputs[boxes_];
  if (scores.type() != ElementType::kFloat32 || boxes.type() != ElementType::kFloat32 || scores.rank() != 3 ||
      boxes.rank() != 3 || scores.shape()[0] != 1 || scores.shape()[2] != 2 ||
      boxes.shape() != std::vector<std::int64_t>{1, scores.shape()[1], 4}) {
    return Internal("model " + name_ + ": unexpected outputs " + scores.Describe() + ", " + boxes.Describe());
  }
  const auto n = static_cast<std::size_t>(scores.shape()[1]);
  const std::span<const float> s = scores.values<float>();
  const std::span<const float> b = boxes.values<float>();
  const auto fw = static_cast<float>(preprocessing_.width), fh = static_cast<float>(preprocessing_.height);
  std::vector<Detection> candidates;
  for (std::size_t i = 0; i < n; ++i) {
    const float score = s[2 * i + 1];
    if (!(score >= options.min_score)) continue;
    Detection d;
    // Normalised to the input tensor: scale to tensor pixels; FinishFaceDetections maps back.
    d.x0 = b[4 * i] * fw;
    d.y0 = b[4 * i + 1] * fh;
    d.x1 = b[4 * i + 2] * fw;
    d.y1 = b[4 * i + 3] * fh;
    d.score = score;
    candidates.push_back(std::move(d));
  }
  return FinishFaceDetections(std::move(candidates), run.placement, image.width, image.height, options);
}

}  // namespace iris
