// FeatureIndex: candidate lookup by local features (geometric_verification.h) for photos that no hash
// finds (crops, rotations, overlays): which stored photos share the most descriptor chunks with a query?
//
// Each 256-bit descriptor is cut into 16 chunks of 16 bits; a chunk (position, value) is a key (Key, 20
// bits). A stored photo is indexed under a small set of its keys (signature_tiers.h StoredVoteKeys: at
// most ~320, from its strongest keypoints' most stable chunks); a query descriptor votes once for every
// photo found under any of the keys it looks up (all 16, or its most stable few: Query) (a true match
// 30-60 bits away usually agrees exactly on some chunk); photos are ranked by votes. Buckets holding more than
// `max_bucket_fraction` of the stored photos (at least 8; chunk values that most photos have, e.g. from flat areas) are
// ignored, like stop words. The winners are then verified geometrically.
//
// Storage, built for catalogs of 100 000+ photos (~320 keys each, 32 million entries): the *packed*
// lists hold every key's slots in ascending order as variable-length deltas (LEB128: mostly 2 bytes an
// entry instead of 4), back to back in one byte array with an offset per key, so there is no
// allocation per key. Photos added since the last packing are in *recent* lists (a hash map of
// vectors); when those outgrow half the packed entries (and kPackMinEntries), or on Pack(),
// everything is packed again (~0.3 s at 32 million entries; Add holds the caller's lock meanwhile).
// Remove marks the slot dead (queries skip it); dead entries are dropped at the next packing, which
// also happens once they outnumber half of the live ones. Slots are the caller's 32-bit numbers
// (callers hand out increasing slots; re-adding a slot packs everything first, to drop its old entries).
//
// Errors: none. Not thread-safe for writers (callers serialise Add, Remove and Pack against Query;
// concurrent Query calls are fine: each thread keeps its own vote tally, 4 bytes per slot).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dedup/geometric_verification.h"

namespace iris {

struct FeatureVote {
  std::uint32_t id = 0;
  int votes = 0;  // query descriptors that hit this photo
};

class FeatureIndex {
 public:
  static constexpr int kChunks = 16;
  static constexpr std::size_t kKeys = std::size_t{kChunks} << 16;
  // Entries below which nothing is packed: the packed form has a fixed cost (an offset and a count
  // per key, ~9 MB) that only pays from ~100 000 entries (~400 photos).
  static constexpr std::size_t kPackMinEntries = std::size_t{1} << 17;
  static std::uint32_t Key(const BinaryDescriptor& d, int chunk) {
    return (static_cast<std::uint32_t>(chunk) << 16) |
           static_cast<std::uint32_t>((d[chunk / 4] >> (16 * (chunk % 4))) & 0xFFFF);
  }

  // Indexes `slot` under `keys` (keys >= kKeys are ignored; a repeated key costs an entry, not a vote).
  // Add of a used slot replaces it.
  void Add(std::uint32_t slot, const std::vector<std::uint32_t>& keys);
  bool Remove(std::uint32_t slot);
  // The `top_k` photos with the most votes (at least min_votes), most votes first, ties by slot. Each
  // descriptor looks up all 16 of its chunk keys, or, given its stability order (LocalFeatures::
  // stable_chunks, one per descriptor) and chunks_per_descriptor < 16, only that many of its most
  // stable chunks (at most the 8 the order lists): fewer lookups, fewer votes for true matches.
  std::vector<FeatureVote> Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k, int min_votes = 2,
                                 const std::vector<std::uint32_t>* stable_chunks = nullptr,
                                 int chunks_per_descriptor = kChunks) const;
  std::size_t size() const { return live_photos_; }
  // Packs every entry and drops the dead ones (after a bulk load: recent lists cost ~3 times as much).
  // An index of fewer than kPackMinEntries live entries is kept as recent lists instead.
  void Pack();
  // Bytes held by the buckets and per-slot state (for memory reports).
  std::size_t MemoryBytes() const;

  double max_bucket_fraction = 0.1;
  // Bulk loading: until the next Pack(), Add appends (key, slot) pairs to one flat array (one large
  // allocation, returned to the system when freed, where a million growing lists would fragment the
  // heap) and nothing is repacked; queries see those photos only after the Pack().
  void BeginBulk() { bulk_mode_ = true; }

 private:
  void MaybePack();
  void RemoveEntries(std::uint32_t slot);

  std::vector<std::size_t> packed_offsets_;  // kKeys + 1 byte offsets into packed_ (empty: nothing packed)
  std::vector<std::uint8_t> packed_;           // per key: entry count, then slot deltas (LEB128)
  std::size_t packed_entries_ = 0;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> recent_;  // key -> slots added since
  std::size_t recent_entries_ = 0;
  bool bulk_mode_ = false;
  std::vector<std::uint64_t> bulk_;       // key << 32 | slot, added in bulk mode
  std::vector<std::uint8_t> live_;        // by slot
  std::vector<std::uint16_t> key_count_;  // entries of each slot
  std::size_t live_photos_ = 0;
  std::size_t live_entries_ = 0;
  std::size_t dead_entries_ = 0;
};

}  // namespace iris
