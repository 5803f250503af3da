#include "store/sqlite_cache_table.h"

#include <vector>

#include "store/result_cache.h"

namespace iris {
namespace {

constexpr char kNow[] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// Deletes least recently used rows (never keep_rowid) until the total is within max_bytes.
Result<std::int64_t> EvictOverflow(SqliteConnection& connection, std::int64_t keep_rowid, std::int64_t max_bytes) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement usage, connection.Prepare("SELECT bytes FROM result_cache_usage WHERE id = 0"));
  IRIS_ASSIGN_OR_RETURN(bool has_usage, usage.Step());
  if (!has_usage) return Internal("result cache: result_cache_usage has no row");
  std::int64_t excess = usage.ColumnInt64(0) - max_bytes;
  if (excess <= 0) return 0;

  // Oldest use first; (last_used_us, size) is an index, so this reads no values.
  std::vector<std::int64_t> victims;
  {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement oldest,
                          connection.Prepare("SELECT rowid, size FROM result_cache WHERE rowid != ? "
                                             "ORDER BY last_used_us"));
    IRIS_RETURN_IF_ERROR(oldest.BindInt64(1, keep_rowid));
    while (excess > 0) {
      IRIS_ASSIGN_OR_RETURN(bool row, oldest.Step());
      if (!row) break;
      victims.push_back(oldest.ColumnInt64(0));
      excess -= oldest.ColumnInt64(1);
    }
  }
  IRIS_ASSIGN_OR_RETURN(SqliteStatement remove, connection.Prepare("DELETE FROM result_cache WHERE rowid = ?"));
  for (std::int64_t rowid : victims) {
    IRIS_RETURN_IF_ERROR(remove.Reset());
    IRIS_RETURN_IF_ERROR(remove.BindInt64(1, rowid));
    IRIS_RETURN_IF_ERROR(remove.Run());
  }
  return static_cast<std::int64_t>(victims.size());
}

}  // namespace

Result<std::optional<CacheRow>> SqliteCacheTable::Find(const std::string& digest, std::int64_t stale_before_us) {
  std::optional<CacheRow> found;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT value, last_hit_at IS NULL OR last_used_us < ? "
                                             "FROM result_cache WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(select.BindInt64(1, stale_before_us));
    IRIS_RETURN_IF_ERROR(select.BindText(2, digest));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) found = CacheRow{select.ColumnBlob(0), select.ColumnInt64(1) != 0};
    return Status::Ok();
  }));
  return found;
}

Status SqliteCacheTable::Touch(const std::string& digest, std::int64_t stamp_us) {
  return db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement update,
                          connection.Prepare(std::string("UPDATE result_cache SET last_used_us = ?, last_hit_at = ") +
                                             kNow + " WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(update.BindInt64(1, stamp_us));
    IRIS_RETURN_IF_ERROR(update.BindText(2, digest));
    return update.Run();
  });
}

Result<std::int64_t> SqliteCacheTable::Store(const CacheKey& key, const std::string& digest, std::string_view value,
                                             std::int64_t size, std::int64_t stamp_us, std::int64_t max_bytes) {
  std::int64_t evicted = 0;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement insert,
                          connection.Prepare(std::string("INSERT INTO result_cache(key, content_sha256, operation, "
                                                         "params, model_version, value, size, last_used_us, "
                                                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ") +
                                             kNow +
                                             ") ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                                             "size = excluded.size, last_used_us = excluded.last_used_us, "
                                             "created_at = excluded.created_at"));
    IRIS_RETURN_IF_ERROR(insert.BindText(1, digest));
    IRIS_RETURN_IF_ERROR(insert.BindText(2, key.content_sha256));
    IRIS_RETURN_IF_ERROR(insert.BindText(3, key.operation));
    IRIS_RETURN_IF_ERROR(insert.BindText(4, key.canonical_params));
    IRIS_RETURN_IF_ERROR(insert.BindText(5, key.model_version));
    IRIS_RETURN_IF_ERROR(insert.BindBlob(6, value));
    IRIS_RETURN_IF_ERROR(insert.BindInt64(7, size));
    IRIS_RETURN_IF_ERROR(insert.BindInt64(8, stamp_us));
    IRIS_RETURN_IF_ERROR(insert.Run());
    std::int64_t stored_rowid = 0;
    {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select, connection.Prepare("SELECT rowid FROM result_cache WHERE key = ?"));
      IRIS_RETURN_IF_ERROR(select.BindText(1, digest));
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Internal("result cache: the entry just stored is missing");
      stored_rowid = select.ColumnInt64(0);
    }
    IRIS_ASSIGN_OR_RETURN(evicted, EvictOverflow(connection, stored_rowid, max_bytes));
    return Status::Ok();
  }));
  return evicted;
}

Result<std::int64_t> SqliteCacheTable::Trim(std::int64_t max_bytes) {
  std::int64_t evicted = 0;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(evicted, EvictOverflow(connection, -1, max_bytes));
    return Status::Ok();
  }));
  return evicted;
}

Result<std::int64_t> SqliteCacheTable::StoredBytes() {
  std::int64_t bytes = 0;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT bytes FROM result_cache_usage WHERE id = 0"));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) bytes = select.ColumnInt64(0);
    return Status::Ok();
  }));
  return bytes;
}

}  // namespace iris
