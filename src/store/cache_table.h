// CacheTable: where ResultCache (result_cache.h) keeps its entries, as an interface with two
// implementations:
//   SqliteCacheTable   (sqlite_cache_table.h)   table result_cache in iris.db: the embedded default
//   PostgresCacheTable (postgres_cache_table.h) table result_cache in the PostgreSQL database of
//                                               storage.database_url, shared by every process
// ResultCache does the keying, sizing, counters and single-flight; a table only stores rows keyed by
// digest, each with its size and last use (unix microseconds), and keeps the sum of sizes at hand so
// a store can tell in O(1) whether least recently used rows must go.
//
// Thread-safety: every method is safe from any thread (each is one transaction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace iris {

struct CacheKey;

struct CacheRow {
  std::string value;
  bool stale = false;  // its last use is older than the caller's stale_before_us (or was never a hit)
};

class CacheTable {
 public:
  virtual ~CacheTable() = default;

  // The row of digest, if any.
  virtual Result<std::optional<CacheRow>> Find(const std::string& digest, std::int64_t stale_before_us) = 0;
  // Records a hit: the row's last use becomes stamp_us. A missing row is not an error.
  virtual Status Touch(const std::string& digest, std::int64_t stamp_us) = 0;
  // Stores (or replaces) the row, then deletes least recently used rows other than this one while
  // the total size is over max_bytes, in the same transaction. Returns how many rows it deleted.
  virtual Result<std::int64_t> Store(const CacheKey& key, const std::string& digest, std::string_view value,
                                     std::int64_t size, std::int64_t stamp_us, std::int64_t max_bytes) = 0;
  // Deletes least recently used rows while the total is over max_bytes; returns how many.
  virtual Result<std::int64_t> Trim(std::int64_t max_bytes) = 0;
  // The total size of the stored rows.
  virtual Result<std::int64_t> StoredBytes() = 0;
};

}  // namespace iris
