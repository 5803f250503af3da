#include "dedup/feature_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace iris {
namespace {

// The votes FeatureIndex::Query must give, computed by brute force over a plain map slot -> keys.
std::vector<FeatureVote> BruteForce(const std::map<std::uint32_t, std::vector<std::uint32_t>>& photos,
                                    const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k, int min_votes,
                                    double max_bucket_fraction) {
  std::map<std::uint32_t, std::size_t> bucket_size;
  for (const auto& [slot, keys] : photos) {
    for (std::uint32_t k : keys) ++bucket_size[k];
  }
  const std::size_t cap =
      std::max<std::size_t>(8, static_cast<std::size_t>(max_bucket_fraction * static_cast<double>(photos.size())));
  std::vector<FeatureVote> out;
  for (const auto& [slot, keys] : photos) {
    const std::set<std::uint32_t> own(keys.begin(), keys.end());
    int votes = 0;
    for (const BinaryDescriptor& d : descriptors) {
      bool hit = false;
      for (int c = 0; c < FeatureIndex::kChunks && !hit; ++c) {
        const std::uint32_t key = FeatureIndex::Key(d, c);
        hit = own.count(key) != 0 && bucket_size[key] <= cap;
      }
      votes += hit ? 1 : 0;
    }
    if (votes >= min_votes) out.push_back({slot, votes});
  }
  std::sort(out.begin(), out.end(), [](const FeatureVote& a, const FeatureVote& b) {
    return a.votes != b.votes ? a.votes > b.votes : a.id < b.id;
  });
  if (out.size() > top_k) out.resize(top_k);
  return out;
}

BinaryDescriptor RandomDescriptor(std::mt19937_64& rng) { return {rng(), rng(), rng(), rng()}; }

// Keys of a photo: chunks of its descriptors (as StoredVoteKeys picks them), from a small pool of
// descriptors shared between photos so that queries hit several photos.
std::vector<std::uint32_t> KeysOf(const std::vector<BinaryDescriptor>& pool, std::mt19937_64& rng, int n) {
  std::vector<std::uint32_t> keys;
  for (int i = 0; i < n; ++i) {
    const BinaryDescriptor& d = pool[rng() % pool.size()];
    keys.push_back(FeatureIndex::Key(d, static_cast<int>(rng() % FeatureIndex::kChunks)));
  }
  return keys;
}

void ExpectSameVotes(const FeatureIndex& index, const std::map<std::uint32_t, std::vector<std::uint32_t>>& photos,
                     const std::vector<BinaryDescriptor>& pool, std::mt19937_64& rng) {
  for (int q = 0; q < 20; ++q) {
    std::vector<BinaryDescriptor> query;
    for (int i = 0; i < 40; ++i) query.push_back(pool[rng() % pool.size()]);
    const auto got = index.Query(query, 10, 2);
    const auto expected = BruteForce(photos, query, 10, 2, index.max_bucket_fraction);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].id, expected[i].id);
      EXPECT_EQ(got[i].votes, expected[i].votes);
    }
  }
}

TEST(FeatureIndexTest, VotesMatchBruteForceThroughAddsRemovesAndPacking) {
  std::mt19937_64 rng(7);
  std::vector<BinaryDescriptor> pool;
  for (int i = 0; i < 3000; ++i) pool.push_back(RandomDescriptor(rng));
  FeatureIndex index;
  std::map<std::uint32_t, std::vector<std::uint32_t>> photos;
  std::uint32_t next = 0;
  // 1 200 photos x 120 keys = 144 000 entries: past kPackMinEntries, so the index packs on its own.
  for (int i = 0; i < 1200; ++i) {
    photos[next] = KeysOf(pool, rng, 120);
    index.Add(next, photos[next]);
    ++next;
  }
  EXPECT_EQ(index.size(), photos.size());
  EXPECT_GT(index.MemoryBytes(), 4 * FeatureIndex::kKeys);  // the packed offsets exist
  ExpectSameVotes(index, photos, pool, rng);                // packed and recent lists together
  for (std::uint32_t slot = 0; slot < next; slot += 3) {
    EXPECT_TRUE(index.Remove(slot));
    photos.erase(slot);
  }
  EXPECT_FALSE(index.Remove(0));
  EXPECT_FALSE(index.Remove(next + 5));
  ExpectSameVotes(index, photos, pool, rng);  // dead entries skipped
  for (int i = 0; i < 50; ++i) {
    photos[next] = KeysOf(pool, rng, 120);
    index.Add(next, photos[next]);
    ++next;
  }
  index.Pack();
  EXPECT_EQ(index.size(), photos.size());
  ExpectSameVotes(index, photos, pool, rng);  // everything packed
  photos[4] = KeysOf(pool, rng, 120);         // a live slot re-used: its old keys no longer vote
  index.Add(4, photos[4]);
  EXPECT_EQ(index.size(), photos.size());
  ExpectSameVotes(index, photos, pool, rng);
}

