// CaptionJpeg: the JPEG of an image that is sent to a chat-completions provider (describe_image,
// /generate_caption). Providers scale larger images down anyway and bill for the bytes, so the image is
// reduced (bilinear) to a longer side of at most kMaxCaptionSide pixels and encoded at quality
// kCaptionJpegQuality.
//
// Errors: those of the resize and the encoder (InvalidArgument for an empty image). Pure; thread-safe.
#pragma once

#include <string>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

inline constexpr int kMaxCaptionSide = 1536;
inline constexpr int kCaptionJpegQuality = 90;

Result<std::string> CaptionJpeg(const RgbImage& image);

}  // namespace iris
