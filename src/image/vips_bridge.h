// Internal to image/: moving pixels between RgbImage and libvips, and turning libvips errors into
// messages. Not for use outside src/image (it exposes libvips types).
//
// WrapRgbImage does not copy: the returned VImage reads the RgbImage's pixels, so the RgbImage
// must stay alive and unchanged until every image derived from it has been computed.
// Thread-safe (libvips must have been started with StartVips()).
#pragma once

#include <string>
#include <string_view>
#include <vips/vips8>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris::vips_bridge {

// Checks that `image` is non-empty and its pixel vector matches its size (InvalidArgument if not).
Status ValidateRgbImage(const RgbImage& image);

// A 3-band 8-bit sRGB VImage over the pixels of a valid RgbImage (no copy; see above).
vips::VImage WrapRgbImage(const RgbImage& image);

// Computes a 3-band 8-bit image and copies its pixels into an RgbImage. Throws vips::VError.
RgbImage CopyToRgbImage(const vips::VImage& image);

// The first line of a libvips error, trimmed and bounded in length, for a user-facing message.
std::string ShortVipsMessage(std::string_view what);

// ShortVipsMessage of a caught libvips error, then clears libvips' process-wide error buffer. A VError
// carries the whole buffer, which libvips only appends to: without the clear, every later error in
// the process would be reported with the first one's text. Call it in every handler of a VError
// (also one that drops the message).
std::string TakeVipsError(const vips::VError& error);

// Copies a libvips blob (e.g. from pngsave_buffer) into a string and releases the blob.
std::string TakeBlob(VipsBlob* blob);

}  // namespace iris::vips_bridge
