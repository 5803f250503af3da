#include "dedup/hash_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>

namespace iris {
namespace {

std::vector<HashMatch> BruteForce(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& entries,
                                  std::uint64_t query, int max_distance) {
  std::vector<HashMatch> out;
  for (const auto& [id, hash] : entries) {
    const int d = std::popcount(hash ^ query);
    if (d <= max_distance) out.push_back({id, d});
  }
  std::sort(out.begin(), out.end(), [](const HashMatch& a, const HashMatch& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return out;
}

// A hash `bits` bits away from `hash` (random positions).
std::uint64_t Perturb(std::uint64_t hash, int bits, std::mt19937_64& rng) {
  std::vector<int> positions(64);
  for (int i = 0; i < 64; ++i) positions[i] = i;
  std::shuffle(positions.begin(), positions.end(), rng);
  for (int i = 0; i < bits; ++i) hash ^= std::uint64_t{1} << positions[i];
  return hash;
}

TEST(HashIndexTest, MatchesBruteForceOnRandomHashes) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> entries;
  HashIndex index;
  // Random hashes plus clusters of near copies, so small radii have answers.
  for (std::uint64_t id = 0; id < 3000; ++id) {
    const std::uint64_t hash = id % 3 == 0 || entries.empty()
                                   ? rng()
                                   : Perturb(entries[rng() % entries.size()].second, static_cast<int>(rng() % 20), rng);
    entries.emplace_back(id, hash);
    index.Add(id, hash);
  }
  ASSERT_EQ(index.size(), 3000u);
  std::size_t total = 0;
  for (int q = 0; q < 300; ++q) {
    const std::uint64_t query =
        q % 2 ? rng() : Perturb(entries[rng() % entries.size()].second, static_cast<int>(rng() % 12), rng);
    for (int r : {0, 3, 4, 7, 8, 12, 15, 20, 23, 24, 30}) {
      auto expected = BruteForce(entries, query, r);
      auto got = index.Query(query, r);
      total += got.size();
      ASSERT_EQ(got.size(), expected.size()) << "radius " << r;
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, expected[i].id);
        EXPECT_EQ(got[i].distance, expected[i].distance);
      }
    }
  }
  EXPECT_GT(total, 1000u);  // the comparison was not vacuous
}

TEST(HashIndexTest, RemoveAndReplace) {
  HashIndex index;
  index.Add(1, 0xFFFF0000FFFF0000ull);
  index.Add(2, 0xFFFF0000FFFF0001ull);
  ASSERT_EQ(index.Query(0xFFFF0000FFFF0000ull, 1).size(), 2u);
  EXPECT_TRUE(index.Remove(1));
  EXPECT_FALSE(index.Remove(1));
  auto left = index.Query(0xFFFF0000FFFF0000ull, 1);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, 2u);
  EXPECT_EQ(left[0].distance, 1);
  index.Add(2, 0x0123456789ABCDEFull);  // replaces: the old hash no longer answers
  EXPECT_TRUE(index.Query(0xFFFF0000FFFF0000ull, 10).empty());
  EXPECT_EQ(index.Query(0x0123456789ABCDEFull, 0).size(), 1u);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.Query(0, -1).empty());
}

}  // namespace
}  // namespace iris
