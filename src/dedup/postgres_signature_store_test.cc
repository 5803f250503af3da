// PostgresSignatureStore on a real PostgreSQL server (support/postgres_process.h): the two tiers, the
// change feed, and two "processes" (each its own connection pool and CollectionDedupIndex) finding one
// another's photos as near-duplicates.
#include "dedup/postgres_signature_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "dedup/collection_dedup_index.h"
#include "dedup/dedup_test_photos.h"
#include "support/postgres_process.h"

namespace iris {
namespace {

using testing::ClothingPhoto;
using testing::ClothingRgb;
using testing::JpegCopy;
using testing::kLongsleeveA;
using testing::kLongsleeveB;
using testing::kPants;

const StoredSignature& Stored(int which) {
  static const std::vector<StoredSignature> stored = [] {
    std::vector<StoredSignature> out;
    for (const char* file : {kLongsleeveA, kPants}) {
      DuplicateDetector detector;
      Result<DuplicateSignature> s = detector.ComputeSignature(ClothingRgb(file));
      if (!s.ok()) throw std::runtime_error(s.status().ToString());
      out.push_back(detector.Tier(*s));
    }
    return out;
  }();
  return stored.at(static_cast<std::size_t>(which));
}

class PostgresSignatureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { url_ = testing::PostgresProcess::Shared().CreateDatabase(); }

  // A new "process": its own pool on the same database.
  PostgresDatabase& OpenProcess() {
    auto db = PostgresDatabase::Open(url_);
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    databases_.push_back(std::move(db).value());
    return *databases_.back();
  }

  std::string url_;
  std::vector<std::unique_ptr<PostgresDatabase>> databases_;
};

TEST_F(PostgresSignatureStoreTest, PutReplaceRemoveLoadAndFetchCold) {
  PostgresSignatureStore store(OpenProcess());
  const StoredSignature &a = Stored(0), &p = Stored(1);
  ASSERT_TRUE(store.Put("shop", "x", a).ok());
  ASSERT_TRUE(store.Put("shop", "y", p).ok());
  ASSERT_TRUE(store.Put("other", "x", p).ok());
  EXPECT_EQ(*store.Count("shop"), 2u);
  std::map<std::string, std::uint64_t> phashes;
  auto loaded = store.LoadAll("shop", [&](std::string id, ResidentSignature s) { phashes[id] = s.phash; });
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(phashes, (std::map<std::string, std::uint64_t>{{"x", a.resident.phash}, {"y", p.resident.phash}}));
  EXPECT_EQ(loaded->loaded, 2u);
  auto cold = store.FetchCold("shop", {"y", "missing", "x"});
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(*cold, (std::vector<std::optional<std::string>>{p.cold, std::nullopt, a.cold}));

  ASSERT_TRUE(store.Put("shop", "x", p).ok());  // replaces
  EXPECT_EQ(*store.Count("shop"), 2u);
  EXPECT_EQ(store.FetchCold("shop", {"x"})->at(0), p.cold);
  EXPECT_TRUE(*store.Remove("shop", "x"));
  EXPECT_FALSE(*store.Remove("shop", "x"));
  EXPECT_EQ(store.FetchCold("shop", {"x"})->at(0), std::nullopt);
  EXPECT_EQ(*store.RemoveCollection("shop"), 1u);
  EXPECT_EQ(*store.Count("shop"), 0u);
  EXPECT_EQ(*store.Count("other"), 1u);
  EXPECT_EQ(store.Put("", "x", a).code(), StatusCode::kInvalidArgument);
}

TEST_F(PostgresSignatureStoreTest, TheChangeFeedListsEveryWriteInOrder) {
  PostgresSignatureStore writer(OpenProcess());
  PostgresSignatureStore reader(OpenProcess());
  EXPECT_TRUE(reader.shared());
  ASSERT_TRUE(writer.Put("shop", "x", Stored(0)).ok());
  auto loaded = reader.LoadAll("shop", [](std::string, ResidentSignature) {});
  ASSERT_TRUE(loaded.ok());
  const std::uint64_t after_x = loaded->sequence;
  EXPECT_GT(after_x, 0u);
  ASSERT_TRUE(writer.Put("shop", "y", Stored(1)).ok());
  ASSERT_TRUE(writer.Put("other", "z", Stored(1)).ok());  // another collection: not in shop's feed
  ASSERT_TRUE(writer.Remove("shop", "x").ok());
  auto changes = reader.ChangesSince("shop", after_x);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].id, "y");
  ASSERT_TRUE((*changes)[0].resident.has_value());
  EXPECT_EQ((*changes)[0].resident->phash, Stored(1).resident.phash);
  EXPECT_EQ((*changes)[1].id, "x");
  EXPECT_FALSE((*changes)[1].resident.has_value()) << "x was removed";
  EXPECT_LT((*changes)[0].sequence, (*changes)[1].sequence);
  EXPECT_TRUE(reader.ChangesSince("shop", (*changes)[1].sequence)->empty());

  ASSERT_TRUE(writer.RemoveCollection("shop").ok());
  changes = reader.ChangesSince("shop", after_x);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u) << "the removal covers every earlier change";
  EXPECT_TRUE((*changes)[0].collection_removed);
}

