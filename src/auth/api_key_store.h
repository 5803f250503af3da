// ApiKeyStore: the api_keys table of iris.db (migration 6, store/schema.cc). Rows hold a key's public
// id, name, scope, rate limit, times and the SHA-256 of its secret (auth/api_key.h); never the secret.
//
// Errors: storage errors as Database returns them (kUnavailable when locked, kStorageFull...);
// Insert: kAlreadyExists when the id is taken; Revoke: kNotFound for an unknown id.
// Ownership: borrows the Database, which must outlive the store.
// Thread-safety: every method may be called from any thread (Database serialises writes). Several
// processes may use one file (the server and `iris keys`): each call reads or writes the file itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"

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
  explicit ApiKeyStore(Database& database) : database_(database) {}

  // Stores a new key; created_at is the time of the insert (record.created_at is ignored).
  Status Insert(const ApiKeyRecord& record);
  // Every key, revoked ones included, oldest first.
  Result<std::vector<ApiKeyRecord>> List() const;
  Result<std::optional<ApiKeyRecord>> Find(std::string_view id) const;
  // Marks the key revoked now. Returns false when it already was (revoked_at is kept).
  Result<bool> Revoke(std::string_view id);
  // Sets last_used_at to now.
  Status TouchLastUsed(std::string_view id);

 private:
  Database& database_;
};

}  // namespace iris::auth
