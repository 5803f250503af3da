#include "auth/api_key_store.h"

namespace iris::auth {
namespace {

constexpr char kNow[] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
constexpr char kColumns[] =
    "id, name, scope, rate_limit_per_minute, secret_sha256, created_at, COALESCE(revoked_at, ''), "
    "COALESCE(last_used_at, '')";

ApiKeyRecord ReadRow(const SqliteStatement& row) {
  ApiKeyRecord record;
  record.id = row.ColumnText(0);
  record.name = row.ColumnText(1);
  record.scope = row.ColumnText(2) == "read" ? KeyScope::kRead : KeyScope::kWrite;
  record.rate_limit_per_minute = row.ColumnInt64(3);
  record.secret_sha256 = row.ColumnText(4);
  record.created_at = row.ColumnText(5);
  record.revoked_at = row.ColumnText(6);
  record.last_used_at = row.ColumnText(7);
  return record;
}

}  // namespace

std::string_view KeyScopeName(KeyScope scope) { return scope == KeyScope::kRead ? "read" : "write"; }

Status SqliteApiKeyStore::Insert(const ApiKeyRecord& record) {
  return database_.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto insert,
                          conn.Prepare(std::string("INSERT INTO api_keys(id, name, secret_sha256, scope, "
                                                   "rate_limit_per_minute, created_at) VALUES(?, ?, ?, ?, ?, ") +
                                       kNow + ")"));
    IRIS_RETURN_IF_ERROR(insert.BindText(1, record.id));
    IRIS_RETURN_IF_ERROR(insert.BindText(2, record.name));
    IRIS_RETURN_IF_ERROR(insert.BindText(3, record.secret_sha256));
    IRIS_RETURN_IF_ERROR(insert.BindText(4, KeyScopeName(record.scope)));
    IRIS_RETURN_IF_ERROR(insert.BindInt64(5, record.rate_limit_per_minute));
    return insert.Run();
  });
}

Result<std::vector<ApiKeyRecord>> SqliteApiKeyStore::List() const {
  std::vector<ApiKeyRecord> records;
  IRIS_RETURN_IF_ERROR(database_.Read([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto select,
                          conn.Prepare(std::string("SELECT ") + kColumns + " FROM api_keys ORDER BY created_at, id"));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return {};
      records.push_back(ReadRow(select));
    }
  }));
  return records;
}

Result<std::optional<ApiKeyRecord>> SqliteApiKeyStore::Find(std::string_view id) const {
  std::optional<ApiKeyRecord> found;
  IRIS_RETURN_IF_ERROR(database_.Read([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto select, conn.Prepare(std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = ?"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, id));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) found = ReadRow(select);
    return {};
  }));
  return found;
}

Result<bool> SqliteApiKeyStore::Revoke(std::string_view id) {
  bool revoked_now = false;
  IRIS_RETURN_IF_ERROR(database_.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto update, conn.Prepare(std::string("UPDATE api_keys SET revoked_at = ") + kNow +
                                                    " WHERE id = ? AND revoked_at IS NULL"));
    IRIS_RETURN_IF_ERROR(update.BindText(1, id));
    IRIS_RETURN_IF_ERROR(update.Run());
    if (conn.changes() > 0) {
      revoked_now = true;
      return {};
    }
    IRIS_ASSIGN_OR_RETURN(auto exists, conn.Prepare("SELECT 1 FROM api_keys WHERE id = ?"));
    IRIS_RETURN_IF_ERROR(exists.BindText(1, id));
    IRIS_ASSIGN_OR_RETURN(bool row, exists.Step());
    return row ? Status() : NotFound("no API key with id '" + std::string(id) + "'");
  }));
  return revoked_now;
}

Status SqliteApiKeyStore::TouchLastUsed(std::string_view id) {
  return database_.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto update,
                          conn.Prepare(std::string("UPDATE api_keys SET last_used_at = ") + kNow + " WHERE id = ?"));
    IRIS_RETURN_IF_ERROR(update.BindText(1, id));
    return update.Run();
  });
}

}  // namespace iris::auth