TEST_F(PostgresSignatureStoreTest, TwoProcessesFindOneAnothersDuplicates) {
  PostgresSignatureStore store_a(OpenProcess()), store_b(OpenProcess());
  CollectionDedupIndex a({}, &store_a), b({}, &store_b);
  const vips::VImage photo = ClothingPhoto(kLongsleeveA);
  const RgbImage edited = JpegCopy(photo.flip(VIPS_DIRECTION_HORIZONTAL).resize(0.8), 70);

  // b loads the (empty) collection first, so what follows reaches it through the change feed.
  EXPECT_EQ((*b.Get("shop"))->size(), 0u);
  auto signature = a.ComputeSignature(ClothingRgb(kLongsleeveA));
  ASSERT_TRUE(signature.ok());
  ASSERT_TRUE(a.Add("shop", "sleeve", std::move(signature).value()).ok());
  auto seen = b.Get("shop");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  auto report = (*seen)->Check(edited);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->has_duplicate()) << "an upload through one process is a duplicate through the other";
  EXPECT_EQ(report->candidates.front().id, "sleeve");
  EXPECT_FALSE((*b.Get("shop"))->Check(ClothingRgb(kLongsleeveB))->has_duplicate());

  // A removal through b reaches a; so does a whole-collection reset.
  ASSERT_TRUE(b.Remove("shop", "sleeve").ok());
  EXPECT_FALSE((*a.Get("shop"))->Check(edited)->has_duplicate());
  ASSERT_TRUE(b.Add("shop", "pants", std::move(b.ComputeSignature(ClothingRgb(kPants))).value()).ok());
  EXPECT_EQ((*a.Get("shop"))->ids(), std::vector<std::string>{"pants"});
  ASSERT_TRUE(b.Forget("shop").ok());
  EXPECT_EQ((*a.Get("shop"))->size(), 0u);

  // A third process loading now starts from the store, not the feed.
  PostgresSignatureStore store_c(OpenProcess());
  ASSERT_TRUE(a.Add("shop", "sleeve", std::move(a.ComputeSignature(ClothingRgb(kLongsleeveA))).value()).ok());
  CollectionDedupIndex c({}, &store_c);
  EXPECT_EQ((*c.Get("shop"))->ids(), std::vector<std::string>{"sleeve"});
}

TEST_F(PostgresSignatureStoreTest, ConcurrentWritersFromTwoProcessesLoseNothing) {
  PostgresSignatureStore store_a(OpenProcess()), store_b(OpenProcess());
  CollectionDedupIndex a({}, &store_a), b({}, &store_b);
  ASSERT_TRUE(a.Get("shop").ok());
  ASSERT_TRUE(b.Get("shop").ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      CollectionDedupIndex& index = t % 2 ? b : a;
      SignatureStore& store = t % 2 ? static_cast<SignatureStore&>(store_b) : store_a;
      for (int i = 0; i < 15; ++i) {
        // Straight to the store (no detector work): what matters is the feed's order and completeness.
        if (!store.Put("shop", std::to_string(t) + "-" + std::to_string(i), Stored(i % 2)).ok()) ++failures;
        if (i % 5 == 0 && !index.Get("shop").ok()) ++failures;  // readers catch up meanwhile
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*a.Get("shop"))->size(), 60u);
  EXPECT_EQ((*b.Get("shop"))->size(), 60u);
}

TEST_F(PostgresSignatureStoreTest, APrunedFeedMakesAReaderBehindItReload) {
  PostgresSignatureStoreOptions pruning;
  pruning.feed_retention = std::chrono::seconds(0);  // every change older than this transaction goes
  pruning.prune_every = 1;
  PostgresSignatureStore writer(OpenProcess(), pruning);
  PostgresSignatureStore store_b(OpenProcess());
  CollectionDedupIndex b({}, &store_b);
  EXPECT_EQ((*b.Get("shop"))->size(), 0u);  // loaded (empty) before the writes below

  ASSERT_TRUE(writer.Put("shop", "x", Stored(0)).ok());
  ASSERT_TRUE(writer.Put("shop", "y", Stored(1)).ok());  // prunes x's change
  ASSERT_TRUE(writer.Put("shop", "z", Stored(1)).ok());  // prunes y's change
  auto changes = store_b.ChangesSince("shop", 0);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_TRUE((*changes)[0].reload) << "the feed no longer reaches back to 0";
  // The index reloads from the store and sees all three; a fresh load starts past the floor.
  EXPECT_EQ((*b.Get("shop"))->ids(), (std::vector<std::string>{"x", "y", "z"}));
  auto loaded = store_b.LoadAll("shop", [](std::string, ResidentSignature) {});
  ASSERT_TRUE(loaded.ok());
  auto after_load = store_b.ChangesSince("shop", loaded->sequence);
  ASSERT_TRUE(after_load.ok());
  EXPECT_TRUE(after_load->empty());
  ASSERT_TRUE(writer.Remove("shop", "x").ok());
  EXPECT_EQ((*b.Get("shop"))->ids(), (std::vector<std::string>{"y", "z"}));
}

}  // namespace
}  // namespace iris
