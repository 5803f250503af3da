// Lossless compression of the 8-bit luma planes (thumbnails) of the cold signature tier
// (tiered_signature_codec.h): each value is replaced by its difference from the LOCO-I / JPEG-LS median
// edge predictor of its left, upper and upper-left neighbours (small numbers on photos), and those
// bytes are deflated with zlib. On the catalog benchmark's photos this takes the thumbnails from ~9.8 KB
// to ~7.0 KB a photo, room for more keypoints in the same cold budget.
//
// Errors: DecompressPlane8 is InvalidArgument when the bytes are not a zlib stream of exactly
// width * height bytes (it never allocates more than that). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

// `values` (width * height, row-major) compressed.
std::string CompressPlane8(const std::vector<std::uint8_t>& values, int width, int height);
// The values CompressPlane8 was given.
Result<std::vector<std::uint8_t>> DecompressPlane8(std::string_view compressed, int width, int height);

}  // namespace iris
