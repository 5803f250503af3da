#include "store/result_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace iris {
namespace {

const std::string kSha(64, 'a');

class ResultCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    cache_ = std::make_unique<ResultCache>(*db_);
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ResultCache> cache_;
};

TEST_F(ResultCacheTest, MissThenHitWithCounters) {
  CacheKey key = CacheKey::Make(kSha, "detect_faces", {{"min_score", 0.5}}, "yunet-2023mar");
  auto first = cache_->Get(key);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->has_value());
  EXPECT_EQ(cache_->misses(), 1u);
  EXPECT_EQ(cache_->hits(), 0u);

  const std::string value("{\"faces\":[]}\0binary", 19);
  ASSERT_TRUE(cache_->Put(key, value).ok());
  auto second = cache_->Get(key);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, value);
  EXPECT_EQ(cache_->hits(), 1u);
  EXPECT_EQ(cache_->misses(), 1u);

  // A hit records when it happened (for eviction).
  Status status = db_->Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT last_hit_at, operation, params FROM result_cache"));
    IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
    EXPECT_TRUE(row);
    EXPECT_FALSE(s.ColumnIsNull(0));
    EXPECT_EQ(s.ColumnText(1), "detect_faces");
    EXPECT_EQ(s.ColumnText(2), "{\"min_score\":0.5}");
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(ResultCacheTest, PutReplacesAndEveryKeyPartMatters) {
  CacheKey key = CacheKey::Make(kSha, "colors", {{"k", 5}}, "v1");
  ASSERT_TRUE(cache_->Put(key, "old").ok());
  ASSERT_TRUE(cache_->Put(key, "new").ok());
  EXPECT_EQ(cache_->Get(key)->value(), "new");

  std::vector<CacheKey> others = {
      CacheKey::Make(std::string(64, 'b'), "colors", {{"k", 5}}, "v1"),
      CacheKey::Make(kSha, "phash", {{"k", 5}}, "v1"),
      CacheKey::Make(kSha, "colors", {{"k", 6}}, "v1"),
      CacheKey::Make(kSha, "colors", {{"k", 5}}, "v2"),
  };
  for (const CacheKey& other : others) {
    EXPECT_NE(other.Digest(), key.Digest());
    auto got = cache_->Get(other);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value()) << other.operation << other.canonical_params << other.model_version;
  }
  // Moving text between parts gives a different key.
  EXPECT_NE((CacheKey{"ab", "c", "{}", "v"}.Digest()), (CacheKey{"a", "bc", "{}", "v"}.Digest()));
}

TEST_F(ResultCacheTest, CanonicalParamsIgnoreKeyOrder) {
  nlohmann::json ba = nlohmann::json::parse(R"({"b":1,"a":2})");
  nlohmann::json ab = nlohmann::json::parse(R"({"a":2,"b":1})");
  EXPECT_EQ(CanonicalJson(ba), "{\"a\":2,\"b\":1}");
  EXPECT_EQ(CanonicalJson(ba), CanonicalJson(ab));
  EXPECT_EQ(CanonicalJson(nlohmann::json::parse(R"({"z":{"y":1,"x":[3,{"q":1,"p":2}]}})")),
            R"({"z":{"x":[3,{"p":2,"q":1}],"y":1}})");

  CacheKey k1 = CacheKey::Make(kSha, "op", ba, "v1");
  CacheKey k2 = CacheKey::Make(kSha, "op", ab, "v1");
  EXPECT_EQ(k1.Digest(), k2.Digest());
  ASSERT_TRUE(cache_->Put(k1, "value").ok());
  auto got = cache_->Get(k2);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, "value");
}

TEST_F(ResultCacheTest, GetOrComputeComputesOnceThenHits) {
  CacheKey key = CacheKey::Make(kSha, "embed", nlohmann::json::object(), "v1");
  int calls = 0;
  auto compute = [&]() -> Result<std::string> {
    ++calls;
    return std::string("vector");
  };
  EXPECT_EQ(cache_->GetOrCompute(key, compute).value(), "vector");
  EXPECT_EQ(cache_->GetOrCompute(key, compute).value(), "vector");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache_->misses(), 1u);
  EXPECT_EQ(cache_->hits(), 1u);
}

