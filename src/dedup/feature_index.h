// FeatureIndex: candidate lookup by local features (geometric_verification.h) for photos that no hash
// finds (crops, rotations, overlays): which stored photos share the most descriptor chunks with a query?
//
// Each 256-bit descriptor is cut into 16 chunks of 16 bits; a chunk (position, value) is a key (Key, 20
// bits). A stored photo is indexed under a small set of its keys (signature_tiers.h StoredVoteKeys: at
// most ~320, from its strongest keypoints), 4 bytes each; a query descriptor votes once for every photo
// found under any of its 16 keys (a true match 30-60 bits away usually agrees exactly on some chunk);
// photos are ranked by votes. Buckets holding more than `max_bucket_fraction` of the stored photos (at
// least 8; chunk values that most photos have, e.g. from flat areas) are ignored, like stop words. The
// winners are then verified geometrically.
//
// Storage: buckets in a hash map while small, one flat array of 2^20 buckets once more than
// kFlatThreshold keys are stored. Remove marks the slot dead (queries skip it); dead entries are
// purged from the buckets when they outnumber half of the live ones. Slots are the caller's 32-bit
// numbers (callers hand out increasing slots: re-adding a slot purges every bucket first).
//
// Errors: none. Not thread-safe for writers (callers serialise Add and Remove against Query; concurrent
// Query calls are fine).
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
  static constexpr std::size_t kFlatThreshold = std::size_t{1} << 18;  // stored keys before going flat
  static std::uint32_t Key(const BinaryDescriptor& d, int chunk) {
    return (static_cast<std::uint32_t>(chunk) << 16) |
           static_cast<std::uint32_t>((d[chunk / 4] >> (16 * (chunk % 4))) & 0xFFFF);
  }

  // Indexes `slot` under `keys` (keys >= kKeys are ignored; a repeated key costs an entry, not a vote).
  // Add of a used slot replaces it.
  void Add(std::uint32_t slot, const std::vector<std::uint32_t>& keys);
  bool Remove(std::uint32_t slot);
  // The `top_k` photos with the most votes (at least min_votes), most votes first, ties by slot.
  std::vector<FeatureVote> Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k,
                                 int min_votes = 2) const;
  std::size_t size() const { return live_photos_; }
  // Releases the spare capacity of every bucket (after a bulk load: ~25% of the entries' memory).
  void ShrinkToFit();
  // Bytes held by the buckets and per-slot state (for memory reports).
  std::size_t MemoryBytes() const;

  double max_bucket_fraction = 0.1;

 private:
  const std::vector<std::uint32_t>* Bucket(std::uint32_t key) const;
  std::vector<std::uint32_t>& MutableBucket(std::uint32_t key);
  void Purge();

  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> sparse_;  // while small
  std::vector<std::vector<std::uint32_t>> flat_;                          // kKeys buckets once large
  std::vector<std::uint8_t> live_;                                        // by slot
  std::vector<std::uint16_t> key_count_;                                  // entries of each slot
  std::size_t live_photos_ = 0;
  std::size_t live_entries_ = 0;
  std::size_t dead_entries_ = 0;
};

}  // namespace iris
