// Database: the process's handle on one SQLite file, shaped for "many readers, one writer".
//
// Open() creates the parent directories and the file, switches it to WAL (readers never block
// the writer or each other), sets synchronous=NORMAL and foreign_keys=ON, and applies the
// migrations. It then keeps:
//   * ONE writer connection behind a mutex. Write(fn) runs fn inside BEGIN IMMEDIATE ... COMMIT,
//     or ROLLBACK when fn returns an error (or throws). Writes from this process therefore queue
//     on the mutex instead of failing with "database is locked"; other processes' writers are
//     waited for up to busy_timeout_ms.
//   * a pool of read_connections read-only connections. Read(fn) borrows one (blocking while all
//     are in use), runs fn inside a read transaction (one consistent snapshot for all of fn's
//     queries) and returns it. A read connection refuses writes.
//
// Ownership: Database owns all its connections. The SqliteConnection& passed to fn is valid only
// during the call; fn must not keep it, hand it to another thread, or call Read/Write itself (the
// writer mutex is not recursive and the pool may be exhausted).
// Thread-safety: Read, Write and schema_version are safe to call from any number of threads.
// Close() waits for calls in progress to finish; afterwards Read/Write return kFailedPrecondition.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "store/migration.h"
#include "store/schema.h"
#include "store/sqlite_connection.h"

namespace iris {

struct DatabaseOptions {
  int read_connections = 4;
  int busy_timeout_ms = 5000;  // how long to wait for a lock held by another process
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& file, const DatabaseOptions& options = {},
                                                const std::vector<Migration>& migrations = IrisMigrations());
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status Write(const std::function<Status(SqliteConnection&)>& fn);
  Status Read(const std::function<Status(SqliteConnection&)>& fn);

  // The highest migration version recorded in the file after Open.
  int schema_version() const { return schema_version_; }
  const std::filesystem::path& file() const { return file_; }

  void Close();

 private:
  Database(std::filesystem::path file, int schema_version) : file_(std::move(file)), schema_version_(schema_version) {}

  // Borrows an idle read connection, waiting while none is idle; nullptr once closed.
  SqliteConnection* AcquireReader();
  void ReleaseReader(SqliteConnection* connection);

  const std::filesystem::path file_;
  const int schema_version_;

  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;  // guarded by writer_mutex_; null once closed

  std::mutex readers_mutex_;
  std::condition_variable readers_changed_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // all of them; guarded by readers_mutex_
  std::vector<SqliteConnection*> idle_readers_;             // guarded by readers_mutex_
  bool closed_ = false;                                     // guarded by readers_mutex_
};

}  // namespace iris
