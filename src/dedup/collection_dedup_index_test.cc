#include "dedup/collection_dedup_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "dedup/dedup_test_photos.h"
#include "dedup/signature_codec.h"
#include "dedup/sqlite_signature_store.h"
#include "dedup/tiered_signature_codec.h"
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
    SqliteSignatureStore store(*db);
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
  SqliteSignatureStore store(*db);
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
  SqliteSignatureStore store(*db);
  const DuplicateSignature s = Signature(ClothingRgb(kPants));
  const StoredSignature stored = DuplicateDetector().Tier(s);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(store.Put("c", "old" + std::to_string(i), stored).ok());

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

TEST(CollectionDedupIndexTest, CorruptRowsAreSkippedAndStoreErrorsAreReturned) {
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SqliteSignatureStore store(*db);
  const DuplicateSignature s = Signature(ClothingRgb(kPants));
  const StoredSignature stored = DuplicateDetector().Tier(s);
  for (const char* id : {"good", "bad", "cold-bad", "cold-gone"}) ASSERT_TRUE(store.Put("c", id, stored).ok());
  ASSERT_TRUE(db->Write([](SqliteConnection& c) -> Status {
                  IRIS_RETURN_IF_ERROR(c.Execute(
                      "UPDATE duplicate_resident SET resident = substr(resident, 1, 100) WHERE item_id = 'bad'"));
                  IRIS_RETURN_IF_ERROR(
                      c.Execute("UPDATE duplicate_cold SET cold = substr(cold, 1, 3000) WHERE item_id = 'cold-bad'"));
                  return c.Execute("DELETE FROM duplicate_cold WHERE item_id = 'cold-gone'");
                }).ok());
  CollectionDedupIndex index({}, &store);
  Result<std::shared_ptr<DuplicateDetector>> d = index.Get("c");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // A corrupt resident row is skipped at load; the cold tier is only read by checks.
  EXPECT_EQ((*d)->ids(), (std::vector<std::string>{"cold-bad", "cold-gone", "good"}));
  Result<DuplicateReport> r = (*d)->Check(ClothingRgb(kPants));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(r->candidates.front().id, "good");
  std::map<std::string, std::string> reasons;
  for (const DuplicateCandidate& c : r->candidates) reasons[c.id] = c.reason;
  EXPECT_EQ(reasons.count("cold-gone"), 0u);  // no cold part: left out (as if removed during the check)
  ASSERT_EQ(reasons.count("cold-bad"), 1u);   // a cold part that does not decode: reported, never a duplicate
  EXPECT_NE(reasons["cold-bad"].find("not verified: its stored signature does not decode"), std::string::npos)
      << reasons["cold-bad"];
  EXPECT_EQ((*d)->CheckStored("cold-bad").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*d)->CheckStored("cold-gone").status().code(), StatusCode::kNotFound);
  Result<DuplicateReport> good = (*d)->CheckStored("good");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_EQ(good->candidates.size(), 1u);  // cold-bad, not verified (cold-gone is left out)
  EXPECT_EQ(good->candidates.front().id, "cold-bad");
  EXPECT_FALSE(good->has_duplicate());
  // Re-upserting the item with its image repairs it.
  ASSERT_TRUE(index.Add("c", "cold-bad", s).ok());
  EXPECT_TRUE((*d)->CheckStored("cold-bad")->has_duplicate());

  // Storage gone: changes fail and leave the detector as it was; checks that need cold parts fail;
  // an unloaded collection cannot load.
  db->Close();
  EXPECT_FALSE(index.Add("c", "new", s).ok());
  EXPECT_FALSE((*d)->Contains("new"));
  EXPECT_FALSE(index.Remove("c", "good").ok());
  EXPECT_TRUE((*d)->Contains("good"));
  EXPECT_FALSE(index.Forget("c").ok());
  EXPECT_EQ((*d)->Check(ClothingRgb(kPants)).status().code(), StatusCode::kFailedPrecondition);
  Result<std::shared_ptr<DuplicateDetector>> unloaded = index.Get("never-loaded");
  ASSERT_FALSE(unloaded.ok());
  EXPECT_EQ(unloaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(index.For("never-loaded")->size(), 0u);  // For logs the error and answers from an empty index
}

