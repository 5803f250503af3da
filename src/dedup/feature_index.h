// FeatureIndex: candidate lookup by local features (geometric_verification.h) for photos that no hash
// finds (crops, rotations, overlays): which stored photos share the most descriptors with a query?
//
// Each 256-bit descriptor is cut into 16 chunks of 16 bits; chunk (position, value) keys a bucket of
// stored photos. A query descriptor votes once for every photo found in any of its 16 buckets (a true
// match 30-60 bits away usually agrees exactly on at least one chunk); photos are ranked by votes.
// Buckets holding more than `max_bucket_fraction` of the stored photos (at least 8; chunk values that
// most photos have, e.g. from flat areas) are ignored, like stop words. The winners are then verified geometrically.
//
// Ids are the caller's 64-bit numbers. Errors: none. Not thread-safe for writers (callers serialise Add
// and Remove against Query).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "dedup/geometric_verification.h"

namespace iris {

struct FeatureVote {
  std::uint64_t id = 0;
  int votes = 0;  // query descriptors that hit this photo
};

class FeatureIndex {
 public:
  void Add(std::uint64_t id, const std::vector<BinaryDescriptor>& descriptors);
  bool Remove(std::uint64_t id);
  // The `top_k` photos with the most votes (at least min_votes), most votes first, ties by id.
  std::vector<FeatureVote> Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k,
                                 int min_votes = 2) const;
  std::size_t size() const { return keys_.size(); }

  double max_bucket_fraction = 0.1;

 private:
  static constexpr int kChunks = 16;
  static std::uint32_t Key(const BinaryDescriptor& d, int chunk) {
    return (static_cast<std::uint32_t>(chunk) << 16) |
           static_cast<std::uint32_t>((d[chunk / 4] >> (16 * (chunk % 4))) & 0xFFFF);
  }

  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> keys_;  // id -> its keys (for Remove)
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> buckets_;
};

}  // namespace iris
