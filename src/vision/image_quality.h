// Technical image quality without a model: resolution, sharpness, exposure, contrast and noise, and a
// letter grade with the reasons that lowered it. Backs the `image_quality` operation.
//
// Measures (luma = BT.601 Y' of the 8-bit sRGB values, 0..255; all fractions 0..1):
//   * brightness = mean luma / 255; contrast = luma standard deviation / 255; clipped_dark /
//     clipped_bright = fraction of pixels whose rounded luma is <= kClippedDarkLevel / >= kClippedBrightLevel.
//     The center_* values are the same over the centre box (the middle half of the width and of the
//     height). All on every pixel.
//   * metered_brightness = (1 - kCenterWeight) * brightness + kCenterWeight * center_brightness: a
//     centre-weighted exposure meter, so a plain white (packshot) or black backdrop around a correctly
//     exposed subject does not read as over- or underexposure.
//   * sharpness = variance of the 4-neighbour Laplacian (as OpenCV's cv2.Laplacian(gray).var()) and
//     noise = Immerkaer's fast noise sigma (in luma levels) over the flatter half of the pixels (the half
//     with the strongest Sobel gradient is left out, after Tai & Yang's edge exclusion; exactly flat
//     pixels such as clipped areas or a synthetic backdrop are not counted at all), both on the "working" luma
//     plane: f x f box means with f = round(longer side / kWorkingSize) (at least 1): an image whose longer side is
//     under 768 px is used as is, a larger one ends up with a longer side of 384..640 px. Measuring at about preview
//     size makes both comparable across resolutions and judges the picture as it is seen in a catalog: sensor noise and
//     softness of a 12 MP photo that vanish at that size do not count. Both depend on content: a plain, evenly lit
//     garment has a low Laplacian variance even when in focus, and fine texture (grass, gravel, fur) raises the noise
//     estimate.
//
// Exposure: "under" when metered_brightness < kUnderBrightness or center_clipped_dark > kClipped; "over"
// when metered_brightness > kOverBrightness or center_clipped_bright > kClipped; "ok" otherwise (also when
// both hold). "Heavily" under/over-exposed: the same with kHeavyUnderBrightness, kHeavyOverBrightness and
// kHeavyClipped.
//
// Grade rule (every problem adds one human-readable sentence to `issues`):
//   hard problems: megapixels < kHardMinMegapixels; sharpness < kHardMinSharpness (very blurry); heavily
//                  under- or overexposed; noise > kHardMaxNoise.
//   soft problems: megapixels < kSoftMinMegapixels; sharpness < kSoftMinSharpness; under- or overexposed
//                  (not heavily); noise > kSoftMaxNoise; contrast < kSoftMinContrast.
//   grade 'C' if any hard problem or two or more soft problems; 'B' if exactly one soft problem; else 'A'.
// The thresholds come from measuring 372 clothing photos, 56 Debian test photos and 1000 ImageNet photos
// and degraded copies of the clothing photos (blur, darkening, brightening, noise, downscaling, white and
// black backdrops); the numbers and the reproducing command are in docs/image-features.md.
//
// Errors: InvalidArgument for an empty image or a pixel buffer that does not match its size. Any
// non-empty size works (a 1x1 image gets sharpness and noise 0 and a C for resolution).
// Pure function; thread-safe. Cost: one pass over the pixels plus 3x3 filters on the working plane.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

namespace quality_thresholds {
inline constexpr int kWorkingSize = 512;           // target longer side of the working plane
inline constexpr int kClippedDarkLevel = 5;        // luma at or below: black
inline constexpr int kClippedBrightLevel = 250;    // luma at or above: white
inline constexpr double kNoiseEdgeFraction = 0.5;  // strongest-gradient pixels left out of the noise estimate
inline constexpr double kCenterWeight = 0.5;       // weight of the centre box in metered_brightness

inline constexpr double kHardMinMegapixels = 0.1;  // e.g. below 316 x 316
inline constexpr double kSoftMinMegapixels = 0.2;  // e.g. below 448 x 448
inline constexpr double kHardMinSharpness = 20;
inline constexpr double kSoftMinSharpness = 50;
inline constexpr double kUnderBrightness = 0.22;
inline constexpr double kHeavyUnderBrightness = 0.12;
inline constexpr double kOverBrightness = 0.75;
inline constexpr double kHeavyOverBrightness = 0.85;
inline constexpr double kClipped = 0.3;  // centre fraction clipped black / white
inline constexpr double kHeavyClipped = 0.6;
inline constexpr double kSoftMaxNoise = 5;
inline constexpr double kHardMaxNoise = 10;
inline constexpr double kSoftMinContrast = 0.08;
}  // namespace quality_thresholds

struct ImageQuality {
  int width = 0;
  int height = 0;
  double megapixels = 0;
  double sharpness = 0;              // variance of the Laplacian of the working luma (higher = sharper)
  double brightness = 0;             // mean luma, 0..1
  double contrast = 0;               // luma standard deviation, 0..1
  double clipped_dark = 0;           // fraction of (near-)black pixels
  double clipped_bright = 0;         // fraction of (near-)white pixels
  double center_brightness = 0;      // mean luma of the centre box, 0..1
  double center_clipped_dark = 0;    // fraction of (near-)black pixels in the centre box
  double center_clipped_bright = 0;  // fraction of (near-)white pixels in the centre box
  double metered_brightness = 0;     // centre-weighted brightness the exposure verdict uses, 0..1
  double noise = 0;                  // Immerkaer noise sigma of the working luma, in luma levels
  std::string exposure;              // "under" | "ok" | "over"
  char grade = 'C';                  // 'A' | 'B' | 'C'
  std::vector<std::string> issues;   // why the grade is below A; empty for A
};

Result<ImageQuality> AssessImageQuality(const RgbImage& image);

}  // namespace iris