TEST(FeatureIndexTest, ABulkLoadVotesAsOneAddAtATime) {
  std::mt19937_64 rng(5);
  std::vector<BinaryDescriptor> pool;
  for (int i = 0; i < 3000; ++i) pool.push_back(RandomDescriptor(rng));
  std::map<std::uint32_t, std::vector<std::uint32_t>> photos;
  FeatureIndex index;
  for (std::uint32_t slot = 0; slot < 100; ++slot) {  // some already there, recent
    photos[slot] = KeysOf(pool, rng, 120);
    index.Add(slot, photos[slot]);
  }
  index.BeginBulk();
  for (std::uint32_t slot = 100; slot < 1300; ++slot) {  // 156 000 entries in all: packed at the end
    photos[slot] = KeysOf(pool, rng, 120);
    index.Add(slot, photos[slot]);
  }
  EXPECT_TRUE(index.Remove(1299));  // removed before the pack: never votes
  photos.erase(1299);
  index.Pack();
  EXPECT_EQ(index.size(), photos.size());
  ExpectSameVotes(index, photos, pool, rng);
  photos[1300] = KeysOf(pool, rng, 120);  // after the pack, adds are visible at once again
  index.Add(1300, photos[1300]);
  ExpectSameVotes(index, photos, pool, rng);
}

TEST(FeatureIndexTest, PackedEntriesCostAboutTwoBytes) {
  std::mt19937_64 rng(11);
  std::vector<BinaryDescriptor> pool;
  for (int i = 0; i < 20000; ++i) pool.push_back(RandomDescriptor(rng));
  FeatureIndex index;
  const std::size_t photos = 1000, keys = 320;
  for (std::uint32_t slot = 0; slot < photos; ++slot) index.Add(slot, KeysOf(pool, rng, keys));
  index.Pack();
  EXPECT_EQ(index.size(), photos);
  // Fixed: an offset (8 bytes) and a count byte per key; then at most 2 bytes per entry (slot deltas < 16 384),
  // 3 bytes of per-slot state.
  EXPECT_LE(index.MemoryBytes(), 9 * FeatureIndex::kKeys + 2 * photos * keys + 3 * photos + 4096);

  FeatureIndex small;  // too few entries to pack: recent lists, without the fixed 9 MB
  for (std::uint32_t slot = 0; slot < 10; ++slot) small.Add(slot, KeysOf(pool, rng, keys));
  small.Pack();
  EXPECT_LT(small.MemoryBytes(), FeatureIndex::kKeys);
}

TEST(FeatureIndexTest, AQueryCanLookUpOnlyEachDescriptorsMostStableChunks) {
  std::mt19937_64 rng(9);
  const BinaryDescriptor d1 = RandomDescriptor(rng), d2 = RandomDescriptor(rng);
  FeatureIndex index;
  index.Add(0, {FeatureIndex::Key(d1, 5), FeatureIndex::Key(d2, 9)});
  const std::vector<BinaryDescriptor> query = {d1, d2};
  EXPECT_EQ(index.Query(query, 5, 2).size(), 1u);  // all 16 chunks: both descriptors vote
  // Stability orders (low nibble first): d1's most stable chunk is 5, d2's are 3 then 9.
  const std::vector<std::uint32_t> order = {0x5u, 0x93u};
  EXPECT_TRUE(index.Query(query, 5, 2, &order, 1).empty());  // d2's chunk 9 is not looked up
  const auto two = index.Query(query, 5, 2, &order, 2);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].votes, 2);
  const std::vector<std::uint32_t> wrong_size = {0x5u};
  EXPECT_EQ(index.Query(query, 5, 2, &wrong_size, 1).size(), 1u);  // no usable order: all 16 chunks
}

TEST(FeatureIndexTest, AnEmptyIndexOrQueryFindsNothing) {
  FeatureIndex index;
  std::mt19937_64 rng(3);
  EXPECT_TRUE(index.Query({RandomDescriptor(rng)}, 5).empty());
  index.Add(0, {1, 2, 3});
  EXPECT_TRUE(index.Query({}, 5).empty());
  index.Pack();
  EXPECT_TRUE(index.Remove(0));
  index.Pack();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.Query({RandomDescriptor(rng)}, 5).empty());
}

}  // namespace
}  // namespace iris
