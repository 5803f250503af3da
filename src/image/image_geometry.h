// Geometry on RgbImage: crop to a box, letterbox for detectors, plain bilinear resize.
//
// Coordinates are pixels of the image passed in, boxes half-open ([x0, x1) x [y0, y1)). These are
// general-purpose operations; reference-exact model preprocessing (Pillow bicubic for CLIP) is in
// image/resample.h. Every function returns a new image and only reads its input. Thread-safe.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

struct PixelBox {
  int x0 = 0;
  int y0 = 0;
  int x1 = 0;  // exclusive
  int y1 = 0;  // exclusive

  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// The part of `image` inside `box`, after clamping the box to the image. InvalidArgument when the
// clamped box is empty (e.g. entirely outside the image) or the image is invalid.
Result<RgbImage> Crop(const RgbImage& image, const PixelBox& box);

enum class LetterboxPlacement {
  kCenter,   // padding split evenly on both sides (most detectors)
  kTopLeft,  // image in the top-left corner, padding right and bottom (YOLOX)
};

struct LetterboxedImage {
  RgbImage image;    // exactly target_width x target_height
  double scale = 1;  // letterboxed = original * scale + offset
  int offset_x = 0;  // where the scaled image's left edge is in `image`
  int offset_y = 0;

  // Maps a letterboxed coordinate back to the original image (for detector outputs).
  double ToOriginalX(double x) const { return (x - offset_x) / scale; }
  double ToOriginalY(double y) const { return (y - offset_y) / scale; }
};

// Scales `image` by the largest factor that fits target_width x target_height keeping its aspect
// ratio (scaled size rounded down, at least 1 pixel), and pads the rest with grey level `pad`.
Result<LetterboxedImage> Letterbox(const RgbImage& image, int target_width, int target_height, std::uint8_t pad,
                                   LetterboxPlacement placement = LetterboxPlacement::kCenter);

// Resizes to exactly width x height with libvips' linear kernel (antialiased when shrinking). For
// previews, crops and detectors that tolerate small differences; not bit-exact with any reference.
Result<RgbImage> ResizeBilinear(const RgbImage& image, int width, int height);

}  // namespace iris