TEST_F(ResultCacheTest, SingleFlightUnderConcurrentMisses) {
  CacheKey key = CacheKey::Make(kSha, "slow", {{"a", 1}}, "v1");
  constexpr int kThreads = 8;
  std::atomic<int> calls{0};
  std::atomic<int> wrong{0};
  auto compute = [&]() -> Result<std::string> {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return std::string("slow result");
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto result = cache_->GetOrCompute(key, compute);
      if (!result.ok() || *result != "slow result") ++wrong;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(cache_->misses(), 1u);
  EXPECT_EQ(cache_->hits(), static_cast<std::uint64_t>(kThreads - 1));
}

TEST_F(ResultCacheTest, ErrorsAreSharedButNotCached) {
  CacheKey key = CacheKey::Make(kSha, "flaky", nlohmann::json::object(), "v1");
  constexpr int kThreads = 8;
  std::atomic<int> calls{0};
  std::atomic<int> got_error{0};
  auto failing = [&]() -> Result<std::string> {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Unavailable("model busy");
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto result = cache_->GetOrCompute(key, failing);
      if (!result.ok() && result.status().code() == StatusCode::kUnavailable &&
          result.status().message() == "model busy") {
        ++got_error;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got_error, kThreads);
  EXPECT_FALSE(cache_->Get(key)->has_value());

  // The next call computes again and its success is cached.
  int later_calls = 0;
  auto succeeding = [&]() -> Result<std::string> {
    ++later_calls;
    return std::string("ok now");
  };
  EXPECT_EQ(cache_->GetOrCompute(key, succeeding).value(), "ok now");
  EXPECT_EQ(cache_->GetOrCompute(key, succeeding).value(), "ok now");
  EXPECT_EQ(later_calls, 1);
}

TEST_F(ResultCacheTest, ThrowingComputeBecomesAnError) {
  CacheKey key = CacheKey::Make(kSha, "throws", nlohmann::json::object(), "v1");
  auto result = cache_->GetOrCompute(key, []() -> Result<std::string> { throw std::runtime_error("bad model"); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("bad model"), std::string::npos);
  // The flight was cleared: a new call runs.
  EXPECT_EQ(cache_->GetOrCompute(key, [] { return Result<std::string>(std::string("fine")); }).value(), "fine");
}

TEST_F(ResultCacheTest, ValuesSurviveReopen) {
  CacheKey key = CacheKey::Make(kSha, "persist", {{"x", true}}, "v1");
  ASSERT_TRUE(cache_->Put(key, "kept").ok());
  cache_.reset();
  db_.reset();
  auto db = Database::Open(dir_.path() / "iris.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ResultCache cache(**db);
  auto got = cache.Get(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, "kept");
}

TEST_F(ResultCacheTest, ManyKeysManyThreads) {
  // 8 threads over 16 keys: each key computed exactly once in total.
  constexpr int kThreads = 8;
  constexpr int kKeys = 16;
  constexpr int kRounds = 20;
  std::vector<std::atomic<int>> calls(kKeys);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        int k = (t + round) % kKeys;
        CacheKey key = CacheKey::Make(kSha, "many", {{"k", k}}, "v1");
        auto result = cache_->GetOrCompute(key, [&, k]() -> Result<std::string> {
          ++calls[k];
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return "value " + std::to_string(k);
        });
        if (!result.ok() || *result != "value " + std::to_string(k)) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(calls[k], 1) << "key " << k;
  EXPECT_EQ(cache_->hits() + cache_->misses(), static_cast<std::uint64_t>(kThreads * kRounds));
  EXPECT_EQ(cache_->misses(), static_cast<std::uint64_t>(kKeys));
}

// A cache with a small size bound over its own database file.
class BoundedResultCacheTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kMaxBytes = 20'000;
  static constexpr std::int64_t kMaxEntryBytes = 5'000;

  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ResultCacheOptions options;
    options.max_bytes = kMaxBytes;
    options.max_entry_bytes = kMaxEntryBytes;
    cache_ = std::make_unique<ResultCache>(*db_, options);
  }

  // Zero-padded, so every key has the same size.
  static CacheKey Key(int i) {
    std::string id = std::to_string(i);
    return CacheKey::Make(kSha, "colors", {{"i", std::string(4 - id.size(), '0') + id}}, "v1");
  }
  bool Stored(int i) { return cache_->Get(Key(i)).value().has_value(); }

  // SUM(size) and COUNT(*) over the table itself, to check the trigger-kept total.
  std::pair<std::int64_t, std::int64_t> TableSizeAndCount() {
    std::pair<std::int64_t, std::int64_t> out;
    Status status = db_->Read([&](SqliteConnection& c) -> Status {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT COALESCE(SUM(size), 0), COUNT(*) FROM result_cache"));
      IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
      EXPECT_TRUE(row);
      out = {s.ColumnInt64(0), s.ColumnInt64(1)};
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ResultCache> cache_;
};

TEST_F(BoundedResultCacheTest, StaysWithinItsBoundWhileStoringMoreThanIt) {
  const std::string value(1'000, 'v');
  const std::int64_t entry = ResultCache::EntrySize(Key(0), value);
  ASSERT_GT(entry, 1'000);
  for (int i = 0; i < 100; ++i) {  // about 5x the bound
    ASSERT_TRUE(cache_->Put(Key(i), value).ok());
    auto stored = cache_->StoredBytes();
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    ASSERT_LE(*stored, kMaxBytes) << "after " << i + 1 << " puts";
    auto [table_bytes, rows] = TableSizeAndCount();
    ASSERT_EQ(table_bytes, *stored) << "the kept total matches the rows";
    ASSERT_EQ(table_bytes, rows * entry);
  }
  const std::int64_t kept = kMaxBytes / entry;
  EXPECT_EQ(TableSizeAndCount().second, kept) << "the cache fills up to its bound";
  EXPECT_EQ(cache_->evictions(), static_cast<std::uint64_t>(100 - kept));
  // The newest entries are the ones kept.
  EXPECT_TRUE(Stored(99));
  EXPECT_TRUE(Stored(static_cast<int>(100 - kept)));
  EXPECT_FALSE(Stored(static_cast<int>(100 - kept - 1)));
  EXPECT_FALSE(Stored(0));
}

TEST_F(BoundedResultCacheTest, EvictsTheLeastRecentlyUsedFirst) {
  const std::string value(3'000, 'v');
  const int capacity = static_cast<int>(kMaxBytes / ResultCache::EntrySize(Key(0), value));  // 6
  ASSERT_GE(capacity, 3);
  for (int i = 0; i < capacity; ++i) ASSERT_TRUE(cache_->Put(Key(i), value).ok());
  EXPECT_EQ(cache_->evictions(), 0u);
  // Key 0, the oldest store, is used now; key 1 becomes the least recently used.
  ASSERT_TRUE(Stored(0));
  ASSERT_TRUE(cache_->Put(Key(capacity), value).ok());
  EXPECT_EQ(cache_->evictions(), 1u);
  EXPECT_TRUE(Stored(0)) << "a hit keeps an entry";
  EXPECT_FALSE(Stored(1)) << "the least recently used entry goes first";
  EXPECT_TRUE(Stored(2));
  // Replacing a value counts as a use too.
  ASSERT_TRUE(cache_->Put(Key(2), value).ok());
  ASSERT_TRUE(cache_->Put(Key(capacity + 1), value).ok());
  EXPECT_TRUE(Stored(2));
  EXPECT_FALSE(Stored(3));
}

TEST_F(BoundedResultCacheTest, EntriesOverTheEntryCapAreNotStored) {
  const std::string big(kMaxEntryBytes, 'b');  // plus its key parts: over the cap
  ASSERT_GT(ResultCache::EntrySize(Key(1), big), kMaxEntryBytes);
  ASSERT_TRUE(cache_->Put(Key(0), "small").ok());
  EXPECT_TRUE(cache_->Put(Key(1), big).ok()) << "not storing is not an error";
  EXPECT_FALSE(Stored(1));
  EXPECT_EQ(cache_->not_stored(), 1u);
  EXPECT_TRUE(Stored(0)) << "an oversize value evicts nothing";
  EXPECT_EQ(cache_->evictions(), 0u);
  // GetOrCompute still hands the computed value back, and computes it again next time.
  int calls = 0;
  auto compute = [&]() -> Result<std::string> {
    ++calls;
    return big;
  };
  EXPECT_EQ(cache_->GetOrCompute(Key(2), compute).value(), big);
  EXPECT_EQ(cache_->GetOrCompute(Key(2), compute).value(), big);
  EXPECT_EQ(calls, 2);
}

TEST(ResultCacheMigrationTest, ADatabaseFromBeforeTheBoundOpensAndIsTrimmedToIt) {
  testing::TempDir dir;
  // The migrations before the bound (later ones, e.g. duplicate_signature_tiers, do not touch the cache).
  std::vector<Migration> before_bound;
  for (const Migration& m : IrisMigrations()) {
    if (m.name == "result_cache_size_bound") break;
    before_bound.push_back(m);
  }
  ASSERT_LT(before_bound.size(), IrisMigrations().size()) << "no result_cache_size_bound migration";
  const std::string value(1'000, 'v');
  {
    // The previous version's table: no size, no last_used_us; hits recorded in last_hit_at.
    auto db = Database::Open(dir.path() / "iris.db", {}, before_bound);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status status = (*db)->Write([&](SqliteConnection& c) -> Status {
      for (int i = 0; i < 10; ++i) {
        const CacheKey key = CacheKey::Make(kSha, "colors", {{"i", i}}, "v1");
        IRIS_ASSIGN_OR_RETURN(
            SqliteStatement insert,
            c.Prepare("INSERT INTO result_cache(key, content_sha256, operation, params, "
                      "model_version, value, created_at, last_hit_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        IRIS_RETURN_IF_ERROR(insert.BindText(1, key.Digest()));
        IRIS_RETURN_IF_ERROR(insert.BindText(2, key.content_sha256));
        IRIS_RETURN_IF_ERROR(insert.BindText(3, key.operation));
        IRIS_RETURN_IF_ERROR(insert.BindText(4, key.canonical_params));
        IRIS_RETURN_IF_ERROR(insert.BindText(5, key.model_version));
        IRIS_RETURN_IF_ERROR(insert.BindBlob(6, value));
        IRIS_RETURN_IF_ERROR(insert.BindText(7, "2024-05-01T12:00:0" + std::to_string(i) + ".000Z"));
        // Entry 0, the oldest stored, was hit last.
        if (i == 0) {
          IRIS_RETURN_IF_ERROR(insert.BindText(8, "2024-05-02T00:00:00.000Z"));
        } else {
          IRIS_RETURN_IF_ERROR(insert.BindNull(8));
        }
        IRIS_RETURN_IF_ERROR(insert.Run());
      }
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  auto db = Database::Open(dir.path() / "iris.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->schema_version(), IrisMigrations().back().version);
  const CacheKey first = CacheKey::Make(kSha, "colors", {{"i", 0}}, "v1");
  const std::int64_t entry = ResultCache::EntrySize(first, value);
  ResultCacheOptions options;
  options.max_bytes = 4 * entry;
  ResultCache cache(**db, options);
  EXPECT_EQ(cache.StoredBytes().value(), 10 * entry) << "sizes of the old rows are counted by the migration";
  ASSERT_TRUE(cache.Trim().ok());
  EXPECT_EQ(cache.StoredBytes().value(), 4 * entry);
  EXPECT_EQ(cache.evictions(), 6u);
  auto stored = [&](int i) { return cache.Get(CacheKey::Make(kSha, "colors", {{"i", i}}, "v1")).value().has_value(); };
  EXPECT_TRUE(stored(0)) << "its last hit counts as its last use";
  for (int i = 1; i <= 6; ++i) EXPECT_FALSE(stored(i)) << i;
  for (int i = 7; i <= 9; ++i) EXPECT_TRUE(stored(i)) << i;
}

}  // namespace
}  // namespace iris
