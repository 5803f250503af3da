#include "store/result_cache.h"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/logging.h"

namespace iris {
namespace {

constexpr char kNow[] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

void AppendPart(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

}  // namespace

std::string CanonicalJson(const nlohmann::json& params) {
  // nlohmann::json keeps object members in a std::map, so dump() already emits keys sorted at
  // every level; indent -1 gives the compact form.
  return params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

CacheKey CacheKey::Make(std::string content_sha256, std::string operation, const nlohmann::json& params,
                        std::string model_version) {
  return {std::move(content_sha256), std::move(operation), CanonicalJson(params), std::move(model_version)};
}

std::string CacheKey::Digest() const {
  std::string text;
  text.reserve(content_sha256.size() + operation.size() + canonical_params.size() + model_version.size() + 32);
  AppendPart(text, content_sha256);
  AppendPart(text, operation);
  AppendPart(text, canonical_params);
  AppendPart(text, model_version);
  return Sha256Hex(text);
}

std::int64_t ResultCache::EntrySize(const CacheKey& key, std::string_view value) {
  // The same sum as migration 4 computes for rows stored before sizes were recorded.
  return static_cast<std::int64_t>(value.size() + key.canonical_params.size() + key.operation.size() +
                                   key.model_version.size() + 128);
}

std::int64_t ResultCache::NextUseStamp() {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::int64_t previous = last_stamp_.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = std::max(now, previous + 1);
  } while (!last_stamp_.compare_exchange_weak(previous, next, std::memory_order_relaxed));
  return next;
}

Result<std::optional<std::string>> ResultCache::Lookup(const std::string& digest) {
  std::optional<std::string> value;
  bool touch = false;
  const std::int64_t stamp = NextUseStamp();
  const auto interval_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.touch_interval).count();
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT value, last_hit_at IS NULL OR last_used_us < ? "
                                             "FROM result_cache WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(select.BindInt64(1, stamp - interval_us));
    IRIS_RETURN_IF_ERROR(select.BindText(2, digest));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) {
      value = select.ColumnBlob(0);
      touch = select.ColumnInt64(1) != 0;
    }
    return Status::Ok();
  }));
  if (value && touch) {
    Status status = db_.Write([&](SqliteConnection& connection) -> Status {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement update,
                            connection.Prepare(std::string("UPDATE result_cache SET last_used_us = ?, last_hit_at = ") +
                                               kNow + " WHERE key = ?"));
      IRIS_RETURN_IF_ERROR(update.BindInt64(1, stamp));
      IRIS_RETURN_IF_ERROR(update.BindText(2, digest));
      return update.Run();
    });
    // The value is good even if its use could not be recorded.
    if (!status.ok()) LogWarn("store.cache_hit_time_not_recorded", {{"error", status.ToString()}});
  }
  return value;
}

Result<std::optional<std::string>> ResultCache::Get(const CacheKey& key) {
  IRIS_ASSIGN_OR_RETURN(std::optional<std::string> value, Lookup(key.Digest()));
  (value ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return value;
}

Status ResultCache::Put(const CacheKey& key, std::string_view value) {
  const std::int64_t size = EntrySize(key, value);
  if (size > options_.max_entry_bytes) {
    not_stored_.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  std::string digest = key.Digest();
  const std::int64_t stamp = NextUseStamp();
  return db_.Write([&](SqliteConnection& connection) -> Status {
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
    IRIS_RETURN_IF_ERROR(insert.BindInt64(8, stamp));
    IRIS_RETURN_IF_ERROR(insert.Run());
    std::int64_t stored_rowid = 0;
    {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select, connection.Prepare("SELECT rowid FROM result_cache WHERE key = ?"));
      IRIS_RETURN_IF_ERROR(select.BindText(1, digest));
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Internal("result cache: the entry just stored is missing");
      stored_rowid = select.ColumnInt64(0);
    }
    return EvictOverflow(connection, stored_rowid);
  });
}

Status ResultCache::Trim() {
  return db_.Write([&](SqliteConnection& connection) { return EvictOverflow(connection, -1); });
}

Result<std::int64_t> ResultCache::StoredBytes() {
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

Status ResultCache::EvictOverflow(SqliteConnection& connection, std::int64_t keep_rowid) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement usage, connection.Prepare("SELECT bytes FROM result_cache_usage WHERE id = 0"));
  IRIS_ASSIGN_OR_RETURN(bool has_usage, usage.Step());
  if (!has_usage) return Internal("result cache: result_cache_usage has no row");
  std::int64_t excess = usage.ColumnInt64(0) - options_.max_bytes;
  if (excess <= 0) return Status::Ok();

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
  evictions_.fetch_add(victims.size(), std::memory_order_relaxed);
  return Status::Ok();
}

Result<std::string> ResultCache::LookupOrCompute(const CacheKey& key, const std::string& digest,
                                                 const std::function<Result<std::string>()>& compute, bool& computed) {
  computed = false;
  Result<std::optional<std::string>> stored = Lookup(digest);
  if (stored.ok() && stored->has_value()) return std::move(**stored);
  // A cache that cannot be read must not stop the work: compute anyway.
  if (!stored.ok())
    LogWarn("store.cache_lookup_failed", {{"operation", key.operation}, {"error", stored.status().ToString()}});

  computed = true;
  Result<std::string> result = Internal("cache compute did not run");
  try {
    result = compute();
  } catch (const std::exception& e) {
    result = Internal(std::string("cache compute threw: ") + e.what());
  } catch (...) {
    result = Internal("cache compute threw a non-standard exception");
  }
  if (result.ok()) {
    Status put = Put(key, *result);
    if (!put.ok()) LogWarn("store.cache_put_failed", {{"operation", key.operation}, {"error", put.ToString()}});
  }
  return result;
}

Result<std::string> ResultCache::GetOrCompute(const CacheKey& key,
                                              const std::function<Result<std::string>()>& compute) {
  std::string digest = key.Digest();
  std::promise<Result<std::string>> promise;
  std::shared_future<Result<std::string>> flight;
  bool leader = false;
  {
    std::lock_guard lock(flights_mutex_);
    auto it = flights_.find(digest);
    if (it != flights_.end()) {
      flight = it->second;
    } else {
      flight = promise.get_future().share();
      flights_.emplace(digest, flight);
      leader = true;
    }
  }
  if (!leader) {
    Result<std::string> shared = flight.get();
    (shared.ok() ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return shared;
  }

  // The leader looks the key up only after registering its flight: any caller arriving later
  // either joins this flight or, once it is gone, finds the stored value. So a key is computed
  // once even when a flight ends between another caller's lookup and its registration.
  bool computed = false;
  Result<std::string> result = LookupOrCompute(key, digest, compute, computed);
  (computed || !result.ok() ? misses_ : hits_).fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(flights_mutex_);
    flights_.erase(digest);
  }
  promise.set_value(result);
  return result;
}

}  // namespace iris
