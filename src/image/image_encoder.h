// Encoding an RgbImage as PNG or JPEG bytes (for generated images, crops sent to providers, debug
// output). No metadata is written. Thread-safe; the input is only read.
#pragma once

#include <string>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

// Lossless PNG, 8-bit RGB. InvalidArgument for an empty or inconsistent image.
Result<std::string> EncodePng(const RgbImage& image);

// Baseline JPEG at `quality` in [1, 100] (InvalidArgument otherwise, or for an empty image).
Result<std::string> EncodeJpeg(const RgbImage& image, int quality);

}  // namespace iris
