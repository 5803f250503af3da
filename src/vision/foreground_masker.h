// ForegroundMasker: the ISNet (DIS) adapter (catalog family "isnet", e.g. "isnet-general-small-int8"):
// a per-pixel foreground probability ("alpha") for a whole image, at the image's own size. Used for
// the region sections of POST /process-image and for white-background product shots.
//
// Contract:
//   * Preprocessing comes from the catalog entry (stretch to 1024x1024, bilinear, (x - 128) / 256,
//     RGB). The model's "output" tensor [1,1,H,W] is already in 0..1 (the side outputs are not
//     fetched); it is resized back to the image size bilinearly (pixel centres aligned) and
//     clamped to 0..1.
//   * ForegroundMask::alpha is row-major, width x height floats; Binary(threshold) is 1 where
//     alpha >= threshold, else 0; Alpha8() is round(alpha * 255), the alpha channel of a cut-out.
//   * Errors: Load: FailedPrecondition for a spec that is not family isnet, lacks preprocessing or
//     a "model" file, or whose tensors do not match (NotFound for a missing file, via
//     OnnxSession::Load); Unprocessable for preprocessing the code cannot do. Mask: InvalidArgument
//     for an empty image; Internal when the model's output is not [1,1,H,W] float.
//
// Thread-safety: immutable after Load; Mask may be called from many threads at once (one session
// run per call in the caller's thread; the export fixes a batch of 1).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "image/rgb_image.h"
#include "models/model_catalog.h"
#include "runtime/onnx_session.h"
#include "vision/image_tensor.h"

namespace iris {

struct ForegroundMask {
  int width = 0;
  int height = 0;
  std::vector<float> alpha;  // width * height, 0..1, row-major

  float at(int x, int y) const { return alpha[static_cast<std::size_t>(y) * width + x]; }
  std::vector<std::uint8_t> Binary(float threshold = 0.5f) const;
  std::vector<std::uint8_t> Alpha8() const;
  // Fraction of pixels with alpha >= threshold.
  double Coverage(float threshold = 0.5f) const;
};

class ForegroundMasker {
 public:
  static Result<std::unique_ptr<ForegroundMasker>> Load(const models::ModelSpec& spec,
                                                        const std::filesystem::path& model_file,
                                                        const RuntimeConfig& runtime);

  const std::string& name() const { return name_; }
  std::string provider() const { return session_->provider(); }

  Result<ForegroundMask> Mask(const RgbImage& image) const;

 private:
  ForegroundMasker() = default;

  std::string name_;
  ImagePreprocessing preprocessing_;
  std::unique_ptr<OnnxSession> session_;
};

}  // namespace iris
