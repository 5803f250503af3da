#include "auth/api_key_store.h"

namespace iris::auth {
namespace {

constexpr char kColumns[] =
    "id, name, scope, rate_limit_per_minute, secret_sha256, created_at, COALESCE(revoked_at, ''), "
    "COALESCE(last_used_at, '')";

ApiKeyRecord ReadRow(const PgResult& r, int row) {
  ApiKeyRecord record;
  record.id = r.Text(row, 0);
  record.name = r.Text(row, 1);
  record.scope = r.Text(row, 2) == "read" ? KeyScope::kRead : KeyScope::kWrite;
  record.rate_limit_per_minute = r.Int64(row, 3);
  record.secret_sha256 = r.Text(row, 4);
  record.created_at = r.Text(row, 5);
  record.revoked_at = r.Text(row, 6);
  record.last_used_at = r.Text(row, 7);
  return record;
}

}  // namespace

Status PostgresApiKeyStore::Insert(const ApiKeyRecord& record) {
  return database_.Transaction([&](PgConnection& c) {
    return c
        .Exec(std::string("INSERT INTO api_keys(id, name, secret_sha256, scope, rate_limit_per_minute, created_at) "
                          "VALUES ($1, $2, $3, $4, $5, ") +
                  kPgNowIsoText + ")",
              {record.id, record.name, record.secret_sha256, std::string(KeyScopeName(record.scope)),
               std::to_string(record.rate_limit_per_minute)})
        .status();
  });
}

Result<std::vector<ApiKeyRecord>> PostgresApiKeyStore::List() const {
  std::vector<ApiKeyRecord> records;
  IRIS_RETURN_IF_ERROR(database_.Transaction([&](PgConnection& c) -> Status {
    records.clear();
    IRIS_ASSIGN_OR_RETURN(PgResult r,
                          c.Exec(std::string("SELECT ") + kColumns + " FROM api_keys ORDER BY created_at, id"));
    for (int i = 0; i < r.rows(); ++i) records.push_back(ReadRow(r, i));
    return Status::Ok();
  }));
  return records;
}

Result<std::optional<ApiKeyRecord>> PostgresApiKeyStore::Find(std::string_view id) const {
  std::optional<ApiKeyRecord> found;
  IRIS_RETURN_IF_ERROR(database_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        PgResult r, c.Exec(std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = $1", {std::string(id)}));
    found.reset();
    if (r.rows() > 0) found = ReadRow(r, 0);
    return Status::Ok();
  }));
  return found;
}

Result<bool> PostgresApiKeyStore::Revoke(std::string_view id) {
  bool revoked_now = false;
  IRIS_RETURN_IF_ERROR(database_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult updated, c.Exec(std::string("UPDATE api_keys SET revoked_at = ") + kPgNowIsoText +
                                                       " WHERE id = $1 AND revoked_at IS NULL",
                                                   {std::string(id)}));
    revoked_now = updated.affected() > 0;
    if (revoked_now) return Status::Ok();
    IRIS_ASSIGN_OR_RETURN(PgResult exists, c.Exec("SELECT 1 FROM api_keys WHERE id = $1", {std::string(id)}));
    return exists.rows() > 0 ? Status::Ok() : NotFound("no API key with id '" + std::string(id) + "'");
  }));
  return revoked_now;
}

Status PostgresApiKeyStore::TouchLastUsed(std::string_view id) {
  return database_.Transaction([&](PgConnection& c) {
    return c
        .Exec(std::string("UPDATE api_keys SET last_used_at = ") + kPgNowIsoText + " WHERE id = $1", {std::string(id)})
        .status();
  });
}

}  // namespace iris::auth
