#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <utility>

#include "store/sqlite_connection.h"

namespace iris {

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Status SqliteStatement::BindResult(int rc, int index, std::string_view what) {
  if (rc == SQLITE_OK) return Status::Ok();
  return SqliteError(db_, rc, "sqlite: cannot bind " + std::string(what) + " to parameter " + std::to_string(index));
}

Status SqliteStatement::BindInt64(int index, std::int64_t value) {
  return BindResult(sqlite3_bind_int64(stmt_, index, value), index, "int64");
}

Status SqliteStatement::BindDouble(int index, double value) {
  return BindResult(sqlite3_bind_double(stmt_, index, value), index, "double");
}

Status SqliteStatement::BindText(int index, std::string_view value) {
  return BindResult(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index,
                    "text");
}

Status SqliteStatement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob with a null pointer would bind NULL; zeroblob(0) keeps it an empty blob.
  int rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                         : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return BindResult(rc, index, "blob");
}

Status SqliteStatement::BindNull(int index) { return BindResult(sqlite3_bind_null(stmt_, index), index, "null"); }

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "sqlite: step failed for \"" + sql() + "\"");
}

Status SqliteStatement::Run() {
  while (true) {
    IRIS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

Status SqliteStatement::Reset() {
  // sqlite3_reset repeats the last step's error; the step already reported it, so it is ignored.
  sqlite3_reset(stmt_);
  int rc = sqlite3_clear_bindings(stmt_);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite: cannot clear bindings");
  return Status::Ok();
}

int SqliteStatement::column_count() const { return sqlite3_column_count(stmt_); }

bool SqliteStatement::ColumnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t SqliteStatement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

double SqliteStatement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  // Size is asked after the pointer: the text conversion may change it.
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string SqliteStatement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::string SqliteStatement::sql() const {
  const char* text = stmt_ != nullptr ? sqlite3_sql(stmt_) : nullptr;
  return text != nullptr ? text : "";
}

}  // namespace iris
