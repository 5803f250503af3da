// KeyService: the API keys of `iris serve` (docs/security.md), for the server's access check
// (api/access_control.h) and the `iris keys` commands alike.
//  - Create makes a key (auth/api_key.h) and stores its hash; the key text is returned once and is
//    not recoverable afterwards. List and Revoke never see a secret.
//  - Check tells whether a presented key is valid. Records are cached for options.cache_ttl (2 s):
//    a key unknown to the cache is read from iris.db at once (a key made by `iris keys create` in
//    another process works on its first request), and a revoke made by another process is seen
//    within cache_ttl; a revoke through this object is seen at once. Unknown ids are never cached.
//  - last_used_at is written at most once per options.last_used_interval (60 s) per key and
//    process, not on every request.
//  - TakeRequest applies the key's rate limit (auth/rate_limiter.h).
// Errors: Create: kInvalidArgument for a bad name or rate limit; Revoke: kInvalidArgument for a
// malformed id, kNotFound for an unknown one; storage errors as Database returns them.
// Ownership: owns its ApiKeyStore (iris.db, or the shared PostgreSQL database of storage.database_url,
// so a key works on every process); the database behind it must outlive this. Thread-safety: every method is
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_key_store.h"
#include "auth/rate_limiter.h"
#include "core/result.h"
#include "store/database.h"
#include "store/postgres_database.h"

namespace iris::app {

struct KeyServiceOptions {
  std::chrono::milliseconds cache_ttl{2000};
  std::chrono::milliseconds last_used_interval{60000};
};

struct NewApiKey {
  std::string name;  // 1..100 characters, no control characters
  bool read_only = false;
  std::int64_t rate_limit_per_minute = 0;  // 0: unlimited; at most 1,000,000
};

struct CreatedApiKey {
  auth::ApiKeyRecord record;
  std::string key;  // iris_<id>_<secret>: shown once
};

enum class KeyCheck {
  kValid,
  kMalformed,  // not iris_<id>_<secret>
  kUnknown,    // no such id, or the secret does not match
  kRevoked,    // the right secret of a revoked key
};

struct KeyCheckResult {
  KeyCheck outcome = KeyCheck::kMalformed;
  std::string key_id;         // the presented id when the key was well-formed (public: safe to log)
  auth::ApiKeyRecord record;  // kValid only
};

class KeyService {
 public:
  // Keys in iris.db.
  explicit KeyService(Database& database, KeyServiceOptions options = {});
  // Keys in any store, e.g. PostgresApiKeyStore.
  explicit KeyService(std::unique_ptr<auth::ApiKeyStore> store, KeyServiceOptions options = {});

  Result<CreatedApiKey> Create(const NewApiKey& request);
  Result<std::vector<auth::ApiKeyRecord>> List() const;
  // Returns false when the key was already revoked.
  Result<bool> Revoke(std::string_view id);

  // An error only when storage fails; every verdict on the key itself is in the result.
  Result<KeyCheckResult> Check(std::string_view presented);
  // nullopt: within the key's rate limit. Otherwise the seconds until it may retry (>= 1).
  std::optional<int> TakeRequest(const auth::ApiKeyRecord& key);

 private:
  struct Cached {
    auth::ApiKeyRecord record;
    std::chrono::steady_clock::time_point fetched;
    std::chrono::steady_clock::time_point touched{};  // last last_used_at write by this process
  };
  // The record of `id`, from the cache while fresh, else from the database; nullopt if unknown.
  Result<std::optional<auth::ApiKeyRecord>> Lookup(const std::string& id);
  void NoteUse(const std::string& id);

  std::unique_ptr<auth::ApiKeyStore> store_;
  const KeyServiceOptions options_;
  auth::RateLimiter limiter_;
  std::mutex mutex_;
  std::map<std::string, Cached, std::less<>> cache_;  // guarded by mutex_
};

// For `iris keys`: the keys of the servers using data_dir and database_url -- the PostgreSQL database
// when database_url is set, else <data_dir>/iris.db (created and migrated if needed).
struct OpenedKeyService {
  std::unique_ptr<Database> database;
  std::unique_ptr<PostgresDatabase> shared_database;
  std::unique_ptr<KeyService> keys;  // declared last: destroyed before the database it uses
};
Result<OpenedKeyService> OpenKeyService(const std::filesystem::path& data_dir, const std::string& database_url = "");

}  // namespace iris::app
