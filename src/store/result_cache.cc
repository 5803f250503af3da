#include "store/result_cache.h"

#include <exception>
#include <utility>

#include "core/hash.h"
#include "core/logging.h"

namespace iris {
namespace {

constexpr char kNow[] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// last_hit_at is refreshed at most this often per key, so a hot key does not turn every hit into
// a write queued behind the single writer connection. Coarse is enough for LRU eviction.
constexpr char kHitRefreshAge[] = "'-60 seconds'";

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

Result<std::optional<std::string>> ResultCache::Lookup(const std::string& digest) {
  std::optional<std::string> value;
  bool refresh_hit_time = false;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare(std::string("SELECT value, last_hit_at IS NULL OR last_hit_at < "
                                                         "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ") +
                                             kHitRefreshAge + ") FROM result_cache WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, digest));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) {
      value = select.ColumnBlob(0);
      refresh_hit_time = select.ColumnInt64(1) != 0;
    }
    return Status::Ok();
  }));
  if (value && refresh_hit_time) {
    Status status = db_.Write([&](SqliteConnection& connection) -> Status {
      IRIS_ASSIGN_OR_RETURN(
          SqliteStatement update,
          connection.Prepare(std::string("UPDATE result_cache SET last_hit_at = ") + kNow + " WHERE key = ?"));
      IRIS_RETURN_IF_ERROR(update.BindText(1, digest));
      return update.Run();
    });
    // The value is good even if its hit time could not be recorded.
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
  std::string digest = key.Digest();
  return db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement insert,
                          connection.Prepare(std::string("INSERT INTO result_cache(key, content_sha256, operation, "
                                                         "params, model_version, value, created_at) "
                                                         "VALUES (?, ?, ?, ?, ?, ?, ") +
                                             kNow +
                                             ") ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                                             "created_at = excluded.created_at"));
    IRIS_RETURN_IF_ERROR(insert.BindText(1, digest));
    IRIS_RETURN_IF_ERROR(insert.BindText(2, key.content_sha256));
    IRIS_RETURN_IF_ERROR(insert.BindText(3, key.operation));
    IRIS_RETURN_IF_ERROR(insert.BindText(4, key.canonical_params));
    IRIS_RETURN_IF_ERROR(insert.BindText(5, key.model_version));
    IRIS_RETURN_IF_ERROR(insert.BindBlob(6, value));
    return insert.Run();
  });
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
