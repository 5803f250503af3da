#include "vision/yunet_face_detector.h"

#include <algorithm>
#include <cmath>

#include "vision/image_session_run.h"
#include "vision/model_loading.h"

namespace iris {
namespace {

constexpr std::array<int, 3> kStrides = {8, 16, 32};
constexpr int kAlign = 32;       // input sides must be multiples of the largest stride
constexpr int kMaxInput = 4096;  // sanity bound for DetectAtSize
constexpr int kLandmarks = 5;

int RoundUpToAlign(int v) { return std::max(kAlign, (v + kAlign - 1) / kAlign * kAlign); }

Result<std::size_t> OutputIndex(const ModelIoSpec& io, const std::string& name) {
  for (std::size_t i = 0; i < io.outputs.size(); ++i) {
    if (io.outputs[i].name == name) return i;
  }
  return FailedPrecondition("output " + name + " is missing");
}

float Clamp01(float v) { return std::clamp(v, 0.0f, 1.0f); }

}  // namespace

Result<std::unique_ptr<YunetFaceDetector>> YunetFaceDetector::Load(const models::ModelSpec& spec,
                                                                   const std::filesystem::path& model_file,
                                                                   const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  IRIS_ASSIGN_OR_RETURN(CatalogImageModel loaded,
                        LoadCatalogDetectorModel(spec, models::ModelFamily::kYunet, "YuNet", model_file, runtime));

  std::unique_ptr<YunetFaceDetector> detector(new YunetFaceDetector());
  detector->name_ = spec.name;
  detector->preprocessing_ = loaded.preprocessing;
  detector->max_side_ = std::max(loaded.preprocessing.width, loaded.preprocessing.height);
  if (detector->max_side_ % kAlign != 0) {
    return FailedPrecondition(what + ": input size must be a multiple of 32");
  }
  detector->session_ = std::move(loaded.session);
  const ModelIoSpec& io = detector->session_->io();
  if (io.inputs.size() != 1 || io.inputs[0].shape.size() != 4) {
    return FailedPrecondition(what + ": expected one image input [1,3,H,W]");
  }
  for (std::size_t i = 0; i < kStrides.size(); ++i) {
    const std::string s = std::to_string(kStrides[i]);
    auto cls = OutputIndex(io, "cls_" + s);
    auto obj = OutputIndex(io, "obj_" + s);
    auto bbox = OutputIndex(io, "bbox_" + s);
    auto kps = OutputIndex(io, "kps_" + s);
    for (const Status* st : {&cls.status(), &obj.status(), &bbox.status(), &kps.status()}) {
      if (!st->ok()) return st->WithContext(what);
    }
    detector->cls_[i] = *cls;
    detector->obj_[i] = *obj;
    detector->bbox_[i] = *bbox;
    detector->kps_[i] = *kps;
  }
  return detector;
}

PixelSize YunetFaceDetector::InputSizeFor(int image_width, int image_height) const {
  const int long_side = std::max({image_width, image_height, 1});
  const int target = std::clamp(long_side, max_side_ / 2, max_side_);
  const double scale = static_cast<double>(target) / long_side;
  const int w = static_cast<int>(std::lround(std::max(1, image_width) * scale));
  const int h = static_cast<int>(std::lround(std::max(1, image_height) * scale));
  return {RoundUpToAlign(w), RoundUpToAlign(h)};
}

Result<std::vector<Detection>> YunetFaceDetector::Detect(const RgbImage& image,
                                                         const FaceDetectorOptions& options) const {
  return DetectAtSize(image, InputSizeFor(image.width, image.height), options);
}

Result<std::vector<Detection>> YunetFaceDetector::DetectAtSize(const RgbImage& image, PixelSize input,
                                                               const FaceDetectorOptions& options) const {
  IRIS_RETURN_IF_ERROR(ValidateFaceDetectorOptions(options));
  if (image.empty()) return InvalidArgument("face detection: empty image");
  if (input.width % kAlign != 0 || input.height % kAlign != 0 || input.width < kAlign || input.height < kAlign ||
      input.width > kMaxInput || input.height > kMaxInput) {
    return Unprocessable("YuNet input size must be multiples of 32 between 32 and 4096, got " +
                         std::to_string(input.width) + "x" + std::to_string(input.height));
  }
  ImagePreprocessing spec = preprocessing_;
  spec.width = input.width;
  spec.height = input.height;
  IRIS_ASSIGN_OR_RETURN(const ImageSessionRun run, RunSessionOnImage(*session_, image, spec));
  const std::vector<Tensor>& outputs = run.outputs;

  std::vector<Detection> candidates;
  for (std::size_t i = 0; i < kStrides.size(); ++i) {
    const int stride = kStrides[i];
    const int cols = spec.width / stride, rows = spec.height / stride;
    const std::int64_t n = static_cast<std::int64_t>(cols) * rows;
    const auto check = [&](std::size_t index, std::int64_t fields) -> Result<std::span<const float>> {
      if (index >= outputs.size() || outputs[index].type() != ElementType::kFloat32 ||
          outputs[index].shape() != std::vector<std::int64_t>{1, n, fields}) {
        return Internal("model " + name_ + ": unexpected output " +
                        (index < outputs.size() ? outputs[index].Describe() : "(missing)") + " for stride " +
                        std::to_string(stride));
      }
      return outputs[index].values<float>();
    };
    IRIS_ASSIGN_OR_RETURN(const auto cls, check(cls_[i], 1));
    IRIS_ASSIGN_OR_RETURN(const auto obj, check(obj_[i], 1));
    IRIS_ASSIGN_OR_RETURN(const auto bbox, check(bbox_[i], 4));
    IRIS_ASSIGN_OR_RETURN(const auto kps, check(kps_[i], 2 * kLandmarks));
    const auto s = static_cast<float>(stride);
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const auto idx = static_cast<std::size_t>(r) * cols + c;
        const float score = std::sqrt(Clamp01(cls[idx]) * Clamp01(obj[idx]));
        if (!(score >= options.min_score)) continue;
        const float* b = bbox.data() + idx * 4;
        const float cx = (static_cast<float>(c) + b[0]) * s, cy = (static_cast<float>(r) + b[1]) * s;
        const float w = std::exp(b[2]) * s, h = std::exp(b[3]) * s;
        Detection d;
        d.x0 = cx - w / 2;
        d.y0 = cy - h / 2;
        d.x1 = cx + w / 2;
        d.y1 = cy + h / 2;
        d.score = score;
        const float* k = kps.data() + idx * 2 * kLandmarks;
        for (int p = 0; p < kLandmarks; ++p) {
          d.landmarks.push_back({(static_cast<float>(c) + k[2 * p]) * s, (static_cast<float>(r) + k[2 * p + 1]) * s});
        }
        candidates.push_back(std::move(d));
      }
    }
  }
  return FinishFaceDetections(std::move(candidates), run.placement, image.width, image.height, options);
}

}  // namespace iris
