#include "dedup/signature_store.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "dedup/dedup_test_photos.h"
#include "dedup/signature_codec.h"
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

class SignatureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<SignatureStore>(*db_);
  }

  std::map<std::string, std::uint64_t> LoadPhashes(const std::string& collection,
                                                   SignatureStore::LoadReport* report = nullptr) {
    std::map<std::string, std::uint64_t> out;
    Result<SignatureStore::LoadReport> r =
        store_->LoadAll(collection, [&](std::string id, DuplicateSignature s) { out[std::move(id)] = s.phash; });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (report && r.ok()) *report = *r;
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SignatureStore> store_;
};

TEST_F(SignatureStoreTest, PutReplaceRemoveAndCountPerCollection) {
  const DuplicateSignature &a = RealSignature(0), &p = RealSignature(1);
  ASSERT_TRUE(store_->Put("shop", "x", a).ok());
  ASSERT_TRUE(store_->Put("shop", "y", p).ok());
  ASSERT_TRUE(store_->Put("other", "x", p).ok());
  EXPECT_EQ(*store_->Count("shop"), 2u);
  EXPECT_EQ(*store_->Count("other"), 1u);
  EXPECT_EQ(*store_->Count("none"), 0u);
  EXPECT_EQ(LoadPhashes("shop"), (std::map<std::string, std::uint64_t>{{"x", a.phash}, {"y", p.phash}}));

  ASSERT_TRUE(store_->Put("shop", "x", p).ok());  // replaces
  EXPECT_EQ(*store_->Count("shop"), 2u);
  EXPECT_EQ(LoadPhashes("shop").at("x"), p.phash);

  EXPECT_TRUE(*store_->Remove("shop", "x"));
  EXPECT_FALSE(*store_->Remove("shop", "x"));
  EXPECT_EQ(*store_->Count("shop"), 1u);
  EXPECT_EQ(*store_->RemoveCollection("shop"), 1u);
  EXPECT_EQ(*store_->Count("shop"), 0u);
  EXPECT_EQ(*store_->Count("other"), 1u);  // untouched
  EXPECT_EQ(store_->Put("", "x", a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("shop", "", a).code(), StatusCode::kInvalidArgument);

  // updated_at is ISO-8601 UTC with milliseconds, like the other tables.
  std::string updated_at;
  ASSERT_TRUE(db_->Read([&](SqliteConnection& c) -> Status {
                   IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT updated_at FROM duplicate_signatures"));
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
  const DuplicateSignature& a = RealSignature(0);
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_TRUE(store_->Put("shop", id, a).ok());
  std::string v2 = EncodeSignature(a);
  v2[4] = 9;  // a future format version
  ASSERT_TRUE(
      db_->Write([&](SqliteConnection& c) -> Status {
           IRIS_RETURN_IF_ERROR(
               c.Execute("UPDATE duplicate_signatures SET signature = substr(signature, 1, 1000) WHERE item_id = 'b'"));
           IRIS_RETURN_IF_ERROR(c.Execute("UPDATE duplicate_signatures SET signature = x'00' WHERE item_id = 'c'"));
           IRIS_ASSIGN_OR_RETURN(SqliteStatement s,
                                 c.Prepare("UPDATE duplicate_signatures SET signature = ? WHERE item_id = 'd'"));
           IRIS_RETURN_IF_ERROR(s.BindBlob(1, v2));
           return s.Run();
         })
          .ok());
  SignatureStore::LoadReport report;
  EXPECT_EQ(LoadPhashes("shop", &report), (std::map<std::string, std::uint64_t>{{"a", a.phash}}));
  EXPECT_EQ(report.loaded, 1u);
  EXPECT_EQ(report.corrupt_ids, (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(*store_->Count("shop"), 4u);  // skipped, not deleted: a newer build may still read "d"
}

TEST_F(SignatureStoreTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!store_->Put("shop", std::to_string(t) + "-" + std::to_string(i), RealSignature(i % 2)).ok()) ++failures;
        if (i % 5 == 0 && !store_->Count("shop").ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 5; ++i) {
      if (!store_->LoadAll("shop", [](std::string, DuplicateSignature) {}).ok()) ++failures;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->Count("shop"), 100u);
  EXPECT_EQ(LoadPhashes("shop").size(), 100u);
}

TEST_F(SignatureStoreTest, ClosedDatabaseIsAnError) {
  db_->Close();
  EXPECT_EQ(store_->Put("shop", "x", RealSignature(0)).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->Remove("shop", "x").ok());
  EXPECT_FALSE(store_->RemoveCollection("shop").ok());
  EXPECT_FALSE(store_->Count("shop").ok());
  EXPECT_FALSE(store_->LoadAll("shop", [](std::string, DuplicateSignature) {}).ok());
}

}  // namespace
}  // namespace iris
