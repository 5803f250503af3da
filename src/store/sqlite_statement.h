// SqliteStatement: a thin RAII wrapper around one prepared sqlite3_stmt. Parameter and column
// indexes follow SQLite: Bind* takes 1-based parameter indexes, Column* takes 0-based column
// indexes. Errors are Status values carrying SQLite's own message.
//
// Ownership: the statement owns its sqlite3_stmt (finalized by the destructor) but not the
// connection; it must be destroyed before the SqliteConnection that prepared it. Movable, not
// copyable.
// Thread-safety: none; a statement is used by one thread at a time, like its connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace iris {

class SqliteStatement {
 public:
  // Takes ownership of an already prepared statement; SqliteConnection::Prepare is the usual way.
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Text and blob bytes are copied by SQLite (SQLITE_TRANSIENT): the argument may die at once.
  Status BindInt64(int index, std::int64_t value);
  Status BindDouble(int index, double value);
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, std::string_view bytes);
  Status BindNull(int index);

  // Advances the statement: true when a row is available through the Column* getters, false
  // when the statement has finished.
  Result<bool> Step();
  // Runs a statement expected to return no rows (INSERT/UPDATE/DELETE/DDL) to completion.
  Status Run();
  // Makes the statement runnable again and clears all bindings to NULL.
  Status Reset();

  int column_count() const;
  bool ColumnIsNull(int column) const;
  std::int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;  // "" for NULL
  std::string ColumnBlob(int column) const;  // bytes; "" for NULL

  // The SQL text this statement was prepared from (for error messages).
  std::string sql() const;

 private:
  Status BindResult(int rc, int index, std::string_view what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace iris
