#include "dedup/sqlite_signature_store.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "dedup/dedup_test_photos.h"
#include "dedup/signature_codec.h"
#include "dedup/tiered_signature_codec.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

// Real signatures of two photos, computed once.
const DuplicateSignature& RealSignature(int which) {
  static const std::vector<DuplicateSignature> signatures = [] {
    std::vector<DuplicateSignature> out;
    for (const char* file : {testing::kLongsleeveA, testing::kPants}) {
      Result<DuplicateSignature> s = DuplicateDetector().ComputeSignature(testing::ClothingRgb(file));
      if (!s.ok()) throw std::runtime_error(s.status().ToString());
      out.push_back(std::move(s).value());
    }
    return out;
  }();
  return signatures.at(static_cast<std::size_t>(which));
}

// Its two tiers, as a detector with default options stores them.
const StoredSignature& Stored(int which) {
  static const std::vector<StoredSignature> stored = [] {
    return std::vector<StoredSignature>{DuplicateDetector().Tier(RealSignature(0)),
                                        DuplicateDetector().Tier(RealSignature(1))};
  }();
  return stored.at(static_cast<std::size_t>(which));
}

// Writes `blob` as a v1 row, as a build before the two tiers did.
Status PutV1(Database& db, const std::string& collection, const std::string& id, const std::string& blob) {
  return db.Write([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement s,
                          c.Prepare("INSERT INTO duplicate_signatures(collection, item_id, signature, updated_at) "
                                    "VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z')"));
    IRIS_RETURN_IF_ERROR(s.BindText(1, collection));
    IRIS_RETURN_IF_ERROR(s.BindText(2, id));
    IRIS_RETURN_IF_ERROR(s.BindBlob(3, blob));
    return s.Run();
  });
}

std::size_t Rows(Database& db, const std::string& table) {
  std::size_t n = 0;
  EXPECT_TRUE(db.Read([&](SqliteConnection& c) -> Status {
                  IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT COUNT(*) FROM " + table));
                  IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
                  if (row) n = static_cast<std::size_t>(s.ColumnInt64(0));
                  return Status::Ok();
                }).ok());
  return n;
}

class SignatureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<SqliteSignatureStore>(*db_);
  }

  std::map<std::string, std::uint64_t> LoadPhashes(const std::string& collection,
                                                   SignatureStore::LoadReport* report = nullptr) {
    std::map<std::string, std::uint64_t> out;
    Result<SignatureStore::LoadReport> r =
        store_->LoadAll(collection, [&](std::string id, ResidentSignature s) { out[std::move(id)] = s.phash; });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (report && r.ok()) *report = *r;
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SignatureStore> store_;
};

