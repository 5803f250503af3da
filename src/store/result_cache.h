// ResultCache: the content-hash cache of operation results, stored in the result_cache table.
//
// A CacheKey names one result: the input's content sha256, the operation, its parameters as
// canonical JSON, and the version of the model that produced it (so a new model never serves an
// old answer). The table key is the sha256 of those four parts. Values are opaque bytes (the
// caller's serialised result).
//
// GetOrCompute is single-flight: while one caller computes a key, concurrent callers of the same
// key wait for that result instead of computing it again. A successful result is stored before
// the flight ends, so each key is computed once; an error result is handed to the waiting callers
// but not stored, and the next call computes again.
//
// Counters (atomics, for metrics), one count per Get/GetOrCompute call: a hit is a call answered
// with a value without running compute (found in the table, or shared from a concurrent caller's
// successful computation); a miss is every other call (Get found nothing; GetOrCompute ran
// compute, or shared a concurrent caller's error). A failed lookup counts as neither.
//
// Ownership: borrows the Database, which must outlive the cache.
// Thread-safety: all methods are safe from any number of threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/database.h"

namespace iris {

// Compact JSON with object keys sorted at every level, so equal parameters give equal text
// ({"b":1,"a":2} and {"a":2,"b":1} -> {"a":2,"b":1}). Invalid UTF-8 in strings is replaced by
// U+FFFD instead of throwing.
std::string CanonicalJson(const nlohmann::json& params);

struct CacheKey {
  std::string content_sha256;
  std::string operation;
  std::string canonical_params;  // use CanonicalJson (or CacheKey::Make)
  std::string model_version;

  static CacheKey Make(std::string content_sha256, std::string operation, const nlohmann::json& params,
                       std::string model_version);

  // The table key: sha256 hex of the four parts, each length-prefixed so no two keys collide by
  // moving text between parts.
  std::string Digest() const;
};

class ResultCache {
 public:
  explicit ResultCache(Database& db) : db_(db) {}
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  // The stored value, or nullopt when the key was never stored. Counts a hit or a miss.
  Result<std::optional<std::string>> Get(const CacheKey& key);
  // Stores (or replaces) the value for key.
  Status Put(const CacheKey& key, std::string_view value);
  // The stored value, or compute()'s result, computed once per key across concurrent callers
  // (see the contract above). A failure to store a computed value is logged, not returned.
  Result<std::string> GetOrCompute(const CacheKey& key, const std::function<Result<std::string>()>& compute);

  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  // Looks up a digest without touching the counters; refreshes last_hit_at on a hit.
  Result<std::optional<std::string>> Lookup(const std::string& digest);
  // The leader's work for one flight: lookup, else compute and store.
  Result<std::string> LookupOrCompute(const CacheKey& key, const std::string& digest,
                                      const std::function<Result<std::string>()>& compute, bool& computed);

  Database& db_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};

  std::mutex flights_mutex_;
  std::unordered_map<std::string, std::shared_future<Result<std::string>>> flights_;  // by digest
};

}  // namespace iris
