#include "store/postgres_database.h"

#include <random>
#include <thread>

#include "core/logging.h"
#include "store/postgres_schema.h"

namespace iris {
namespace {

// The advisory lock key every process takes while migrating ("iris" in ASCII).
constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(1769108083)";

Result<int> ApplyPostgresMigrations(PgConnection& c) {
  IRIS_RETURN_IF_ERROR(c.ExecScript("BEGIN"));
  auto rollback = [&](Status error) {
    (void)c.ExecScript("ROLLBACK");
    return error;
  };
  Status step = c.ExecScript(kMigrationLock);
  if (step.ok()) {
    step = c.ExecScript(
        "CREATE TABLE IF NOT EXISTS iris_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  }
  if (!step.ok()) return rollback(step);
  Result<PgResult> current = c.Exec("SELECT COALESCE(MAX(version), 0) FROM iris_schema_migrations");
  if (!current.ok()) return rollback(current.status());
  int version = static_cast<int>(current->Int64(0, 0));
  const std::vector<PostgresMigration>& migrations = PostgresMigrations();
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return rollback(FailedPrecondition("the PostgreSQL schema is at version " + std::to_string(version) +
                                       ", newer than this build knows (" + std::to_string(newest) +
                                       "): it was written by a newer Iris"));
  }
  for (const PostgresMigration& m : migrations) {
    if (m.version <= version) continue;
    step = c.ExecScript(m.sql);
    if (step.ok()) {
      step = c.Exec("INSERT INTO iris_schema_migrations(version, name) VALUES ($1, $2)",
                    {std::to_string(m.version), m.name})
                 .status();
    }
    if (!step.ok()) {
      return rollback(step.WithContext("migration " + std::to_string(m.version) + " (" + m.name + ") failed"));
    }
    version = m.version;
  }
  IRIS_RETURN_IF_ERROR(c.ExecScript("COMMIT"));
  return version;
}

}  // namespace

PostgresDatabase::PostgresDatabase(std::string url, PostgresOptions options)
    : url_(std::move(url)), redacted_url_(RedactedUrl(url_)), options_(options) {}

PostgresDatabase::~PostgresDatabase() { Close(); }

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const std::string& url,
                                                                 const PostgresOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("PostgreSQL pool size must be at least 1");
  auto db = std::unique_ptr<PostgresDatabase>(new PostgresDatabase(url, options));
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> first, db->Acquire());
  Result<int> version = ApplyPostgresMigrations(*first);
  db->Release(std::move(first));
  if (!version.ok()) return version.status().WithContext("PostgreSQL at " + db->redacted_url_);
  db->schema_version_ = *version;
  return db;
}

Result<std::unique_ptr<PgConnection>> PostgresDatabase::Acquire() {
  {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return closed_ || !idle_.empty() || open_ < options_.pool_size; });
    if (closed_) return FailedPrecondition("the PostgreSQL database is closed");
    ++in_use_;
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;  // reserve the slot while connecting outside the lock
  }
  PgConnectOptions connect;
  connect.statement_timeout = options_.statement_timeout;
  connect.connect_timeout_s = options_.connect_timeout_s;
  Result<std::unique_ptr<PgConnection>> connection = PgConnection::Connect(url_, connect);
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    --in_use_;
    released_.notify_all();
  }
  return connection;
}

void PostgresDatabase::Release(std::unique_ptr<PgConnection> connection) {
  std::lock_guard lock(mutex_);
  --in_use_;
  if (connection && connection->healthy() && !closed_) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // a broken connection is dropped; the next Acquire opens a fresh one
  }
  released_.notify_all();
}

Status PostgresDatabase::RunOnce(PgConnection& c, const std::function<Status(PgConnection&)>& fn, bool& commit_sent) {
  commit_sent = false;
  IRIS_RETURN_IF_ERROR(c.ExecScript("BEGIN"));
  Status status;
  try {
    status = fn(c);
  } catch (const std::exception& e) {
    status = Internal(std::string("exception in a PostgreSQL transaction: ") + e.what());
  }
  if (!status.ok()) {
    if (c.healthy()) (void)c.ExecScript("ROLLBACK");
    return status;
  }
  commit_sent = true;
  return c.ExecScript("COMMIT");
}

Status PostgresDatabase::Transaction(const std::function<Status(PgConnection&)>& fn) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  Status last;
  for (int attempt = 1; attempt <= std::max(1, options_.max_attempts); ++attempt) {
    Result<std::unique_ptr<PgConnection>> connection = Acquire();
    if (!connection.ok()) {
      last = connection.status();
    } else {
      bool commit_sent = false;
      last = RunOnce(**connection, fn, commit_sent);
      const bool lost_during_commit = commit_sent && !(*connection)->healthy();
      Release(std::move(connection).value());
      if (last.ok()) return last;
      if (lost_during_commit) {
        return Unavailable("PostgreSQL connection lost during COMMIT; the transaction may or may not have applied: " +
                           last.message());
      }
    }
    if (!IsRetryablePgError(last) || attempt == options_.max_attempts) break;
    {
      std::lock_guard lock(mutex_);
      ++retries_;
    }
    // 5..20 ms, then 10..40 ms: long enough for a deadlock partner to finish.
    const int base = 5 << (attempt - 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(base + static_cast<int>(jitter() % (3 * base + 1))));
  }
  return last;
}

std::uint64_t PostgresDatabase::retries() const {
  std::lock_guard lock(mutex_);
  return retries_;
}

void PostgresDatabase::Close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  released_.notify_all();
  released_.wait(lock, [&] { return in_use_ == 0; });
  idle_.clear();
  open_ = 0;
}

}  // namespace iris
