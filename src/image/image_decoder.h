// Decoding untrusted encoded images (uploads, fetched URLs) into RgbImage, safely.
//
// Contract:
//   * Formats: JPEG, PNG, WebP, GIF (first frame), TIFF (first page), AVIF, HEIC (primary image).
//     The format is sniffed from the bytes (image_format.h); only that format's own libvips loader
//     runs, never libvips' generic loader, so no upload can reach ImageMagick, PDF or SVG code.
//   * Limits are enforced BEFORE pixels are decoded: more than max_bytes of input, or a header that
//     claims more than max_pixels (width x height), is refused with TooLarge without allocating
//     pixel memory (decompression bombs). A header whose longer side is more than max_aspect_ratio
//     times its shorter side is refused with Unprocessable, also before decoding: such a strip is
//     small in pixels but every "shorter side to N" resize (CLIP's 224) blows it up to N x N*ratio.
//   * Output is always 8-bit sRGB RGB: EXIF orientation is applied; grey, CMYK, 16-bit, palette and
//     embedded ICC profiles are converted to sRGB; alpha is flattened onto white.
//   * Errors (Status codes): empty input -> InvalidArgument "empty image file"; bytes that are not a
//     supported image -> UnsupportedMedia naming the supported formats; too big -> TooLarge; too
//     elongated -> Unprocessable; a supported format whose data is corrupt or truncated ->
//     InvalidArgument "image data is corrupt or truncated (FORMAT): detail". A truncated file is an
//     error, never a partly grey picture.
//
// The caller owns `bytes`; nothing here keeps a reference after returning. Thread-safe: any number
// of threads may decode at once (libvips is started on first use, see vips_runtime.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "image/image_format.h"
#include "image/rgb_image.h"

namespace iris {

struct DecodeLimits {
  std::int64_t max_bytes = 40ll << 20;    // encoded size limit (matches Config's max_image_bytes)
  std::int64_t max_pixels = 100'000'000;  // width * height as claimed by the header
  double max_aspect_ratio = 50;           // longer side / shorter side (matches Config's max_aspect_ratio)
};

struct DecodeOptions {
  DecodeLimits limits;
  // 0: decode at full size. > 0: the caller only needs the image with its SHORTER side at least
  // min_side pixels (e.g. 224 for a CLIP preprocessor), so the decoder may decode at reduced size
  // where the format can do that cheaply while decoding (JPEG DCT scaling by 1/2, 1/4, 1/8; WebP
  // scaled decoding). The result's shorter side is never below min_side unless the original's is,
  // and the image is never upscaled. Other formats are returned at full size.
  int min_side = 0;
};

struct ImageInfo {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;  // after EXIF orientation (a portrait photo stored sideways reports its upright size)
  int height = 0;
};

// Reads only the header: format and oriented size, with the same limit checks and errors as
// DecodeImage (a header-level corruption is reported; pixel-level damage is not detected here).
Result<ImageInfo> ProbeImage(std::string_view bytes, const DecodeLimits& limits);

struct DecodedImage {
  RgbImage image;  // upright 8-bit sRGB; smaller than info when shrink-on-load was used
  ImageInfo info;  // the original image's format and oriented size
};

Result<DecodedImage> DecodeImage(std::string_view bytes, const DecodeOptions& options);

}  // namespace iris
