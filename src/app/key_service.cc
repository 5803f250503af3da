#include "app/key_service.h"

#include "auth/api_key.h"
#include "core/logging.h"

namespace iris::app {
namespace {

constexpr std::size_t kMaxNameChars = 100;
constexpr std::int64_t kMaxRateLimit = 1'000'000;

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return InvalidArgument("key name must be 1.." + std::to_string(kMaxNameChars) + " characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("key name must not contain control characters");
  }
  return {};
}

}  // namespace

KeyService::KeyService(Database& database, KeyServiceOptions options)
    : KeyService(std::make_unique<auth::SqliteApiKeyStore>(database), options) {}

KeyService::KeyService(std::unique_ptr<auth::ApiKeyStore> store, KeyServiceOptions options)
    : store_(std::move(store)), options_(options) {}

Result<CreatedApiKey> KeyService::Create(const NewApiKey& request) {
  IRIS_RETURN_IF_ERROR(ValidateName(request.name));
  if (request.rate_limit_per_minute < 0 || request.rate_limit_per_minute > kMaxRateLimit) {
    return InvalidArgument("rate limit must be 0 (unlimited) .. " + std::to_string(kMaxRateLimit) +
                           " requests a minute");
  }
  IRIS_ASSIGN_OR_RETURN(auth::GeneratedApiKey key, auth::GenerateApiKey());
  auth::ApiKeyRecord record;
  record.id = key.id;
  record.name = request.name;
  record.scope = request.read_only ? auth::KeyScope::kRead : auth::KeyScope::kWrite;
  record.rate_limit_per_minute = request.rate_limit_per_minute;
  record.secret_sha256 = auth::HashApiKeySecret(key.secret);
  IRIS_RETURN_IF_ERROR(store_->Insert(record));
  IRIS_ASSIGN_OR_RETURN(auto stored, store_->Find(record.id));
  if (!stored) return Internal("API key " + record.id + " vanished after being stored");
  return CreatedApiKey{std::move(*stored), std::move(key.text)};
}

Result<std::vector<auth::ApiKeyRecord>> KeyService::List() const { return store_->List(); }

Result<bool> KeyService::Revoke(std::string_view id) {
  if (!auth::IsApiKeyId(id)) return InvalidArgument("a key id is 12 lower-case hex characters (see iris keys list)");
  IRIS_ASSIGN_OR_RETURN(bool revoked_now, store_->Revoke(id));
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(id); it != cache_.end()) cache_.erase(it);
  limiter_.Forget(id);
  return revoked_now;
}

Result<std::optional<auth::ApiKeyRecord>> KeyService::Lookup(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end() && now - it->second.fetched < options_.cache_ttl) {
      return std::optional<auth::ApiKeyRecord>(it->second.record);
    }
  }
  IRIS_ASSIGN_OR_RETURN(auto found, store_->Find(id));
  std::lock_guard lock(mutex_);
  if (!found) {
    if (auto it = cache_.find(id); it != cache_.end()) cache_.erase(it);
    return found;
  }
  Cached& entry = cache_[id];
  entry.record = *found;
  entry.fetched = now;
  return found;
}

void KeyService::NoteUse(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(id);
    if (it == cache_.end()) return;
    if (it->second.touched != std::chrono::steady_clock::time_point{} &&
        now - it->second.touched < options_.last_used_interval) {
      return;
    }
    it->second.touched = now;
  }
  if (Status touched = store_->TouchLastUsed(id); !touched.ok()) {
    LogWarn("auth.last_used_failed", {{"key_id", id}, {"error", touched.ToString()}});
  }
}

Result<KeyCheckResult> KeyService::Check(std::string_view presented) {
  KeyCheckResult result;
  auto parts = auth::ParseApiKey(presented);
  if (!parts.ok()) return result;  // kMalformed
  result.key_id = parts->id;
  IRIS_ASSIGN_OR_RETURN(auto record, Lookup(parts->id));
  if (!record || !auth::ApiKeySecretMatches(parts->secret, record->secret_sha256)) {
    result.outcome = KeyCheck::kUnknown;
    return result;
  }
  if (record->revoked()) {
    result.outcome = KeyCheck::kRevoked;
    return result;
  }
  NoteUse(parts->id);
  result.outcome = KeyCheck::kValid;
  result.record = std::move(*record);
  return result;
}

std::optional<int> KeyService::TakeRequest(const auth::ApiKeyRecord& key) {
  return limiter_.Take(key.id, key.rate_limit_per_minute);
}

Result<OpenedKeyService> OpenKeyService(const std::filesystem::path& data_dir, const std::string& database_url) {
  OpenedKeyService opened;
  if (!database_url.empty()) {
    auto shared = PostgresDatabase::Open(database_url);
    if (!shared.ok()) return shared.status().WithContext("storage.database_url");
    opened.shared_database = std::move(shared).value();
    opened.keys = std::make_unique<KeyService>(std::make_unique<auth::PostgresApiKeyStore>(*opened.shared_database));
    return opened;
  }
  const std::filesystem::path file = data_dir / "iris.db";  // the server's database (app/services.h)
  auto database = Database::Open(file);
  if (!database.ok()) return database.status().WithContext("opening " + file.string());
  opened.database = std::move(database).value();
  opened.keys = std::make_unique<KeyService>(*opened.database);
  return opened;
}

}  // namespace iris::app
