// SqliteConnection: a thin RAII wrapper around one sqlite3 connection (open, execute, prepare).
// Errors are Status values whose message carries SQLite's own message; the code is mapped from
// SQLite's result code (SQLITE_BUSY/LOCKED -> kUnavailable, UNIQUE/PRIMARY KEY constraint ->
// kAlreadyExists, other constraints -> kFailedPrecondition, SQLITE_FULL -> kStorageFull (507),
// everything else -> kInternal).
//
// Ownership: owns the sqlite3 handle (closed by the destructor). Statements prepared from it must
// be destroyed first. Not copyable or movable (statements keep the raw handle).
// Thread-safety: a connection is opened in SQLite's multi-thread mode (SQLITE_OPEN_NOMUTEX): it
// may be used from any thread but by one thread at a time. Database enforces that; code that
// holds a SqliteConnection& inside Database::Read/Write must not hand it to another thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "store/sqlite_statement.h"

struct sqlite3;

namespace iris {

struct SqliteOpenOptions {
  bool read_only = false;  // a read-only connection never creates the file
  int busy_timeout_ms = 5000;
};

class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& file,
                                                        const SqliteOpenOptions& options = {});
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more ';'-separated statements that return no rows we need (DDL, PRAGMA, BEGIN).
  Status Execute(std::string_view sql);
  // Prepares exactly one statement; trailing text after the first statement is an error.
  Result<SqliteStatement> Prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  bool read_only() const { return read_only_; }
  const std::filesystem::path& file() const { return file_; }

  // The raw handle, for SQLite features this wrapper does not cover. Ownership stays here.
  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::filesystem::path file, bool read_only)
      : db_(db), file_(std::move(file)), read_only_(read_only) {}

  sqlite3* db_;
  std::filesystem::path file_;
  bool read_only_;
};

// Builds a Status from a SQLite result code and the connection's current error message:
// "<what>: <sqlite message> (<result code name>)". Exposed for the store's own files.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace iris
