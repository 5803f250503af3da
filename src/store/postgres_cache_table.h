// PostgresCacheTable: the CacheTable (cache_table.h) in the PostgreSQL database shared by several
// `iris serve` processes (table result_cache of store/postgres_schema.cc), so a result one process
// computed is a hit in every other.
//
// The total size is kept in the one-row result_cache_usage by a trigger. A store updates that row
// (through the trigger) before it evicts, so stores from all processes take its row lock in turn:
// evictions never race and the bound holds across processes. Lookups and touches do not take it.
// Values travel as bytea in hex text.
// Ownership: borrows the PostgresDatabase, which must outlive the table.
#pragma once

#include "store/cache_table.h"
#include "store/postgres_database.h"

namespace iris {

class PostgresCacheTable final : public CacheTable {
 public:
  explicit PostgresCacheTable(PostgresDatabase& db) : db_(db) {}

  Result<std::optional<CacheRow>> Find(const std::string& digest, std::int64_t stale_before_us) override;
  Status Touch(const std::string& digest, std::int64_t stamp_us) override;
  Result<std::int64_t> Store(const CacheKey& key, const std::string& digest, std::string_view value, std::int64_t size,
                             std::int64_t stamp_us, std::int64_t max_bytes) override;
  Result<std::int64_t> Trim(std::int64_t max_bytes) override;
  Result<std::int64_t> StoredBytes() override;

 private:
  PostgresDatabase& db_;
};

}  // namespace iris
