#include "store/result_cache.h"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/logging.h"
#include "store/sqlite_cache_table.h"

namespace iris {
namespace {

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

ResultCache::ResultCache(Database& db, ResultCacheOptions options)
    : ResultCache(std::make_unique<SqliteCacheTable>(db), options) {}

ResultCache::ResultCache(std::unique_ptr<CacheTable> table, ResultCacheOptions options)
    : table_(std::move(table)), options_(options) {}

Result<std::optional<std::string>> ResultCache::Lookup(const std::string& digest) {
  const std::int64_t stamp = NextUseStamp();
  const auto interval_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.touch_interval).count();
  IRIS_ASSIGN_OR_RETURN(std::optional<CacheRow> row, table_->Find(digest, stamp - interval_us));
  if (!row) return std::optional<std::string>();
  if (row->stale) {
    // The value is good even if its use could not be recorded.
    Status status = table_->Touch(digest, stamp);
    if (!status.ok()) LogWarn("store.cache_hit_time_not_recorded", {{"error", status.ToString()}});
  }
  return std::optional<std::string>(std::move(row->value));
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
  IRIS_ASSIGN_OR_RETURN(std::int64_t evicted,
                        table_->Store(key, key.Digest(), value, size, NextUseStamp(), options_.max_bytes));
  evictions_.fetch_add(static_cast<std::uint64_t>(evicted), std::memory_order_relaxed);
  return Status::Ok();
}

Status ResultCache::Trim() {
  IRIS_ASSIGN_OR_RETURN(std::int64_t evicted, table_->Trim(options_.max_bytes));
  evictions_.fetch_add(static_cast<std::uint64_t>(evicted), std::memory_order_relaxed);
  return Status::Ok();
}

Result<std::int64_t> ResultCache::StoredBytes() { return table_->StoredBytes(); }

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
