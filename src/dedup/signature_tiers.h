// A stored photo's near-duplicate signature and its two tiers (method and measurements:
// docs/duplicates.md, "Two tiers"):
//
//   * DuplicateSignature: everything DuplicateDetector::ComputeSignature measures of one photo (full
//     precision: float thumbnails, up to 500 keypoints). Never kept as is for a stored photo.
//   * ResidentSignature: what candidate generation needs, kept in memory for every stored photo: the
//     pHash of the photo and of its trimmed view (hash_index.h), at most `max_vote_keys` descriptor
//     chunk keys (feature_index.h) and the embedding when an embedder is plugged in. ~1.3 KB in memory
//     (~0.6 KB encoded) + embedding.
//   * ColdSignature: what checking one candidate (and CheckStored of the photo itself) needs, read only
//     for the few candidates of a check: the pHashes of all 16 views, the two 48x48 view thumbnails and
//     the strongest keypoints (positions and descriptors) with the photometric thumbnail. Quantised:
//     thumbnails at 8-bit levels, the photometric one at most `cold_thumbnail_size` px, keypoint
//     positions at 1/2^position_shift px, angle/level/score dropped (verification uses positions and
//     descriptors only), and as many of the strongest keypoints (each pyramid level keeping its share)
//     as fit in `cold_max_bytes` once encoded (tiered_signature_codec.h: thumbnails compressed
//     losslessly), at most `cold_max_keypoints` (none when the thumbnails alone exceed it: at most 13.8 KB
//     uncompressed, ~7 KB compressed on photos, so only for noise-like images).
//
// SplitSignature is deterministic and idempotent on its cold output: encoding and decoding a ColdSignature
// (tiered_signature_codec.h) reproduces it exactly, so an in-memory detector and one reading its cold
// tier from SQLite answer identically. Errors: none. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dedup/geometric_verification.h"
#include "vision/color_space.h"

namespace iris {

// What DuplicateDetector::ComputeSignature makes for one photo.
struct DuplicateSignature {
  std::uint64_t phash = 0;
  std::optional<std::uint64_t> trimmed_phash;  // when the photo had uniform borders
  LumaPlane thumbnail;                         // ViewThumbnail of the photo ...
  LumaPlane trimmed_thumbnail;                 // ... and of its trimmed view
  LocalFeatures features;                      // empty when geometric verification is off
  std::vector<float> embedding;                // empty without an embedder
  // pHashes of the view (and of the trimmed view, when there is one) turned into kAllOrientations[1..7],
  // the other query views Check hashes, kept so CheckStored can check a stored photo against the others
  // without its image. Empty when dihedral_views is off (CheckStored then uses the identity views only).
  std::vector<std::uint64_t> oriented_phashes;
  std::vector<std::uint64_t> trimmed_oriented_phashes;
};

struct TierOptions {
  int max_vote_keys = 320;  // resident descriptor chunk keys per photo (4 bytes each in memory)
  // Encoded cold part, at most: 12 600 bytes keep a row of duplicate_cold within 3 SQLite overflow pages
  // of 4 KB (docs/duplicates.md, "At catalog scale").
  int cold_max_bytes = 12600;
  int cold_max_keypoints = 300;  // strongest keypoints kept (fewer when cold_max_bytes is reached first)
  int cold_thumbnail_size = 96;  // longer side of the stored photometric thumbnail (as the query's)
};

struct ResidentSignature {
  std::uint64_t phash = 0;
  std::optional<std::uint64_t> trimmed_phash;
  std::vector<std::uint32_t> vote_keys;  // FeatureIndex::Key values, ascending
  std::vector<float> embedding;
};

struct ColdSignature {
  std::uint64_t phash = 0;
  std::optional<std::uint64_t> trimmed_phash;
  std::vector<std::uint64_t> oriented_phashes;  // as in DuplicateSignature
  std::vector<std::uint64_t> trimmed_oriented_phashes;
  LumaPlane thumbnail;  // 8-bit levels
  LumaPlane trimmed_thumbnail;
  LocalFeatures features;  // strongest first; keypoints carry x and y only; thumbnail at 8-bit levels
  int position_shift = 0;  // keypoint positions are multiples of 1 / 2^position_shift working px
};

struct SplitSignatures {
  ResidentSignature resident;
  ColdSignature cold;
};
SplitSignatures SplitSignature(const DuplicateSignature& signature, const TierOptions& options = {});

// The resident vote keys of a photo whose descriptors are `strongest_first`: in round r = 0, 1, ...
// keypoint i gives its r-th most stable chunk (`stable_chunks`, LocalFeatures; when absent, chunk
// (i + 5 r) mod 16), until max_keys distinct keys (or 8 rounds).
std::vector<std::uint32_t> StoredVoteKeys(const std::vector<BinaryDescriptor>& strongest_first,
                                          const std::vector<std::uint32_t>& stable_chunks, int max_keys);

}  // namespace iris
