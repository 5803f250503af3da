#include "image/image_geometry.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "image/vips_bridge.h"
#include "image/vips_runtime.h"

namespace iris {
namespace {

// Copies `source` into `target` with its top-left corner at (x, y); the caller guarantees it fits.
void Paste(const RgbImage& source, int x, int y, RgbImage& target) {
  for (int row = 0; row < source.height; ++row) {
    std::memcpy(target.row(y + row) + static_cast<std::size_t>(x) * 3, source.row(row), source.stride());
  }
}

}  // namespace

Result<RgbImage> Crop(const RgbImage& image, const PixelBox& box) {
  IRIS_RETURN_IF_ERROR(vips_bridge::ValidateRgbImage(image));
  PixelBox clamped{std::clamp(box.x0, 0, image.width), std::clamp(box.y0, 0, image.height),
                   std::clamp(box.x1, 0, image.width), std::clamp(box.y1, 0, image.height)};
  if (clamped.empty()) {
    return InvalidArgument("crop box [" + std::to_string(box.x0) + "," + std::to_string(box.y0) + ")-[" +
                           std::to_string(box.x1) + "," + std::to_string(box.y1) + ") is empty inside a " +
                           std::to_string(image.width) + "x" + std::to_string(image.height) + " image");
  }
  RgbImage crop;
  crop.width = clamped.width();
  crop.height = clamped.height();
  crop.pixels.resize(crop.stride() * static_cast<std::size_t>(crop.height));
  for (int row = 0; row < crop.height; ++row) {
    std::memcpy(crop.row(row), image.row(clamped.y0 + row) + static_cast<std::size_t>(clamped.x0) * 3, crop.stride());
  }
  return crop;
}

Result<RgbImage> ResizeBilinear(const RgbImage& image, int width, int height) {
  IRIS_RETURN_IF_ERROR(StartVips());
  IRIS_RETURN_IF_ERROR(vips_bridge::ValidateRgbImage(image));
  if (width <= 0 || height <= 0) {
    return InvalidArgument("resize target must be positive, got " + std::to_string(width) + "x" +
                           std::to_string(height));
  }
  if (width == image.width && height == image.height) return image;
  try {
    vips::VImage resized = vips_bridge::WrapRgbImage(image).resize(
        static_cast<double>(width) / image.width, vips::VImage::option()
                                                      ->set("vscale", static_cast<double>(height) / image.height)
                                                      ->set("kernel", VIPS_KERNEL_LINEAR));
    // libvips rounds the output size to the nearest pixel; make it exact whatever the rounding did.
    if (resized.width() != width || resized.height() != height) {
      resized = resized.embed(0, 0, width, height, vips::VImage::option()->set("extend", VIPS_EXTEND_COPY));
    }
    return vips_bridge::CopyToRgbImage(resized);
  } catch (const vips::VError& error) {
    return Internal("resize failed: " + vips_bridge::TakeVipsError(error));
  }
}

Result<LetterboxedImage> Letterbox(const RgbImage& image, int target_width, int target_height, std::uint8_t pad,
                                   LetterboxPlacement placement) {
  IRIS_RETURN_IF_ERROR(vips_bridge::ValidateRgbImage(image));
  if (target_width <= 0 || target_height <= 0) {
    return InvalidArgument("letterbox target must be positive, got " + std::to_string(target_width) + "x" +
                           std::to_string(target_height));
  }
  LetterboxedImage result;
  result.scale =
      std::min(static_cast<double>(target_width) / image.width, static_cast<double>(target_height) / image.height);
  // The small epsilon keeps an exact fit (e.g. 640 * 416/640) from rounding down to one pixel less.
  int scaled_width = std::clamp(static_cast<int>(std::floor(image.width * result.scale + 1e-6)), 1, target_width);
  int scaled_height = std::clamp(static_cast<int>(std::floor(image.height * result.scale + 1e-6)), 1, target_height);
  IRIS_ASSIGN_OR_RETURN(RgbImage scaled, ResizeBilinear(image, scaled_width, scaled_height));
  if (placement == LetterboxPlacement::kCenter) {
    result.offset_x = (target_width - scaled_width) / 2;
    result.offset_y = (target_height - scaled_height) / 2;
  }
  result.image.width = target_width;
  result.image.height = target_height;
  result.image.pixels.assign(result.image.stride() * static_cast<std::size_t>(target_height), pad);
  Paste(scaled, result.offset_x, result.offset_y, result.image);
  return result;
}

}  // namespace iris
