#include "dedup/collection_dedup_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "dedup/dedup_test_photos.h"
#include "dedup/signature_codec.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using testing::ClothingPhoto;
using testing::ClothingRgb;
using testing::JpegCopy;
using testing::kLongsleeveA;
using testing::kLongsleeveB;
using testing::kPants;

DuplicateSignature Signature(const RgbImage& image) {
  Result<DuplicateSignature> s = DuplicateDetector().ComputeSignature(image);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return std::move(s).value();
}

std::unique_ptr<Database> OpenDb(const std::filesystem::path& dir) {
  auto db = Database::Open(dir / "iris.db");
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  return std::move(db).value();
}

TEST(CollectionDedupIndexTest, InMemoryOneDetectorPerCollectionRemoveAndForget) {
  CollectionDedupIndex index;
  EXPECT_FALSE(index.persistent());
  const RgbImage photo = ClothingRgb(kLongsleeveA);
  ASSERT_TRUE(index.Add("a", "p1", Signature(photo)).ok());
  EXPECT_EQ(index.For("a").get(), index.For("a").get());
  EXPECT_EQ(index.For("a")->size(), 1u);
  EXPECT_EQ(index.For("b")->size(), 0u);  // collections do not share signatures

  auto report = index.For("a")->Check(photo);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->has_duplicate());
  EXPECT_EQ(report->candidates.front().id, "p1");
  EXPECT_FALSE(index.For("b")->Check(photo)->has_duplicate());

  EXPECT_TRUE(index.Remove("b", "p1").ok());
  EXPECT_TRUE(index.Remove("never-used", "p1").ok());
  EXPECT_TRUE(index.For("a")->Contains("p1"));
  EXPECT_TRUE(index.Remove("a", "p1").ok());
  EXPECT_FALSE(index.For("a")->Contains("p1"));
  EXPECT_FALSE(index.For("a")->Check(photo)->has_duplicate());

  ASSERT_TRUE(index.Add("a", "p1", Signature(photo)).ok());
  ASSERT_TRUE(index.Forget("a").ok());
  EXPECT_EQ(index.For("a")->size(), 0u);
}

TEST(CollectionDedupIndexTest, SignaturesSurviveARestart) {
  testing::TempDir dir;
  const vips::VImage a = ClothingPhoto(kLongsleeveA);
  {
    auto db = OpenDb(dir.path());
    SignatureStore store(*db);
    CollectionDedupIndex index({}, &store);
    EXPECT_TRUE(index.persistent());
    Result<DuplicateSignature> sa = index.ComputeSignature(ClothingRgb(kLongsleeveA));
    ASSERT_TRUE(sa.ok());
    ASSERT_TRUE(index.Add("shop", "a", std::move(sa).value()).ok());
    ASSERT_TRUE(index.Add("shop", "b", Signature(ClothingRgb(kLongsleeveB))).ok());
    ASSERT_TRUE(index.Add("shop", "pants", Signature(ClothingRgb(kPants))).ok());
    ASSERT_TRUE(index.Add("other", "pants", Signature(ClothingRgb(kPants))).ok());
    ASSERT_TRUE(index.Remove("shop", "b").ok());
    ASSERT_TRUE(index.Remove("shop", "never-added").ok());
    // Replacing "pants" in "other" by A's signature.
    ASSERT_TRUE(index.Add("other", "pants", Signature(ClothingRgb(kLongsleeveA))).ok());
    EXPECT_EQ(index.For("shop")->size(), 2u);
    db->Close();
  }
  auto db = OpenDb(dir.path());  // the server restarts
  SignatureStore store(*db);
  CollectionDedupIndex index({}, &store);
  Result<std::shared_ptr<DuplicateDetector>> shop = index.Get("shop");
  ASSERT_TRUE(shop.ok()) << shop.status().ToString();
  EXPECT_EQ((*shop)->ids(), (std::vector<std::string>{"a", "pants"}));
  Result<DuplicateReport> r = (*shop)->Check(JpegCopy(a.flip(VIPS_DIRECTION_HORIZONTAL).resize(0.8), 70));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(r->candidates.front().id, "a");
  EXPECT_FALSE((*shop)->Check(ClothingRgb(kLongsleeveB))->has_duplicate());  // removed before the restart
  // "other" holds A's signature under "pants" (the replacement).
  Result<DuplicateReport> other = index.For("other")->Check(ClothingRgb(kLongsleeveA));
  ASSERT_TRUE(other.ok() && other->has_duplicate());
  EXPECT_EQ(other->candidates.front().id, "pants");

  // Remove before the collection was loaded (a DELETE right after the restart) is persisted too.
  CollectionDedupIndex fresh({}, &store);
  ASSERT_TRUE(fresh.Remove("shop", "pants").ok());
  EXPECT_EQ(*store.Count("shop"), 1u);
  EXPECT_EQ(fresh.For("shop")->ids(), std::vector<std::string>{"a"});

  ASSERT_TRUE(index.Forget("shop").ok());
  EXPECT_EQ(index.For("shop")->size(), 0u);
  EXPECT_EQ(*store.Count("shop"), 0u);
  EXPECT_EQ(*store.Count("other"), 1u);
  EXPECT_EQ(CollectionDedupIndex({}, &store).For("shop")->size(), 0u);
}

