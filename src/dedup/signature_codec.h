// Binary form of a DuplicateSignature (duplicate_detector.h), for persisting it (signature_store.h, the
// duplicate_signatures table's `signature` BLOB).
//
// Format version 1, every number little-endian, floats as IEEE-754 binary32 bit patterns:
//   "IDSG"  magic (4 bytes)          u32 version (= 1)
//   u64 phash                        u8 has_trimmed, then u64 trimmed_phash when has_trimmed == 1
//   u64 list oriented_phashes        u64 list trimmed_oriented_phashes
//   plane thumbnail                  plane trimmed_thumbnail
//   features: i32 width, i32 height, u32 n, n x (f32 x, f32 y, f32 angle, i32 level, i32 score),
//             n x 4 u64 descriptor words, plane thumbnail
//   f32 list embedding
// where a list is u32 count + items and a plane is u32 width, u32 height, width * height f32 (row-major).
// Lossless: Decode(Encode(s)) reproduces s bit for bit, so Check answers are identical. Size: ~65 KB
// for a default signature (500 features: 26 KB; float thumbnails: 9 KB per view, ~27 KB for features).
//
// Decode is strict: wrong magic, another version, a count or size that does not fit the remaining bytes
// or the limits below, a non-finite number, a keypoint outside its frame or trailing bytes is InvalidArgument naming
// the problem (this codebase has no DataLoss code; the store reports such rows as corrupt). It never reads out of
// bounds and allocates at most what the blob's size justifies, so any bytes are safe to decode. Thread-safety: pure
// functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "dedup/duplicate_detector.h"

namespace iris {

inline constexpr char kSignatureMagic[4] = {'I', 'D', 'S', 'G'};
inline constexpr std::uint32_t kSignatureFormatVersion = 1;
inline constexpr int kSignatureMaxPlaneSide = 4096;     // thumbnails are 48 and 96 px
inline constexpr int kSignatureMaxFrameSide = 1 << 16;  // features' working frame (512 px by default)

std::string EncodeSignature(const DuplicateSignature& signature);
Result<DuplicateSignature> DecodeSignature(std::string_view bytes);

}  // namespace iris
