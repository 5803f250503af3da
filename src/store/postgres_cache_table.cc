#include "store/postgres_cache_table.h"

#include "store/result_cache.h"

namespace iris {
namespace {

// Deletes least recently used rows (never keep_key) until the total is within max_bytes. The caller
// holds the usage row's lock (its own store updated it, or it is taken here first).
Result<std::int64_t> EvictOverflow(PgConnection& c, const std::string& keep_key, std::int64_t max_bytes) {
  IRIS_ASSIGN_OR_RETURN(PgResult usage, c.Exec("SELECT bytes FROM result_cache_usage WHERE id = 0 FOR UPDATE"));
  if (usage.rows() == 0) return Internal("result cache: result_cache_usage has no row");
  const std::int64_t excess = usage.Int64(0, 0) - max_bytes;
  if (excess <= 0) return 0;
  // The oldest rows whose sizes, summed in LRU order, first reach the excess.
  IRIS_ASSIGN_OR_RETURN(
      PgResult deleted,
      c.Exec("WITH ordered AS (SELECT key, SUM(size) OVER (ORDER BY last_used_us, key) - size AS before "
             "FROM result_cache WHERE key <> $1) "
             "DELETE FROM result_cache WHERE key IN (SELECT key FROM ordered WHERE before < $2)",
             {keep_key, std::to_string(excess)}));
  return deleted.affected();
}

}  // namespace

Result<std::optional<CacheRow>> PostgresCacheTable::Find(const std::string& digest, std::int64_t stale_before_us) {
  std::optional<CacheRow> found;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    found.reset();
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT value, (NOT hit OR last_used_us < $1)::int FROM result_cache "
                                             "WHERE key = $2",
                                             {std::to_string(stale_before_us), digest}));
    if (r.rows() > 0) found = CacheRow{r.Bytes(0, 0), r.Int64(0, 1) != 0};
    return Status::Ok();
  }));
  return found;
}

Status PostgresCacheTable::Touch(const std::string& digest, std::int64_t stamp_us) {
  return db_.Transaction([&](PgConnection& c) {
    return c
        .Exec("UPDATE result_cache SET last_used_us = GREATEST(last_used_us, $1), hit = true WHERE key = $2",
              {std::to_string(stamp_us), digest})
        .status();
  });
}

Result<std::int64_t> PostgresCacheTable::Store(const CacheKey& key, const std::string& digest, std::string_view value,
                                               std::int64_t size, std::int64_t stamp_us, std::int64_t max_bytes) {
  std::int64_t evicted = 0;
  const std::string hex = PgByteaHex(value);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    // The usage row first: every store takes the same lock in the same order (no deadlocks).
    IRIS_RETURN_IF_ERROR(c.Exec("SELECT 1 FROM result_cache_usage WHERE id = 0 FOR UPDATE").status());
    IRIS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO result_cache(key, content_sha256, operation, params, model_version, value, size, "
               "last_used_us) VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8) ON CONFLICT (key) DO UPDATE SET "
               "value = excluded.value, size = excluded.size, last_used_us = excluded.last_used_us, hit = false, "
               "created_at = now()",
               {digest, key.content_sha256, key.operation, key.canonical_params, key.model_version, hex,
                std::to_string(size), std::to_string(stamp_us)})
            .status());
    IRIS_ASSIGN_OR_RETURN(evicted, EvictOverflow(c, digest, max_bytes));
    return Status::Ok();
  }));
  return evicted;
}

Result<std::int64_t> PostgresCacheTable::Trim(std::int64_t max_bytes) {
  std::int64_t evicted = 0;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(evicted, EvictOverflow(c, "", max_bytes));
    return Status::Ok();
  }));
  return evicted;
}

Result<std::int64_t> PostgresCacheTable::StoredBytes() {
  std::int64_t bytes = 0;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT bytes FROM result_cache_usage WHERE id = 0"));
    bytes = r.rows() > 0 ? r.Int64(0, 0) : 0;
    return Status::Ok();
  }));
  return bytes;
}

}  // namespace iris
