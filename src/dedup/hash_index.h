// HashIndex: an in-memory index of 64-bit hashes (perceptual hashes) answering "every entry within
// Hamming distance r of this hash" without scanning all entries.
//
// Method: multi-index hashing (Norouzi et al.). Each hash is split into 4 blocks of 16 bits and every
// block value has a bucket of entries. Two hashes within distance r agree to within floor(r / 4) bits in
// at least one block (pigeonhole), so a query enumerates, per block, every 16-bit value within
// floor(r / 4) bits of its own block (1 + 16 + 120 + ... values), collects those buckets' entries and
// checks their full distance (an entry met again through a later block is skipped by comparing the
// earlier blocks, so no set of seen ids is needed). Radii of 24 or more (more than 6 bits per block, ~14 000 probes per
// block) fall back to a linear scan, which is then cheaper.
//
// Ids are the caller's 64-bit numbers; one hash per id (Add on an existing id replaces its hash).
// Errors: none (Remove of an unknown id returns false). Not thread-safe: callers serialise writers
// against readers (a const Query may run concurrently with other const calls).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace iris {

struct HashMatch {
  std::uint64_t id = 0;
  int distance = 0;  // Hamming distance 0..64
};

class HashIndex {
 public:
  void Add(std::uint64_t id, std::uint64_t hash);
  bool Remove(std::uint64_t id);
  // Entries with distance <= max_distance (0..64), nearest first, ties by id.
  std::vector<HashMatch> Query(std::uint64_t hash, int max_distance) const;

  std::size_t size() const { return hashes_.size(); }
  bool Contains(std::uint64_t id) const { return hashes_.count(id) != 0; }

 private:
  static constexpr int kBlocks = 4;
  static int Block(std::uint64_t hash, int block) {
    return static_cast<int>((hash >> (16 * (kBlocks - 1 - block))) & 0xFFFF);
  }

  struct Entry {
    std::uint64_t hash;  // kept with the id: a query checks distances without another lookup
    std::uint64_t id;
  };
  std::unordered_map<std::uint64_t, std::uint64_t> hashes_;  // id -> hash
  // Per block, 2^16 buckets (allocated on the first Add: 6 MB per index) of the entries with that value.
  std::array<std::vector<std::vector<Entry>>, kBlocks> buckets_;
};

}  // namespace iris
