// HashIndex: an in-memory index of 64-bit hashes (perceptual hashes) answering "every entry within
// Hamming distance r of this hash" without scanning all entries.
//
// Method: multi-index hashing (Norouzi et al.). Each hash is split into 6 blocks (11, 11, 11, 11, 10 and
// 10 bits) and every block value has a bucket of entries. Two hashes within distance r agree to within
// floor(r / 6) bits in at least one block (pigeonhole), so a query enumerates, per block, every block
// value within floor(r / 6) bits of its own (at r = 16: 1 + 11 + 55 = 67 values), and checks the full
// distance of every entry in those buckets (an entry met again through a later block is skipped by
// comparing the earlier blocks, so no set of seen ids is needed). Six blocks rather than four: at the
// duplicate detector's r = 16, four 16-bit blocks need 2 517 scattered bucket visits per block, six need
// 67 visits of larger buckets, whose hashes are scanned in order (the scan, not the visits, then costs).
// Radii of 24 or more fall back to a linear scan, which is then cheaper.
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
  static constexpr int kBlocks = 6;
  static constexpr std::array<int, kBlocks> kWidth{11, 11, 11, 11, 10, 10};  // bits, 64 in all
  static constexpr std::array<int, kBlocks> kShift{53, 42, 31, 20, 10, 0};   // from the low end
  static int Block(std::uint64_t hash, int block) {
    const auto b = static_cast<std::size_t>(block);
    return static_cast<int>((hash >> kShift[b]) & ((std::uint64_t{1} << kWidth[b]) - 1));
  }

  // A bucket's entries as two parallel arrays: a query scans the hashes in order and reads an id only
  // for a match.
  struct Bucket {
    std::vector<std::uint64_t> hashes;
    std::vector<std::uint64_t> ids;
  };
  std::unordered_map<std::uint64_t, std::uint64_t> hashes_;  // id -> hash
  // Per block, 2^width buckets (allocated on the first Add) of the entries with that block value.
  std::array<std::vector<Bucket>, kBlocks> buckets_;
  struct Scan;  // a query's bucket scan (hash_index.cc)
};

}  // namespace iris
