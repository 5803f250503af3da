#include "vision/foreground_masker.h"

#include <algorithm>
#include <cmath>

#include "vision/image_session_run.h"
#include "vision/model_loading.h"

namespace iris {
namespace {

// Bilinear sample of a w x h plane at (x, y) in plane pixel coordinates (centres at integers).
float Sample(const float* plane, std::int64_t w, std::int64_t h, double x, double y) {
  x = std::clamp(x, 0.0, static_cast<double>(w - 1));
  y = std::clamp(y, 0.0, static_cast<double>(h - 1));
  const auto x0 = static_cast<std::int64_t>(x), y0 = static_cast<std::int64_t>(y);
  const std::int64_t x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const auto fx = static_cast<float>(x - static_cast<double>(x0)), fy = static_cast<float>(y - static_cast<double>(y0));
  const float top = plane[y0 * w + x0] * (1 - fx) + plane[y0 * w + x1] * fx;
  const float bottom = plane[y1 * w + x0] * (1 - fx) + plane[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

}  // namespace

std::vector<std::uint8_t> ForegroundMask::Binary(float threshold) const {
  std::vector<std::uint8_t> out(alpha.size());
  for (std::size_t i = 0; i < alpha.size(); ++i) out[i] = alpha[i] >= threshold ? 1 : 0;
  return out;
}

std::vector<std::uint8_t> ForegroundMask::Alpha8() const {
  std::vector<std::uint8_t> out(alpha.size());
  for (std::size_t i = 0; i < alpha.size(); ++i) out[i] = static_cast<std::uint8_t>(std::lround(alpha[i] * 255.0f));
  return out;
}

double ForegroundMask::Coverage(float threshold) const {
  if (alpha.empty()) return 0;
  const auto n = std::count_if(alpha.begin(), alpha.end(), [threshold](float a) { return a >= threshold; });
  return static_cast<double>(n) / static_cast<double>(alpha.size());
}

Result<std::unique_ptr<ForegroundMasker>> ForegroundMasker::Load(const models::ModelSpec& spec,
                                                                 const std::filesystem::path& model_file,
                                                                 const RuntimeConfig& runtime) {
  const std::string what = ModelContext(spec.name);
  IRIS_ASSIGN_OR_RETURN(
      CatalogImageModel loaded,
      LoadCatalogDetectorModel(spec, models::ModelFamily::kIsnet, "an ISNet foreground masker", model_file, runtime));
  std::unique_ptr<ForegroundMasker> masker(new ForegroundMasker());
  masker->name_ = spec.name;
  masker->preprocessing_ = loaded.preprocessing;
  masker->session_ = std::move(loaded.session);
  const ModelIoSpec& io = masker->session_->io();
  if (!MatchesImageInput(io, masker->preprocessing_.width, masker->preprocessing_.height) || io.outputs.empty() ||
      io.outputs[0].shape.size() != 4) {
    return FailedPrecondition(what + ": expected one image input [1,3,H,W] and a mask output [1,1,H,W]");
  }
  return masker;
}

Result<ForegroundMask> ForegroundMasker::Mask(const RgbImage& image) const {
  if (image.empty()) return InvalidArgument("foreground mask: empty image");
  IRIS_ASSIGN_OR_RETURN(const ImageSessionRun run, RunSessionOnImage(*session_, image, preprocessing_));
  if (run.outputs.empty() || run.outputs[0].type() != ElementType::kFloat32 || run.outputs[0].shape().size() != 4 ||
      run.outputs[0].shape()[0] != 1 || run.outputs[0].shape()[1] != 1) {
    return Internal("model " + name_ + " returned " + (run.outputs.empty() ? "nothing" : run.outputs[0].Describe()));
  }
  const std::int64_t mh = run.outputs[0].shape()[2], mw = run.outputs[0].shape()[3];
  const float* plane = run.outputs[0].values<float>().data();
  const TensorPlacement& p = run.placement;
  ForegroundMask mask;
  mask.width = image.width;
  mask.height = image.height;
  mask.alpha.resize(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    const double ty = (y + 0.5) * p.scale_y + p.offset_y - 0.5;
    float* out = mask.alpha.data() + static_cast<std::size_t>(y) * image.width;
    for (int x = 0; x < image.width; ++x) {
      const double tx = (x + 0.5) * p.scale_x + p.offset_x - 0.5;
      out[x] = std::clamp(Sample(plane, mw, mh, tx, ty), 0.0f, 1.0f);
    }
  }
  return mask;
}

}  // namespace iris
