// SqliteCacheTable: the CacheTable (cache_table.h) in iris.db (table result_cache with the
// trigger-kept total in result_cache_usage; migrations 1 and 4 in store/schema.cc). Writes go through
// the Database's one writer connection, lookups through its reader pool.
// Ownership: borrows the Database, which must outlive the table.
#pragma once

#include "store/cache_table.h"
#include "store/database.h"

namespace iris {

class SqliteCacheTable final : public CacheTable {
 public:
  explicit SqliteCacheTable(Database& db) : db_(db) {}

  Result<std::optional<CacheRow>> Find(const std::string& digest, std::int64_t stale_before_us) override;
  Status Touch(const std::string& digest, std::int64_t stamp_us) override;
  Result<std::int64_t> Store(const CacheKey& key, const std::string& digest, std::string_view value, std::int64_t size,
                             std::int64_t stamp_us, std::int64_t max_bytes) override;
  Result<std::int64_t> Trim(std::int64_t max_bytes) override;
  Result<std::int64_t> StoredBytes() override;

 private:
  Database& db_;
};

}  // namespace iris
