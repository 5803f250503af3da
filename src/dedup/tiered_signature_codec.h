// Binary forms of the two tiers of a stored photo's signature (signature_tiers.h), format version 3,
// for the duplicate_resident and duplicate_cold tables (signature_store.h) and a detector's in-memory
// cold tier. Every number little-endian (codec_io.h).
//
//   resident: "IDSR" u32 version (= 3), u64 phash, u8 has_trimmed [u64 trimmed_phash],
//             u32 n + n vote keys ascending (each < 2^20) as LEB128 differences from the previous one
//             (the first from 0), u32 m + m x f32 embedding
//   cold:     "IDSC" u32 version (= 3), u64 phash, u8 has_trimmed [u64 trimmed_phash],
//             u32 n + n x u64 oriented_phashes, u32 n + n x u64 trimmed_oriented_phashes,
//             zplane8 thumbnail, zplane8 trimmed_thumbnail,
//             i32 frame width, i32 frame height, u8 position_shift, u32 n keypoints,
//             n x (u16 x, u16 y) in 1/2^position_shift px, n x 4 u64 descriptor words, zplane8 features.thumbnail
//   zplane8 = u16 width, u16 height, u32 n, n bytes: the 8-bit luma levels (row-major) compressed
//             losslessly (plane_compression.h)
//
// Version 2 (written before 2026-12-07) is still read: vote keys as n x u32 in any order, and planes as
// plane8 = u16 width, u16 height, width * height bytes. Rows are never rewritten; a re-upserted item is
// written as version 3.
//
// Exact on what SplitSignature makes (8-bit thumbnails, quantised positions, vote keys ascending). Size:
// resident ~0.7 KB (+ 4 bytes per embedding value), cold <= TierOptions::cold_max_bytes.
// Decode is strict, like signature_codec.h: wrong magic or version, a count or size that does not fit the
// remaining bytes, a vote key >= 2^20, a plane that does not inflate to its size, a keypoint outside its
// frame, a non-finite float or trailing bytes is InvalidArgument naming the problem; any bytes are safe to
// decode. Thread-safety: pure functions.
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
inline constexpr std::uint32_t kTieredFormatVersion = 3;   // written
inline constexpr std::uint32_t kTieredFormatVersion2 = 2;  // still read
inline constexpr std::size_t kColdBytesPerKeypoint = 2 + 2 + 32;

std::string EncodeResident(const ResidentSignature& resident);
Result<ResidentSignature> DecodeResident(std::string_view bytes);

std::string EncodeCold(const ColdSignature& cold);
Result<ColdSignature> DecodeCold(std::string_view bytes);
// EncodeCold(cold).size() (it encodes: a compressed plane's size is known only then).
std::size_t EncodedColdSize(const ColdSignature& cold);

}  // namespace iris
