#include "store/database.h"

#include <sqlite3.h>

#include <exception>
#include <string>
#include <system_error>

namespace iris {
namespace {

using DatabaseFunction = std::function<Status(SqliteConnection&)>;

// Runs fn between `begin` and COMMIT; rolls back when fn fails or throws or COMMIT fails, so the
// connection always leaves here outside a transaction, ready for the next caller.
Status RunTransaction(SqliteConnection& connection, const char* begin, const DatabaseFunction& fn) {
  IRIS_RETURN_IF_ERROR(connection.Execute(begin));
  Status status;
  try {
    status = fn(connection);
  } catch (const std::exception& e) {
    status = Internal(std::string("database function threw: ") + e.what());
  } catch (...) {
    status = Internal("database function threw a non-standard exception");
  }
  if (status.ok()) {
    status = connection.Execute("COMMIT");
    if (status.ok()) return status;
  }
  // Some errors (e.g. SQLITE_FULL) already ended the transaction; ROLLBACK would then fail.
  if (sqlite3_get_autocommit(connection.handle()) == 0) (void)connection.Execute("ROLLBACK");
  return status;
}

Status EnableWal(SqliteConnection& connection) {
  // journal_mode answers with the mode in effect, which stays "memory"/"delete" where WAL is
  // impossible (e.g. ":memory:" or a file system without shared memory).
  IRIS_ASSIGN_OR_RETURN(SqliteStatement pragma, connection.Prepare("PRAGMA journal_mode=WAL"));
  IRIS_ASSIGN_OR_RETURN(bool row, pragma.Step());
  std::string mode = row ? pragma.ColumnText(0) : "";
  if (mode != "wal") {
    return FailedPrecondition("database " + connection.file().string() + " cannot use WAL mode (journal_mode is \"" +
                              mode + "\")");
  }
  return connection.Execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& file, const DatabaseOptions& options,
                                                 const std::vector<Migration>& migrations) {
  if (options.read_connections < 1) return InvalidArgument("database: read_connections must be at least 1");
  if (options.busy_timeout_ms < 0) return InvalidArgument("database: busy_timeout_ms must not be negative");
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return Internal("database: cannot create directory " + file.parent_path().string() + ": " + ec.message());
  }

  SqliteOpenOptions write_options{.read_only = false, .busy_timeout_ms = options.busy_timeout_ms};
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer, SqliteConnection::Open(file, write_options));
  IRIS_RETURN_IF_ERROR(EnableWal(*writer));
  IRIS_ASSIGN_OR_RETURN(int version, ApplyMigrations(*writer, migrations));

  std::unique_ptr<Database> db(new Database(file, version));
  db->writer_ = std::move(writer);
  SqliteOpenOptions read_options{.read_only = true, .busy_timeout_ms = options.busy_timeout_ms};
  for (int i = 0; i < options.read_connections; ++i) {
    IRIS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader, SqliteConnection::Open(file, read_options));
    IRIS_RETURN_IF_ERROR(reader->Execute("PRAGMA foreign_keys=ON"));  // per connection, like the writer's
    db->idle_readers_.push_back(reader.get());
    db->readers_.push_back(std::move(reader));
  }
  return db;
}

Database::~Database() { Close(); }

Status Database::Write(const DatabaseFunction& fn) {
  std::lock_guard lock(writer_mutex_);
  if (!writer_) return FailedPrecondition("database " + file_.string() + " is closed");
  return RunTransaction(*writer_, "BEGIN IMMEDIATE", fn);
}

Status Database::Read(const DatabaseFunction& fn) {
  SqliteConnection* reader = AcquireReader();
  if (reader == nullptr) return FailedPrecondition("database " + file_.string() + " is closed");
  Status status = RunTransaction(*reader, "BEGIN", fn);
  ReleaseReader(reader);
  return status;
}

SqliteConnection* Database::AcquireReader() {
  std::unique_lock lock(readers_mutex_);
  readers_changed_.wait(lock, [this] { return closed_ || !idle_readers_.empty(); });
  if (closed_) return nullptr;
  SqliteConnection* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return reader;
}

void Database::ReleaseReader(SqliteConnection* connection) {
  {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(connection);
  }
  // Both a waiting reader and a waiting Close() may care.
  readers_changed_.notify_all();
}

void Database::Close() {
  {
    std::unique_lock lock(readers_mutex_);
    closed_ = true;
    readers_changed_.notify_all();  // readers waiting for a connection give up
    readers_changed_.wait(lock, [this] { return idle_readers_.size() == readers_.size(); });
    idle_readers_.clear();
    readers_.clear();
  }
  std::lock_guard lock(writer_mutex_);
  writer_.reset();  // last: the final connection to close checkpoints the WAL into the file
}

}  // namespace iris
