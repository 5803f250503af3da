// Turning an RgbImage into the normalised float NCHW input a vision model expects, following a
// preprocessing spec that comes from the model catalog (no per-model constants in adapters).
//
// Contract:
//   * ImagePreprocessing describes one model's input: size, how the image is fitted (shortest side
//     + centre crop, letterbox, stretch), the resampling filter, channel order and normalisation.
//     With the CLIP catalog entry the output matches the Python reference (Pillow bicubic,
//     shortest side 224, centre crop, CLIP mean/std) to float rounding given the same RGB pixels.
//   * value = (pixel * scale - mean[colour]) / std[colour]; mean and std are indexed by colour
//     (R, G, B) whatever the output channel order, in the units of the scaled pixel
//     (0..1 when scale = 1/255, 0..255 when scale = 1).
//   * WriteImageTensor writes exactly 3 * height * width floats (one image, CHW) into a span the
//     caller owns, e.g. one slot of a batch buffer, so batches are filled in place; it returns how
//     source pixel coordinates map into the tensor (to map detections back).
//   * Errors: InvalidArgument for an invalid image or a span of the wrong size; Unprocessable for
//     an invalid spec. ImagePreprocessingFromJson reports the offending key.
//
// Functions are pure apart from writing the output span. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>

#include "core/result.h"
#include "image/image_geometry.h"
#include "image/rgb_image.h"

namespace iris {

struct ImagePreprocessing {
  enum class Resize {
    kShortestSide,  // scale so the image covers width x height (the shorter side fits), then crop
    kLetterbox,     // scale so the image fits inside, keep aspect, pad with pad_value
    kStretch,       // scale each axis independently to width x height
  };
  enum class Filter { kBicubic, kBilinear };

  int width = 0;
  int height = 0;
  Resize resize = Resize::kStretch;
  Filter filter = Filter::kBicubic;
  bool antialias = true;    // Pillow-style kernel widening when shrinking (see image/resample.h)
  bool center_crop = true;  // required for kShortestSide; ignored otherwise
  LetterboxPlacement letterbox_placement = LetterboxPlacement::kCenter;
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};  // by colour R, G, B
  std::array<float, 3> std{1.0f, 1.0f, 1.0f};   // by colour R, G, B
  bool bgr = false;                             // output channel order B, G, R
  float scale = 1.0f / 255.0f;                  // 1/255 ("0-1" value range) or 1 ("0-255")
  std::uint8_t pad_value = 0;                   // letterbox fill, per channel, before normalisation
};

// Reads a catalog entry's "preprocessing" object. Keys:
//   input_size [w, h] (required); resize "shortest_side" | "letterbox" | "stretch" (default
//   "stretch"); filter "bicubic" | "bilinear" (default "bicubic"); antialias bool (default true);
//   crop "center" | "none" or bool (default "center" for shortest_side, else "none");
//   letterbox_anchor "center" | "top_left" (default "center"); mean [r, g, b] (default 0);
//   std [r, g, b] (default 1, each > 0); channel_order "rgb" | "bgr" (default "rgb");
//   value_range "0-1" | "0-255" (default "0-1"); pad_value 0..255 (default 0).
// Unknown keys are rejected (a typo must not silently change a model's input).
Result<ImagePreprocessing> ImagePreprocessingFromJson(const nlohmann::json& json);

// Checks a spec's invariants (positive size, std > 0, scale > 0, crop with shortest side).
Status ValidateImagePreprocessing(const ImagePreprocessing& spec);

// The shorter side an image must keep when it is decoded at reduced size (shrink-on-load) for a
// model with this preprocessing: 4 x the larger input side. The image then stays within the
// Pillow-reference tolerance (docs/preprocessing.md) and very large photos do not pay for a full
// decode. Every path that decodes for a model (embedding routes, collections, `iris
// train-classifier`) uses it, so they compute the same embeddings for the same photo.
int DecodeMinSide(const ImagePreprocessing& spec);

// tensor_x = source_x * scale_x + offset_x (likewise y), in pixels; for detections and masks.
struct TensorPlacement {
  double scale_x = 1;
  double scale_y = 1;
  double offset_x = 0;
  double offset_y = 0;
};

// Writes `image` preprocessed per `spec` into out (size 3 * spec.height * spec.width, CHW).
Result<TensorPlacement> WriteImageTensor(const RgbImage& image, const ImagePreprocessing& spec, std::span<float> out);

}  // namespace iris
