// PostgresDatabase: the process's handle on one PostgreSQL database shared by several `iris serve`
// processes (storage.database_url; docs/scale-out.md).
//
// Open() connects once, applies the PostgreSQL migrations (store/postgres_schema.h) under a
// transaction-scoped advisory lock, so processes starting together apply each migration once, and
// refuses a database whose schema is newer than this build (kFailedPrecondition). It then keeps a
// pool of at most pool_size connections, opened on demand; Transaction(fn) borrows one (waiting
// while all are busy), runs fn between BEGIN and COMMIT (ROLLBACK when fn returns an error or
// throws) and returns it. A connection that broke is dropped and a fresh one is opened next time.
//
// Retries: when fn or the COMMIT fails with a retryable error (IsRetryablePgError: serialization
// failure, deadlock, connection lost before COMMIT was sent) the whole transaction runs again, up to
// max_attempts times with a short backoff, so fn must be safe to run more than once (it only
// touches the database and captured locals it resets). A connection lost during COMMIT itself is
// not retried: the outcome is unknown, and the caller gets kUnavailable.
//
// Ownership: owns its connections. The PgConnection& passed to fn is valid only during the call.
// Thread-safety: Transaction is safe from any number of threads; Close waits for calls in progress.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/postgres_connection.h"

namespace iris {

struct PostgresOptions {
  int pool_size = 4;
  int max_attempts = 3;  // tries of one transaction, counting the first
  std::chrono::milliseconds statement_timeout{30'000};
  int connect_timeout_s = 10;
};

class PostgresDatabase {
 public:
  static Result<std::unique_ptr<PostgresDatabase>> Open(const std::string& url, const PostgresOptions& options = {});
  ~PostgresDatabase();
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  Status Transaction(const std::function<Status(PgConnection&)>& fn);

  int schema_version() const { return schema_version_; }
  // The URL without its password, for logs.
  const std::string& redacted_url() const { return redacted_url_; }
  // The URL as given, password included, for a connection of one's own (PgListener); never log it.
  const std::string& connection_url() const { return url_; }
  // Transactions tried again after a retryable error, since Open (for metrics and tests).
  std::uint64_t retries() const;

  void Close();

 private:
  PostgresDatabase(std::string url, PostgresOptions options);
  Result<std::unique_ptr<PgConnection>> Acquire();
  void Release(std::unique_ptr<PgConnection> connection);
  Status RunOnce(PgConnection& connection, const std::function<Status(PgConnection&)>& fn, bool& commit_sent);

  const std::string url_;
  const std::string redacted_url_;
  const PostgresOptions options_;
  int schema_version_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mutex_
  int open_ = 0;                                     // connections existing (idle or lent); guarded by mutex_
  int in_use_ = 0;                                   // guarded by mutex_
  bool closed_ = false;                              // guarded by mutex_
  std::uint64_t retries_ = 0;                        // guarded by mutex_
};

}  // namespace iris
