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

}  // namespace
}  // namespace iris
