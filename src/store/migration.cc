#include "store/migration.h"

#include <string>

#include "core/logging.h"

namespace iris {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  applied_at TEXT NOT NULL)";

Status ValidateList(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return InvalidArgument("migrations must have strictly increasing positive versions; got " +
                             std::to_string(m.version) + " (" + m.name + ") after " + std::to_string(previous));
    }
    if (m.name.empty()) return InvalidArgument("migration " + std::to_string(m.version) + " has no name");
    previous = m.version;
  }
  return Status::Ok();
}

Result<int> RecordedVersion(SqliteConnection& connection) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                        connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Internal("schema_migrations: MAX(version) returned no row");
  return static_cast<int>(select.ColumnInt64(0));
}

// The name recorded for `version`, or "" when that version was never applied.
Result<std::string> RecordedName(SqliteConnection& connection, int version) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                        connection.Prepare("SELECT name FROM schema_migrations WHERE version = ?"));
  IRIS_RETURN_IF_ERROR(select.BindInt64(1, version));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  return row ? select.ColumnText(0) : std::string();
}

Status RefuseNewerDatabase(SqliteConnection& connection, int known) {
  IRIS_ASSIGN_OR_RETURN(int recorded, RecordedVersion(connection));
  if (recorded > known) {
    return FailedPrecondition("database " + connection.file().string() + " has schema version " +
                              std::to_string(recorded) + ", newer than this build knows (" + std::to_string(known) +
                              "); it was written by a newer Iris. Upgrade Iris or use another data directory");
  }
  return Status::Ok();
}

// Inside an open transaction: applies `m` unless it is already recorded.
Status ApplyIfPending(SqliteConnection& connection, const Migration& m) {
  IRIS_ASSIGN_OR_RETURN(std::string recorded_name, RecordedName(connection, m.version));
  if (!recorded_name.empty()) {
    if (recorded_name != m.name) {
      // Two branches that both added "version N" would show up here; worth a loud log line.
      LogWarn("store.migration_name_mismatch",
              {{"version", m.version}, {"recorded", recorded_name}, {"expected", m.name}});
    }
    return Status::Ok();
  }
  IRIS_RETURN_IF_ERROR(connection.Execute(m.sql));
  IRIS_ASSIGN_OR_RETURN(SqliteStatement insert,
                        connection.Prepare("INSERT INTO schema_migrations(version, name, applied_at) "
                                           "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"));
  IRIS_RETURN_IF_ERROR(insert.BindInt64(1, m.version));
  IRIS_RETURN_IF_ERROR(insert.BindText(2, m.name));
  IRIS_RETURN_IF_ERROR(insert.Run());
  LogInfo("store.migration_applied", {{"version", m.version}, {"name", m.name}, {"file", connection.file().string()}});
  return Status::Ok();
}

Status ApplyInTransaction(SqliteConnection& connection, const Migration& m) {
  // IMMEDIATE takes the write lock before we look, so a second process waits instead of
  // applying the same migration.
  IRIS_RETURN_IF_ERROR(connection.Execute("BEGIN IMMEDIATE"));
  Status status = ApplyIfPending(connection, m);
  if (status.ok()) status = connection.Execute("COMMIT");
  if (!status.ok()) {
    (void)connection.Execute("ROLLBACK");  // may fail if COMMIT already ended it; nothing to add
    return status.WithContext("migration " + std::to_string(m.version) + " (" + m.name + ") failed");
  }
  return Status::Ok();
}

}  // namespace

Result<int> ApplyMigrations(SqliteConnection& connection, const std::vector<Migration>& migrations) {
  IRIS_RETURN_IF_ERROR(ValidateList(migrations));
  IRIS_RETURN_IF_ERROR(connection.Execute(kCreateMigrationsTable));
  int known = migrations.empty() ? 0 : migrations.back().version;
  IRIS_RETURN_IF_ERROR(RefuseNewerDatabase(connection, known));
  for (const Migration& m : migrations) IRIS_RETURN_IF_ERROR(ApplyInTransaction(connection, m));
  return RecordedVersion(connection);
}

}  // namespace iris
