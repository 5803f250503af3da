// Binary forms of the two tiers of a stored photo's signature (signature_tiers.h), format version 2,
// for the duplicate_resident and duplicate_cold tables (signature_store.h) and a detector's in-memory
// cold tier. Every number little-endian (codec_io.h).
//
//   resident: "IDSR" u32 version (= 2), u64 phash, u8 has_trimmed [u64 trimmed_phash],
//             u32 n + n x u32 vote keys (each < 2^20), u32 m + m x f32 embedding
//   cold:     "IDSC" u32 version (= 2), u64 phash, u8 has_trimmed [u64 trimmed_phash],
//             u32 n + n x u64 oriented_phashes, u32 n + n x u64 trimmed_oriented_phashes,
//             plane8 thumbnail, plane8 trimmed_thumbnail,
//             i32 frame width, i32 frame height, u8 position_shift, u32 n keypoints,
//             n x (u16 x, u16 y) in 1/2^position_shift px, n x 4 u64 descriptor words, plane8 features.thumbnail
//   plane8 = u16 width, u16 height, width * height bytes (8-bit luma levels, row-major)
//
// Exact on what SplitSignature makes (8-bit thumbnails, quantised positions). Size: resident ~1.3 KB
// (+ 4 bytes per embedding value), cold <= TierOptions::cold_max_bytes (16 KB by default).
// Decode is strict, like signature_codec.h: wrong magic or version, a count or size that does not fit the
// remaining bytes, a vote key >= 2^20, a keypoint outside its frame, a non-finite float or trailing bytes is
// InvalidArgument naming the problem; any bytes are safe to decode. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "dedup/signature_tiers.h"

namespace iris {

inline constexpr char kResidentMagic[4] = {'I', 'D', 'S', 'R'};
inline constexpr char kColdMagic[4] = {'I', 'D', 'S', 'C'};
inline constexpr std::uint32_t kTieredFormatVersion = 2;
inline constexpr std::size_t kColdBytesPerKeypoint = 2 + 2 + 32;

std::string EncodeResident(const ResidentSignature& resident);
Result<ResidentSignature> DecodeResident(std::string_view bytes);

std::string EncodeCold(const ColdSignature& cold);
Result<ColdSignature> DecodeCold(std::string_view bytes);
// EncodeCold(cold).size(), without encoding.
std::size_t EncodedColdSize(const ColdSignature& cold);

}  // namespace iris
