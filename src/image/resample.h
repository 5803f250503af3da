// Resizing and cropping RgbImage exactly as Pillow 9.4 does, so that model inputs match the Python
// reference pipelines bit for bit (a preprocessing mismatch silently degrades every embedding).
//
// Contract:
//   * Resize(img, w, h, kBicubic) equals Pillow's `Image.resize((w, h), Image.BICUBIC)` on an RGB
//     image byte for byte; likewise kBilinear (Image.BILINEAR) and kNearest (Image.NEAREST). Pillow's
//     convolution filters are antialiased: when shrinking, the kernel support grows with the scale
//     factor. The arithmetic is Pillow's libImaging/Resample.c: double-precision coefficients
//     normalised per output pixel, converted to 22-bit fixed point, a horizontal pass rounded and
//     clipped to 8 bits, then a vertical pass.
//   * antialias = false keeps the kernel at its natural size when shrinking (point sampling, like
//     OpenCV's cv2.resize INTER_LINEAR/INTER_CUBIC; close to but not bit-exact with OpenCV).
//   * ResizeCrop computes only one box of the resized image: the result equals
//     CropZeroPadded(Resize(...), box) exactly, at a fraction of the cost when most of the image is cropped.
//   * CenterCrop uses Pillow/torchvision's offsets (Python round(), ties to even); pixels outside
//     the source (crop larger than the image) are 0, as Pillow's Image.crop fills them. Boxes are
//     image_geometry.h's PixelBox (half-open).
//   * Invalid arguments (empty image, pixel buffer size mismatch, non-positive sizes, a box not
//     inside the resized image) are InvalidArgument; nothing here throws.
//
// Pure functions: inputs are read-only, results are new images owned by the caller. Thread-safe.
#pragma once

#include "core/result.h"
#include "image/image_geometry.h"
#include "image/rgb_image.h"

namespace iris {

enum class ResampleFilter { kNearest, kBilinear, kBicubic };

struct ResampleOptions {
  ResampleFilter filter = ResampleFilter::kBicubic;
  bool antialias = true;  // Pillow behaviour; false = kernel not widened when shrinking
};

struct PixelSize {
  int width = 0;
  int height = 0;
};

// The whole image resized to width x height.
Result<RgbImage> Resize(const RgbImage& image, int width, int height, const ResampleOptions& options = {});

// `box` of the image resized to resized_width x resized_height; box must lie inside it.
Result<RgbImage> ResizeCrop(const RgbImage& image, int resized_width, int resized_height, const PixelBox& box,
                            const ResampleOptions& options = {});

// A width x height crop with Pillow/torchvision centre offsets (see CenterCropBox).
Result<RgbImage> CenterCrop(const RgbImage& image, int width, int height);

// `box` of the image; parts of the box outside the image are black (Pillow's Image.crop; unlike
// image_geometry.h's Crop, the box is not clamped).
Result<RgbImage> CropZeroPadded(const RgbImage& image, const PixelBox& box);

// The box torchvision's CenterCrop / the CLIP reference take: top = round((H - height) / 2)
// with Python's round (ties to even), left likewise. May extend outside the image.
PixelBox CenterCropBox(int image_width, int image_height, int width, int height);

// The size the CLIP/HF reference resizes to before a centre crop: the shorter side becomes
// `shortest`, the longer one int(shortest * long / short) (truncated, as Python's int()).
PixelSize ShortestSideSize(int image_width, int image_height, int shortest);

}  // namespace iris
