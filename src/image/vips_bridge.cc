#include "image/vips_bridge.h"

#include <cstring>

namespace iris::vips_bridge {

Status ValidateRgbImage(const RgbImage& image) {
  if (image.empty()) return InvalidArgument("image is empty");
  if (image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("image pixel buffer does not match its size");
  }
  return Status::Ok();
}

vips::VImage WrapRgbImage(const RgbImage& image) {
  // libvips only reads from this buffer; its API takes a non-const pointer.
  void* data = const_cast<std::uint8_t*>(image.pixels.data());
  vips::VImage wrapped =
      vips::VImage::new_from_memory(data, image.pixels.size(), image.width, image.height, 3, VIPS_FORMAT_UCHAR);
  return wrapped.copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

RgbImage CopyToRgbImage(const vips::VImage& image) {
  if (image.bands() != 3 || image.format() != VIPS_FORMAT_UCHAR) {
    throw vips::VError("internal: expected a 3-band 8-bit image");
  }
  RgbImage rgb;
  rgb.width = image.width();
  rgb.height = image.height();
  rgb.pixels.resize(rgb.stride() * static_cast<std::size_t>(rgb.height));
  // Render straight into the vector: no second full-size buffer and copy.
  vips::VImage target =
      vips::VImage::new_from_memory(rgb.pixels.data(), rgb.pixels.size(), rgb.width, rgb.height, 3, VIPS_FORMAT_UCHAR);
  image.write(target);
  return rgb;
}

std::string ShortVipsMessage(std::string_view what) {
  std::string_view line = what.substr(0, what.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  constexpr std::size_t kMaxLength = 200;
  if (line.size() > kMaxLength) line = line.substr(0, kMaxLength);
  return std::string(line);
}

std::string TakeVipsError(const vips::VError& error) {
  std::string message = ShortVipsMessage(error.what());
  vips_error_clear();
  return message;
}

std::string TakeBlob(VipsBlob* blob) {
  std::size_t length = 0;
  const void* data = vips_blob_get(blob, &length);
  std::string bytes(static_cast<const char*>(data), length);
  vips_area_unref(VIPS_AREA(blob));
  return bytes;
}

}  // namespace iris::vips_bridge