TEST_F(SignatureStoreTest, PutReplaceRemoveAndCountPerCollection) {
  const StoredSignature &a = Stored(0), &p = Stored(1);
  ASSERT_TRUE(store_->Put("shop", "x", a).ok());
  ASSERT_TRUE(store_->Put("shop", "y", p).ok());
  ASSERT_TRUE(store_->Put("other", "x", p).ok());
  EXPECT_EQ(*store_->Count("shop"), 2u);
  EXPECT_EQ(*store_->Count("other"), 1u);
  EXPECT_EQ(*store_->Count("none"), 0u);
  EXPECT_EQ(LoadPhashes("shop"),
            (std::map<std::string, std::uint64_t>{{"x", a.resident.phash}, {"y", p.resident.phash}}));
  auto cold = store_->FetchCold("shop", {"y", "missing", "x"});
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(*cold, (std::vector<std::optional<std::string>>{p.cold, std::nullopt, a.cold}));

  ASSERT_TRUE(store_->Put("shop", "x", p).ok());  // replaces
  EXPECT_EQ(*store_->Count("shop"), 2u);
  EXPECT_EQ(LoadPhashes("shop").at("x"), p.resident.phash);
  EXPECT_EQ(store_->FetchCold("shop", {"x"})->at(0), p.cold);

  EXPECT_TRUE(*store_->Remove("shop", "x"));  // both tiers
  EXPECT_FALSE(*store_->Remove("shop", "x"));
  EXPECT_EQ(store_->FetchCold("shop", {"x"})->at(0), std::nullopt);
  EXPECT_EQ(Rows(*db_, "duplicate_resident"), 2u);
  EXPECT_EQ(Rows(*db_, "duplicate_cold"), 2u);
  EXPECT_EQ(*store_->Count("shop"), 1u);
  EXPECT_EQ(*store_->RemoveCollection("shop"), 1u);
  EXPECT_EQ(*store_->Count("shop"), 0u);
  EXPECT_EQ(*store_->Count("other"), 1u);  // untouched
  EXPECT_EQ(Rows(*db_, "duplicate_resident"), 1u);
  EXPECT_EQ(Rows(*db_, "duplicate_cold"), 1u);
  EXPECT_EQ(store_->Put("", "x", a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("shop", "", a).code(), StatusCode::kInvalidArgument);

  // updated_at is ISO-8601 UTC with milliseconds, like the other tables.
  std::string updated_at;
  ASSERT_TRUE(db_->Read([&](SqliteConnection& c) -> Status {
                   IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT updated_at FROM duplicate_resident"));
                   IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
                   if (row) updated_at = s.ColumnText(0);
                   return Status::Ok();
                 })
                  .ok());
  ASSERT_EQ(updated_at.size(), 24u) << updated_at;  // 2024-01-02T03:04:05.678Z
  EXPECT_EQ(updated_at[10], 'T');
  EXPECT_EQ(updated_at[19], '.');
  EXPECT_EQ(updated_at.back(), 'Z');
}

TEST_F(SignatureStoreTest, CorruptRowsAreSkippedAndReported) {
  const StoredSignature& a = Stored(0);
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_TRUE(store_->Put("shop", id, a).ok());
  std::string v9 = EncodeResident(a.resident);
  v9[4] = 9;  // a future format version
  ASSERT_TRUE(
      db_->Write([&](SqliteConnection& c) -> Status {
           IRIS_RETURN_IF_ERROR(
               c.Execute("UPDATE duplicate_resident SET resident = substr(resident, 1, 100) WHERE item_id = 'b'"));
           IRIS_RETURN_IF_ERROR(c.Execute("UPDATE duplicate_resident SET resident = x'00' WHERE item_id = 'c'"));
           IRIS_ASSIGN_OR_RETURN(SqliteStatement s,
                                 c.Prepare("UPDATE duplicate_resident SET resident = ? WHERE item_id = 'd'"));
           IRIS_RETURN_IF_ERROR(s.BindBlob(1, v9));
           return s.Run();
         })
          .ok());
  SignatureStore::LoadReport report;
  EXPECT_EQ(LoadPhashes("shop", &report), (std::map<std::string, std::uint64_t>{{"a", a.resident.phash}}));
  EXPECT_EQ(report.loaded, 1u);
  EXPECT_EQ(report.corrupt_ids, (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(*store_->Count("shop"), 4u);  // skipped, not deleted: a newer build may still read "d"
}

TEST_F(SignatureStoreTest, V1RowsAreConvertedOnFirstLoad) {
  // A data dir written before the two tiers: v1 rows only (one corrupt), plus one item already re-upserted.
  ASSERT_TRUE(PutV1(*db_, "shop", "a", EncodeSignature(RealSignature(0))).ok());
  ASSERT_TRUE(PutV1(*db_, "shop", "b", EncodeSignature(RealSignature(1))).ok());
  ASSERT_TRUE(PutV1(*db_, "shop", "broken", EncodeSignature(RealSignature(1)).substr(0, 500)).ok());
  ASSERT_TRUE(PutV1(*db_, "other", "a", EncodeSignature(RealSignature(1))).ok());
  EXPECT_EQ(*store_->Count("shop"), 3u);
  ASSERT_TRUE(store_->Put("shop", "b", Stored(0)).ok());  // a newer upsert replaces the v1 row
  EXPECT_EQ(*store_->Count("shop"), 3u);

  SignatureStore::LoadReport report;
  EXPECT_EQ(LoadPhashes("shop", &report),
            (std::map<std::string, std::uint64_t>{{"a", RealSignature(0).phash}, {"b", RealSignature(0).phash}}));
  EXPECT_EQ(report.converted, 1u);
  EXPECT_EQ(report.corrupt_ids, std::vector<std::string>{"broken"});  // deleted: it could never be used
  EXPECT_EQ(*store_->Count("shop"), 2u);
  // Converted exactly as a fresh Put of the same signature would have stored it.
  EXPECT_EQ(store_->FetchCold("shop", {"a"})->at(0), Stored(0).cold);
  EXPECT_EQ(Rows(*db_, "duplicate_signatures"), 1u);  // "other" is converted on its own first load
  SignatureStore::LoadReport again;
  LoadPhashes("shop", &again);
  EXPECT_EQ(again.converted, 0u);
  EXPECT_EQ(LoadPhashes("other").size(), 1u);
  EXPECT_EQ(Rows(*db_, "duplicate_signatures"), 0u);
}

TEST_F(SignatureStoreTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!store_->Put("shop", std::to_string(t) + "-" + std::to_string(i), Stored(i % 2)).ok()) ++failures;
        if (i % 5 == 0 && !store_->Count("shop").ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 5; ++i) {
      if (!store_->LoadAll("shop", [](std::string, ResidentSignature) {}).ok()) ++failures;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->Count("shop"), 100u);
  EXPECT_EQ(LoadPhashes("shop").size(), 100u);
}

TEST_F(SignatureStoreTest, ClosedDatabaseIsAnError) {
  db_->Close();
  EXPECT_EQ(store_->Put("shop", "x", Stored(0)).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->FetchCold("shop", {"x"}).ok());
  EXPECT_FALSE(store_->Remove("shop", "x").ok());
  EXPECT_FALSE(store_->RemoveCollection("shop").ok());
  EXPECT_FALSE(store_->Count("shop").ok());
  EXPECT_FALSE(store_->LoadAll("shop", [](std::string, ResidentSignature) {}).ok());
}

}  // namespace
}  // namespace iris