TEST(CollectionDedupIndexTest, V1DataDirKeepsWorking) {
  // Rows written by a build before the two tiers are converted on the collection's first load.
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  for (const char* file : {kLongsleeveA, kPants}) {
    const std::string blob = EncodeSignature(Signature(ClothingRgb(file)));
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) -> Status {
                    IRIS_ASSIGN_OR_RETURN(SqliteStatement s,
                                          c.Prepare("INSERT INTO duplicate_signatures VALUES ('shop', ?, ?, 'x')"));
                    IRIS_RETURN_IF_ERROR(s.BindText(1, file));
                    IRIS_RETURN_IF_ERROR(s.BindBlob(2, blob));
                    return s.Run();
                  }).ok());
  }
  SqliteSignatureStore store(*db);
  CollectionDedupIndex index({}, &store);
  const vips::VImage a = ClothingPhoto(kLongsleeveA);
  Result<DuplicateReport> r = index.For("shop")->Check(JpegCopy(a.flip(VIPS_DIRECTION_HORIZONTAL), 80));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(r->candidates.front().id, kLongsleeveA);
  EXPECT_EQ(index.For("shop")->size(), 2u);
  ASSERT_TRUE(index.Remove("shop", kPants).ok());
  EXPECT_EQ(*store.Count("shop"), 1u);
}

TEST(CollectionDedupIndexTest, ConcurrentAddRemoveAndChecks) {
  // Writers add and remove items of a persistent collection while readers check and re-check stored
  // items: no check fails, and every check's duplicates are items that were stored at some point.
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SqliteSignatureStore store(*db);
  CollectionDedupIndex index({}, &store);
  const DuplicateSignature a = Signature(ClothingRgb(kLongsleeveA)), p = Signature(ClothingRgb(kPants));
  ASSERT_TRUE(index.Add("c", "anchor", a).ok());
  ASSERT_TRUE(index.Add("c", "anchor-copy", a).ok());
  const RgbImage query = ClothingRgb(kLongsleeveA);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        char id[16];
        std::snprintf(id, sizeof(id), "w%d-%d", t, i % 5);
        if (!index.Add("c", id, i % 2 ? a : p).ok()) ++failures;
        if (i % 3 == 2 && !index.Remove("c", id).ok()) ++failures;
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        auto d = index.Get("c");
        if (!d.ok()) {
          ++failures;
          continue;
        }
        Result<DuplicateReport> r = t == 0 ? (*d)->Check(query) : (*d)->CheckStored("anchor");
        if (!r.ok() || !r->has_duplicate()) ++failures;  // the anchor and its copy are always there
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto d = index.Get("c");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*store.Count("c"), (*d)->size());
  CollectionDedupIndex reloaded({}, &store);
  EXPECT_EQ(reloaded.For("c")->ids(), (*d)->ids());
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
  std::vector<StoredSignature> signatures;
  for (const std::string& file : testing::ClothingFiles(40)) {
    signatures.push_back(DuplicateDetector().Tier(Signature(ClothingRgb(file))));
  }
  testing::TempDir dir;
  auto db = OpenDb(dir.path());
  SqliteSignatureStore store(*db);
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point since) {
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
  };
  const auto put_start = Clock::now();
  std::size_t blob_bytes = 0, cold_bytes = 0;
  for (std::size_t i = 0; i < kItems; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "item-%04zu", i);
    blob_bytes += EncodeResident(signatures[i % signatures.size()].resident).size();
    cold_bytes += signatures[i % signatures.size()].cold.size();
    ASSERT_TRUE(store.Put("big", id, signatures[i % signatures.size()]).ok());
  }
  const double put_ms = ms(put_start);
  ASSERT_EQ(*store.Count("big"), kItems);

  const auto decode_start = Clock::now();
  Result<SignatureStore::LoadReport> report = store.LoadAll("big", [](std::string, ResidentSignature) {});
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
      "%zu signatures: %.2f KB resident + %.1f KB cold per signature in SQLite, put %.2f ms each, read+decode "
      "(resident) %.1f ms, load into the detector %.1f ms (%.3f ms each), detector memory ~%.2f KB per signature "
      "(RSS delta)\n",
      kItems, blob_bytes / 1024.0 / kItems, cold_bytes / 1024.0 / kItems, put_ms / kItems, read_decode_ms, load_ms,
      load_ms / kItems, (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / 1024.0 / kItems);
  std::error_code ec;
  std::printf("database file: %.1f MB (+ WAL %.1f MB)\n",
              std::filesystem::file_size(dir.path() / "iris.db", ec) / 1048576.0,
              std::filesystem::file_size(dir.path() / "iris.db-wal", ec) / 1048576.0);
}

}  // namespace
}  // namespace iris
