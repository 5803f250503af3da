#include "image/image_encoder.h"

#include "image/vips_bridge.h"
#include "image/vips_runtime.h"

namespace iris {

Result<std::string> EncodePng(const RgbImage& image) {
  IRIS_RETURN_IF_ERROR(StartVips());
  IRIS_RETURN_IF_ERROR(vips_bridge::ValidateRgbImage(image));
  try {
    vips::VImage wrapped = vips_bridge::WrapRgbImage(image);
    return vips_bridge::TakeBlob(
        wrapped.pngsave_buffer(vips::VImage::option()->set("compression", 6)->set("strip", true)));
  } catch (const vips::VError& error) {
    return Internal("PNG encoding failed: " + vips_bridge::TakeVipsError(error));
  }
}

Result<std::string> EncodeJpeg(const RgbImage& image, int quality) {
  IRIS_RETURN_IF_ERROR(StartVips());
  IRIS_RETURN_IF_ERROR(vips_bridge::ValidateRgbImage(image));
  if (quality < 1 || quality > 100) {
    return InvalidArgument("JPEG quality must be between 1 and 100, got " + std::to_string(quality));
  }
  try {
    vips::VImage wrapped = vips_bridge::WrapRgbImage(image);
    return vips_bridge::TakeBlob(wrapped.jpegsave_buffer(
        vips::VImage::option()->set("Q", quality)->set("strip", true)->set("optimize_coding", true)));
  } catch (const vips::VError& error) {
    return Internal("JPEG encoding failed: " + vips_bridge::TakeVipsError(error));
  }
}

}  // namespace iris