TEST(CollectionDedupIndexTest, ConcurrentFirstUsesShareOneLoad) {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SignatureStore store(*db);
  const DuplicateSignature s = Signature(ClothingRgb(kPants));
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(store.Put("c", "old" + std::to_string(i), s).ok());

  CollectionDedupIndex index({}, &store);
  std::vector<std::shared_ptr<DuplicateDetector>> seen(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (t % 2 == 0) {  // half of them add while the others read
        EXPECT_TRUE(index.Add("c", "new" + std::to_string(t), s).ok());
      }
      Result<std::shared_ptr<DuplicateDetector>> d = index.Get("c");
      EXPECT_TRUE(d.ok());
      if (d.ok()) seen[t] = *d;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& d : seen) EXPECT_EQ(d.get(), seen[0].get());  // a second load would have replaced it
  EXPECT_EQ(seen[0]->size(), 44u);
  EXPECT_EQ(*store.Count("c"), 44u);
}

TEST(CollectionDedupIndexTest, CorruptRowIsSkippedAndStoreErrorsAreReturned) {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SignatureStore store(*db);
  const DuplicateSignature s = Signature(ClothingRgb(kPants));
  ASSERT_TRUE(store.Put("c", "good", s).ok());
  ASSERT_TRUE(store.Put("c", "bad", s).ok());
  ASSERT_TRUE(db->Write([](SqliteConnection& c) {
                  return c.Execute(
                      "UPDATE duplicate_signatures SET signature = substr(signature, 1, 100) "
                      "WHERE item_id = 'bad'");
                }).ok());
  CollectionDedupIndex index({}, &store);
  Result<std::shared_ptr<DuplicateDetector>> d = index.Get("c");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)->ids(), std::vector<std::string>{"good"});

  // Storage gone: changes fail and leave the detector as it was; an unloaded collection cannot load.
  db->Close();
  EXPECT_FALSE(index.Add("c", "new", s).ok());
  EXPECT_FALSE((*d)->Contains("new"));
  EXPECT_FALSE(index.Remove("c", "good").ok());
  EXPECT_TRUE((*d)->Contains("good"));
  EXPECT_FALSE(index.Forget("c").ok());
  Result<std::shared_ptr<DuplicateDetector>> unloaded = index.Get("never-loaded");
  ASSERT_FALSE(unloaded.ok());
  EXPECT_EQ(unloaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(index.For("never-loaded")->size(), 0u);  // For logs the error and answers from an empty index
}

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

TEST(CollectionDedupIndexTest, LoadsAThousandRealSignatures) {
  // 40 real photos' signatures stored under 1000 ids (25 copies each), then loaded by a fresh index.
  constexpr std::size_t kItems = 1000;
  std::vector<DuplicateSignature> signatures;
  for (const std::string& file : testing::ClothingFiles(40)) signatures.push_back(Signature(ClothingRgb(file)));
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SignatureStore store(*db);
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point since) {
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
  };
  const auto put_start = Clock::now();
  std::size_t blob_bytes = 0;
  for (std::size_t i = 0; i < kItems; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "item-%04zu", i);
    blob_bytes += EncodeSignature(signatures[i % signatures.size()]).size();
    ASSERT_TRUE(store.Put("big", id, signatures[i % signatures.size()]).ok());
  }
  const double put_ms = ms(put_start);
  ASSERT_EQ(*store.Count("big"), kItems);

  const auto decode_start = Clock::now();
  Result<SignatureStore::LoadReport> report = store.LoadAll("big", [](std::string, DuplicateSignature) {});
  const double read_decode_ms = ms(decode_start);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->loaded, kItems);
  EXPECT_EQ(report->bytes, blob_bytes);

  CollectionDedupIndex index({}, &store);
  const std::size_t rss_before = ResidentBytes();
  const auto load_start = Clock::now();
  Result<std::shared_ptr<DuplicateDetector>> d = index.Get("big");
  const double load_ms = ms(load_start);
  const std::size_t rss_after = ResidentBytes();
  ASSERT_TRUE(d.ok());
  ASSERT_EQ((*d)->size(), kItems);
  // item-0000's signature is stored 24 more times (item-0040, item-0080, ...).
  Result<DuplicateReport> r = (*d)->CheckStored("item-0000");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(r->candidates.front().hash_distance, 0);
  EXPECT_EQ(r->candidates.front().id.substr(0, 5), "item-");
  EXPECT_NE(r->candidates.front().id, "item-0000");

  std::printf(
      "%zu signatures: %.1f KB per signature in SQLite (blob), put %.2f ms each, read+decode %.1f ms, "
      "load into the detector %.1f ms (%.3f ms each), detector memory ~%.1f KB per signature (RSS delta)\n",
      kItems, blob_bytes / 1024.0 / kItems, put_ms / kItems, read_decode_ms, load_ms, load_ms / kItems,
      (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / 1024.0 / kItems);
  std::error_code ec;
  std::printf("database file: %.1f MB (+ WAL %.1f MB)\n",
              std::filesystem::file_size(dir.path() / "iris.db", ec) / 1048576.0,
              std::filesystem::file_size(dir.path() / "iris.db-wal", ec) / 1048576.0);
}

}  // namespace
}  // namespace iris
