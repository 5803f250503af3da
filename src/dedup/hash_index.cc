#include "dedup/hash_index.h"

#include <algorithm>
#include <bit>
#include <unordered_set>

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
  for (int b = 0; b < kBlocks; ++b) buckets_[b][Block(hash, b)].push_back(id);
}

bool HashIndex::Remove(std::uint64_t id) {
  auto it = hashes_.find(id);
  if (it == hashes_.end()) return false;
  for (int b = 0; b < kBlocks; ++b) {
    auto bucket = buckets_[b].find(Block(it->second, b));
    std::vector<std::uint64_t>& ids = bucket->second;
    ids.erase(std::find(ids.begin(), ids.end(), id));
    if (ids.empty()) buckets_[b].erase(bucket);
  }
  hashes_.erase(it);
  return true;
}

std::vector<HashMatch> HashIndex::Query(std::uint64_t hash, int max_distance) const {
  std::vector<HashMatch> out;
  if (max_distance < 0) return out;
  auto consider = [&](std::uint64_t id, std::uint64_t stored) {
    const int d = std::popcount(hash ^ stored);
    if (d <= max_distance) out.push_back({id, d});
  };
  if (max_distance >= 24) {
    for (const auto& [id, stored] : hashes_) consider(id, stored);
  } else {
    const int radius = max_distance / kBlocks;
    std::unordered_set<std::uint64_t> seen;
    for (int b = 0; b < kBlocks; ++b) {
      auto visit = [&](int value) {
        auto bucket = buckets_[b].find(value);
        if (bucket == buckets_[b].end()) return;
        for (std::uint64_t id : bucket->second) {
          if (seen.insert(id).second) consider(id, hashes_.at(id));
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
