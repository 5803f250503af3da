// ResultCache: the content-hash cache of operation results, stored in a CacheTable (cache_table.h):
// table result_cache of iris.db by default, or of the shared PostgreSQL database
// (storage.database_url), where every process sees the others' results.
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
// Size bound (ResultCacheOptions): an entry's size is EntrySize() (its value and key parts). A value
// whose entry would be larger than max_entry_bytes is not stored (Put succeeds and stores nothing;
// counted in not_stored()). After each store, while the stored entries together exceed max_bytes,
// the least recently used entries are deleted in the same transaction (counted in evictions()), so
// the table never holds more than max_bytes once a Put has returned. (Processes sharing a table
// should share the bound: each trims to its own.) "Used" is a store or a hit; a
// hit refreshes an entry's last use at most once per touch_interval (its first hit always), so a hot
// key does not turn every hit into a write queued behind the single writer connection. The total is
// kept in result_cache_usage by triggers, so the check costs one row read. Deleted rows' pages are
// reused by the database; its file does not shrink. Single-flight is per process: two processes
// missing one key at once both compute it (the second store replaces the first).
//
// Counters (atomics, for metrics), one count per Get/GetOrCompute call: a hit is a call answered
// with a value without running compute (found in the table, or shared from a concurrent caller's
// successful computation); a miss is every other call (Get found nothing; GetOrCompute ran
// compute, or shared a concurrent caller's error). A failed lookup counts as neither.
//
// Ownership: owns its CacheTable; the Database behind it must outlive the cache.
// Thread-safety: all methods are safe from any number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/cache_table.h"
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

struct ResultCacheOptions {
  std::int64_t max_bytes = 256ll << 20;              // analysis.cache_max_bytes; 0 stores nothing
  std::int64_t max_entry_bytes = 8ll << 20;          // analysis.cache_max_entry_bytes
  std::chrono::milliseconds touch_interval{60'000};  // how stale a hit's last use may get before it is rewritten
};

class ResultCache {
 public:
  // On iris.db (SqliteCacheTable).
  explicit ResultCache(Database& db, ResultCacheOptions options = {});
  // On any table, e.g. a PostgresCacheTable shared with other processes.
  explicit ResultCache(std::unique_ptr<CacheTable> table, ResultCacheOptions options = {});
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  // The bytes an entry for key and value counts against the bounds: the value, the parameters, the
  // operation, the model version, and 128 for the two hex digests.
  static std::int64_t EntrySize(const CacheKey& key, std::string_view value);

  // The stored value, or nullopt when the key was never stored (or was evicted). Counts a hit or a miss.
  Result<std::optional<std::string>> Get(const CacheKey& key);
  // Stores (or replaces) the value for key, then evicts least recently used entries while the total
  // is over max_bytes. A value whose entry is over max_entry_bytes is not stored; that is not an error.
  Status Put(const CacheKey& key, std::string_view value);
  // Evicts least recently used entries until the total is within max_bytes (a database written with
  // a larger bound, or by a version without one, is brought within it at start-up).
  Status Trim();
  // The total size of the stored entries (the figure max_bytes bounds).
  Result<std::int64_t> StoredBytes();
  // The stored value, or compute()'s result, computed once per key across concurrent callers
  // (see the contract above). A failure to store a computed value is logged, not returned.
  Result<std::string> GetOrCompute(const CacheKey& key, const std::function<Result<std::string>()>& compute);

  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  std::uint64_t not_stored() const { return not_stored_.load(std::memory_order_relaxed); }

 private:
  // Looks up a digest without touching the counters; refreshes the entry's last use on a hit.
  Result<std::optional<std::string>> Lookup(const std::string& digest);
  // Unix microseconds, strictly increasing across this cache's calls, so LRU order is exact within
  // one process even when two uses fall in the same microsecond.
  std::int64_t NextUseStamp();
  // The leader's work for one flight: lookup, else compute and store.
  Result<std::string> LookupOrCompute(const CacheKey& key, const std::string& digest,
                                      const std::function<Result<std::string>()>& compute, bool& computed);

  const std::unique_ptr<CacheTable> table_;
  const ResultCacheOptions options_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> not_stored_{0};
  std::atomic<std::int64_t> last_stamp_{0};

  std::mutex flights_mutex_;
  std::unordered_map<std::string, std::shared_future<Result<std::string>>> flights_;  // by digest
};

}  // namespace iris
