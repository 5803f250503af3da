// Perceptual hashes: 64-bit fingerprints that stay (nearly) the same when a photo is re-encoded,
// resized or lightly edited, compared by Hamming distance. They back the `image_hash` operation and
// near-duplicate detection. No model; pure C++.
//
// Algorithms (the imagehash library's, with an area filter instead of Pillow's Lanczos resize, so the
// bits are close to but not identical with Python imagehash's):
//   * pHash: BT.601 luma (color_space.h) area-resized to 32x32; unnormalised 2-D DCT-II; the top-left
//     8x8 block of coefficients INCLUDING the DC term (as imagehash; the DC bit is therefore almost
//     always 1); bit = coefficient > median of those 64 values (median = mean of the two middle values).
//     The resized luma is rounded to 1/64 of a level and coefficients with |c| < 1e-6 are taken as exactly
//     0, so float rounding cannot flip bits of flat areas (a flat image's pHash is 8000000000000000).
//   * dHash: luma area-resized to 9 wide x 8 high; bit = pixel(x + 1, y) > pixel(x, y) (brightness
//     increases to the right), 8 comparisons per row.
//   * Bit order: the 64 bits in row-major order (row 0 first) from the most significant bit down, so
//     HashToHex gives the same string as imagehash's str(hash) for the same bit matrix.
//
// Robustness measured on real photos (docs/image-features.md): JPEG quality 40 and 0.5x resize move the
// pHash by a few bits at most; unrelated photos are ~32 bits apart. Flips and rotations are NOT handled
// (a mirrored photo is a different hash).
//
// Errors: an empty image or a pixel buffer whose size does not match width x height is InvalidArgument.
// Any non-empty size works, including 1x1 (smaller images are enlarged by pixel repetition).
// Pure functions of the image; thread-safe. Cost: one pass over the pixels per hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

struct PerceptualHashes {
  std::uint64_t phash = 0;
  std::uint64_t dhash = 0;
};

Result<std::uint64_t> PerceptualHash(const RgbImage& image);  // pHash
Result<std::uint64_t> DifferenceHash(const RgbImage& image);  // dHash
// Both hashes (two passes over the pixels).
Result<PerceptualHashes> ComputePerceptualHashes(const RgbImage& image);

// 16 lower-case hex digits, most significant first (e.g. "8000000000000000").
std::string HashToHex(std::uint64_t hash);
// Exactly 16 hex digits, either case, no prefix or spaces; anything else is InvalidArgument.
Result<std::uint64_t> HashFromHex(std::string_view hex);

// Number of differing bits, 0..64.
int HammingDistance(std::uint64_t a, std::uint64_t b);

}  // namespace iris
