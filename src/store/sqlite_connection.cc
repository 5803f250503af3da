#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <string>
#include <utility>

namespace iris {
namespace {

StatusCode CodeFor(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return StatusCode::kAlreadyExists;
    default:
      break;
  }
  switch (rc & 0xFF) {  // primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return StatusCode::kFailedPrecondition;
    case SQLITE_FULL:
      return StatusCode::kStorageFull;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on this connection, which is the one we
  // are reporting; without a handle only the generic text for the code is available.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (";
  message += sqlite3_errstr(rc);
  message += ")";
  return {CodeFor(rc), std::move(message)};
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::filesystem::path& file,
                                                                 const SqliteOpenOptions& options) {
  if (sqlite3_threadsafe() == 0) {
    return FailedPrecondition("sqlite: the linked SQLite library was built without thread support");
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, "sqlite: cannot open " + file.string());
    sqlite3_close_v2(db);  // a handle is returned even on most failures
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, file, options.read_only));
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Status SqliteConnection::Execute(std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string.
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite: execute failed");
  return Status::Ok();
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, "sqlite: cannot prepare \"" + std::string(sql) + "\"");
  }
  SqliteStatement statement(db_, stmt);
  if (stmt == nullptr) return InvalidArgument("sqlite: no statement in \"" + std::string(sql) + "\"");
  std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return InvalidArgument("sqlite: more than one statement in \"" + std::string(sql) + "\"");
  }
  return statement;
}

std::int64_t SqliteConnection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }

}  // namespace iris
