#include "dedup/hash_index.h"

#include <algorithm>
#include <bit>

namespace iris {
namespace {

// Calls visit(v) for every 16-bit value within `radius` bits of `value` (each value once).
template <typename Visit>
void ForEachNeighbour(int value, int radius, int first_bit, Visit& visit) {
  visit(value);
  if (radius == 0) return;
  for (int bit = first_bit; bit < 16; ++bit) ForEachNeighbour(value ^ (1 << bit), radius - 1, bit + 1, visit);
}

}  // namespace

void HashIndex::Add(std::uint64_t id, std::uint64_t hash) {
  Remove(id);
  hashes_[id] = hash;
  for (int b = 0; b < kBlocks; ++b) {
    auto& block = buckets_[static_cast<std::size_t>(b)];
    if (block.empty()) block.resize(std::size_t{1} << 16);
    block[static_cast<std::size_t>(Block(hash, b))].push_back({hash, id});
  }
}

bool HashIndex::Remove(std::uint64_t id) {
  auto it = hashes_.find(id);
  if (it == hashes_.end()) return false;
  for (int b = 0; b < kBlocks; ++b) {
    std::vector<Entry>& entries = buckets_[static_cast<std::size_t>(b)][static_cast<std::size_t>(Block(it->second, b))];
    entries.erase(std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id; }));
  }
  hashes_.erase(it);
  return true;
}

std::vector<HashMatch> HashIndex::Query(std::uint64_t hash, int max_distance) const {
  std::vector<HashMatch> out;
  if (max_distance < 0 || hashes_.empty()) return out;
  auto consider = [&](std::uint64_t id, std::uint64_t stored) {
    const int d = std::popcount(hash ^ stored);
    if (d <= max_distance) out.push_back({id, d});
  };
  if (max_distance >= 24) {
    for (const auto& [id, stored] : hashes_) consider(id, stored);
  } else {
    const int radius = max_distance / kBlocks;
    for (int b = 0; b < kBlocks; ++b) {
      auto visit = [&](int value) {
        for (const Entry& e : buckets_[static_cast<std::size_t>(b)][static_cast<std::size_t>(value)]) {
          // Each entry is in one bucket per block: it was already considered through an earlier block
          // exactly when that block is within the radius too.
          bool earlier = false;
          for (int p = 0; p < b && !earlier; ++p)
            earlier = std::popcount(static_cast<unsigned>(Block(hash, p) ^ Block(e.hash, p))) <= radius;
          if (!earlier) consider(e.id, e.hash);
        }
      };
      ForEachNeighbour(Block(hash, b), radius, 0, visit);
    }
  }
  std::sort(out.begin(), out.end(), [](const HashMatch& a, const HashMatch& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return out;
}

}  // namespace iris
