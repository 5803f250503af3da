// ResultCache on both CacheTable backends: iris.db (SqliteCacheTable) and a real PostgreSQL server
// started for the test (PostgresCacheTable, support/postgres_process.h). SQLite-only details
// (migrations, the trigger-kept total against the table) stay in result_cache_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/postgres_cache_table.h"
#include "store/result_cache.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

const std::string kSha(64, 'b');

class ResultCacheContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr std::int64_t kMaxBytes = 20'000;
  static constexpr std::int64_t kMaxEntryBytes = 5'000;

  void SetUp() override {
    if (GetParam() == "sqlite") {
      auto db = Database::Open(dir_.path() / "iris.db");
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      sqlite_ = std::move(db).value();
    } else {
      url_ = testing::PostgresProcess::Shared().CreateDatabase();
    }
  }

  // A new cache over the same data: another "process" on PostgreSQL.
  std::unique_ptr<ResultCache> OpenCache(std::int64_t max_bytes = kMaxBytes) {
    ResultCacheOptions options;
    options.max_bytes = max_bytes;
    options.max_entry_bytes = kMaxEntryBytes;
    if (sqlite_) return std::make_unique<ResultCache>(*sqlite_, options);
    auto db = PostgresDatabase::Open(url_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    postgres_.push_back(std::move(db).value());
    return std::make_unique<ResultCache>(std::make_unique<PostgresCacheTable>(*postgres_.back()), options);
  }

  static CacheKey Key(int i) {
    std::string id = std::to_string(i);
    return CacheKey::Make(kSha, "colors", {{"i", std::string(4 - id.size(), '0') + id}}, "v1");
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> sqlite_;
  std::string url_;
  std::vector<std::unique_ptr<PostgresDatabase>> postgres_;
};

TEST_P(ResultCacheContractTest, AStoredValueIsAHitAndBinaryBytesSurvive) {
  auto cache = OpenCache();
  auto missing = cache->Get(Key(1));
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());
  std::string binary("\x00\x01\xff\x7f\\x00'\"", 9);
  ASSERT_TRUE(cache->Put(Key(1), binary).ok());
  auto got = cache->Get(Key(1));
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, binary);
  ASSERT_TRUE(cache->Put(Key(1), "replaced").ok());
  EXPECT_EQ(cache->Get(Key(1)).value().value(), "replaced");
  EXPECT_FALSE(cache->Get(CacheKey::Make(kSha, "colors", {{"i", "0001"}}, "v2")).value().has_value());
  EXPECT_EQ(cache->hits(), 2u);
  EXPECT_EQ(cache->misses(), 2u);
  EXPECT_EQ(cache->StoredBytes().value(), ResultCache::EntrySize(Key(1), "replaced"));
}

TEST_P(ResultCacheContractTest, ProcessesSeeEachOthersResults) {
  auto first = OpenCache();
  auto second = OpenCache();
  int computed = 0;
  auto compute = [&]() -> Result<std::string> {
    ++computed;
    return std::string("embedding");
  };
  EXPECT_EQ(first->GetOrCompute(Key(7), compute).value(), "embedding");
  EXPECT_EQ(second->GetOrCompute(Key(7), compute).value(), "embedding");
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(second->hits(), 1u);
}

TEST_P(ResultCacheContractTest, TheBoundHoldsAndTheLeastRecentlyUsedGoFirst) {
  auto cache = OpenCache();
  const std::string value(2'000, 'v');
  const std::int64_t entry = ResultCache::EntrySize(Key(0), value);
  const int capacity = static_cast<int>(kMaxBytes / entry);
  for (int i = 0; i < capacity; ++i) ASSERT_TRUE(cache->Put(Key(i), value).ok());
  // Key 0 is used again; key 1 is now the oldest.
  ASSERT_TRUE(cache->Get(Key(0)).value().has_value());
  ASSERT_TRUE(cache->Put(Key(capacity), value).ok());
  EXPECT_TRUE(cache->Get(Key(0)).value().has_value());
  EXPECT_FALSE(cache->Get(Key(1)).value().has_value());
  EXPECT_TRUE(cache->Get(Key(capacity)).value().has_value());
  EXPECT_LE(cache->StoredBytes().value(), kMaxBytes);
  EXPECT_EQ(cache->evictions(), 1u);

  const std::string too_big(kMaxEntryBytes, 'x');
  ASSERT_TRUE(cache->Put(Key(99), too_big).ok());
  EXPECT_FALSE(cache->Get(Key(99)).value().has_value());
  EXPECT_EQ(cache->not_stored(), 1u);

  // A process with a smaller bound trims the shared table to it.
  auto small = OpenCache(entry * 2);
  ASSERT_TRUE(small->Trim().ok());
  EXPECT_LE(small->StoredBytes().value(), entry * 2);
  EXPECT_TRUE(small->Get(Key(capacity)).value().has_value());  // the newest stays
}

TEST_P(ResultCacheContractTest, ConcurrentStoresFromSeveralProcessesKeepTheTotalExact) {
  std::vector<std::unique_ptr<ResultCache>> caches;
  for (int p = 0; p < 3; ++p) caches.push_back(OpenCache());
  const std::string value(1'500, 'w');
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!caches[t % 3]->Put(Key(t * 100 + i), value).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  const std::int64_t stored = caches[0]->StoredBytes().value();
  EXPECT_LE(stored, kMaxBytes);
  const std::int64_t entry = ResultCache::EntrySize(Key(0), value);
  EXPECT_EQ(stored % entry, 0);  // the trigger-kept total counts whole entries only
  int present = 0;
  for (int t = 0; t < 6; ++t) {
    for (int i = 0; i < 25; ++i) present += caches[1]->Get(Key(t * 100 + i)).value().has_value() ? 1 : 0;
  }
  EXPECT_EQ(present * entry, stored);
}

INSTANTIATE_TEST_SUITE_P(Backends, ResultCacheContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace iris
