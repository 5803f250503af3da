#include "dedup/hash_index.h"

#include <algorithm>
#include <bit>

#include "core/cpu_popcount.h"

namespace iris {
namespace {

// Appends every `width`-bit value within `radius` bits of `value` to `out` (each value once).
void NeighbourValues(int value, int radius, int first_bit, int width, std::vector<int>& out) {
  out.push_back(value);
  if (radius == 0) return;
  for (int bit = first_bit; bit < width; ++bit) NeighbourValues(value ^ (1 << bit), radius - 1, bit + 1, width, out);
}

}  // namespace

void HashIndex::Add(std::uint64_t id, std::uint64_t hash) {
  Remove(id);
  hashes_[id] = hash;
  for (int b = 0; b < kBlocks; ++b) {
    auto& block = buckets_[static_cast<std::size_t>(b)];
    if (block.empty()) block.resize(std::size_t{1} << kWidth[static_cast<std::size_t>(b)]);
    Bucket& bucket = block[static_cast<std::size_t>(Block(hash, b))];
    bucket.hashes.push_back(hash);
    bucket.ids.push_back(id);
  }
}

bool HashIndex::Remove(std::uint64_t id) {
  auto it = hashes_.find(id);
  if (it == hashes_.end()) return false;
  for (int b = 0; b < kBlocks; ++b) {
    Bucket& bucket = buckets_[static_cast<std::size_t>(b)][static_cast<std::size_t>(Block(it->second, b))];
    const auto at = std::find(bucket.ids.begin(), bucket.ids.end(), id) - bucket.ids.begin();
    bucket.ids.erase(bucket.ids.begin() + at);
    bucket.hashes.erase(bucket.hashes.begin() + at);
  }
  hashes_.erase(it);
  return true;
}

// The scan of the buckets `values` of block `b`, written once and compiled with and without POPCNT
// (core/cpu_popcount.h).
struct HashIndex::Scan {
  const HashIndex& index;
  std::uint64_t hash;
  int max_distance;
  int radius;  // per block
  std::vector<HashMatch>& out;

  [[gnu::always_inline]] inline void Blocks(int b, const std::vector<int>& values) const {
    for (int value : values) {
      const Bucket& bucket = index.buckets_[static_cast<std::size_t>(b)][static_cast<std::size_t>(value)];
      for (std::size_t i = 0; i < bucket.hashes.size(); ++i) {
        const std::uint64_t stored = bucket.hashes[i];
        const int d = std::popcount(hash ^ stored);
        if (d > max_distance) continue;
        // Each entry is in one bucket per block: it was already considered through an earlier block
        // exactly when that block is within the radius too.
        bool earlier = false;
        for (int p = 0; p < b && !earlier; ++p)
          earlier = std::popcount(static_cast<unsigned>(Block(hash, p) ^ Block(stored, p))) <= radius;
        if (!earlier) out.push_back({bucket.ids[i], d});
      }
    }
  }
  IRIS_TARGET_POPCNT void BlocksPopcnt(int b, const std::vector<int>& values) const { Blocks(b, values); }
  void BlocksPlain(int b, const std::vector<int>& values) const { Blocks(b, values); }
};

std::vector<HashMatch> HashIndex::Query(std::uint64_t hash, int max_distance) const {
  std::vector<HashMatch> out;
  if (max_distance < 0 || hashes_.empty()) return out;
  if (max_distance >= 24) {
    for (const auto& [id, stored] : hashes_) {
      const int d = std::popcount(hash ^ stored);
      if (d <= max_distance) out.push_back({id, d});
    }
  } else {
    const Scan scan{*this, hash, max_distance, max_distance / kBlocks, out};
    const bool popcnt = CpuHasPopcnt();
    std::vector<int> values;
    for (int b = 0; b < kBlocks; ++b) {
      values.clear();
      NeighbourValues(Block(hash, b), scan.radius, 0, kWidth[static_cast<std::size_t>(b)], values);
      if (popcnt) {
        scan.BlocksPopcnt(b, values);
      } else {
        scan.BlocksPlain(b, values);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const HashMatch& a, const HashMatch& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return out;
}

}  // namespace iris
