// ApiKeyStore: where API keys live, as an interface with two implementations (declared below):
//   SqliteApiKeyStore   (sqlite_api_key_store.cc)   table api_keys of iris.db (migration 6, store/schema.cc)
//   PostgresApiKeyStore (postgres_api_key_store.cc) table api_keys of the shared PostgreSQL database
//                                                   (storage.database_url): a key works on every process
// Rows hold a key's public id, name, scope, rate limit, times and the SHA-256 of its secret
// (auth/api_key.h); never the secret.
//
// Errors: storage errors as the database returns them (kUnavailable when locked or unreachable,
// kStorageFull...); Insert: kAlreadyExists when the id is taken; Revoke: kNotFound for an unknown id.
// Thread-safety: every method may be called from any thread. Several processes may share one store
// (the servers and `iris keys`): each call reads or writes the database itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/postgres_database.h"

namespace iris::auth {

enum class KeyScope { kRead, kWrite };  // write implies read

std::string_view KeyScopeName(KeyScope scope);  // "read" | "write"

struct ApiKeyRecord {
  std::string id;
  std::string name;
  KeyScope scope = KeyScope::kWrite;
  std::int64_t rate_limit_per_minute = 0;  // 0: unlimited
  std::string secret_sha256;               // hex
  std::string created_at;                  // ISO-8601 UTC; set by Insert
  std::string revoked_at;                  // "" while active
  std::string last_used_at;                // "" when never used

  bool revoked() const { return !revoked_at.empty(); }
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // Stores a new key; created_at is the time of the insert (record.created_at is ignored).
  virtual Status Insert(const ApiKeyRecord& record) = 0;
  // Every key, revoked ones included, oldest first.
  virtual Result<std::vector<ApiKeyRecord>> List() const = 0;
  virtual Result<std::optional<ApiKeyRecord>> Find(std::string_view id) const = 0;
  // Marks the key revoked now. Returns false when it already was (revoked_at is kept).
  virtual Result<bool> Revoke(std::string_view id) = 0;
  // Sets last_used_at to now.
  virtual Status TouchLastUsed(std::string_view id) = 0;
};

// The SQLite one (iris.db). Borrows the Database, which must outlive the store.
class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  explicit SqliteApiKeyStore(Database& database) : database_(database) {}
  Status Insert(const ApiKeyRecord& record) override;
  Result<std::vector<ApiKeyRecord>> List() const override;
  Result<std::optional<ApiKeyRecord>> Find(std::string_view id) const override;
  Result<bool> Revoke(std::string_view id) override;
  Status TouchLastUsed(std::string_view id) override;

 private:
  Database& database_;
};

// The PostgreSQL one (storage.database_url). Borrows the PostgresDatabase, which must outlive it.
class PostgresApiKeyStore final : public ApiKeyStore {
 public:
  explicit PostgresApiKeyStore(PostgresDatabase& database) : database_(database) {}
  Status Insert(const ApiKeyRecord& record) override;
  Result<std::vector<ApiKeyRecord>> List() const override;
  Result<std::optional<ApiKeyRecord>> Find(std::string_view id) const override;
  Result<bool> Revoke(std::string_view id) override;
  Status TouchLastUsed(std::string_view id) override;

 private:
  PostgresDatabase& database_;
};

}  // namespace iris::auth
