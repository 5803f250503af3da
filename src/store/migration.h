// Migration: one step of a database schema, and the function that brings a database up to date.
//
// A schema is an ordered list of migrations with strictly increasing positive versions. Each
// pending migration runs in its own BEGIN IMMEDIATE transaction together with its row in
// schema_migrations(version, name, applied_at), so a migration is applied completely or not at
// all, and two processes opening the same file never apply one twice. Migrations already recorded
// are skipped. A database that records a version newer than the newest migration the code knows
// was written by a newer build and is refused (kFailedPrecondition) rather than used blindly.
//
// Thread-safety: ApplyMigrations uses the connection it is given; callers serialise access to it.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_connection.h"

namespace iris {

struct Migration {
  int version;       // 1, 2, 3, ... in order; never reuse or renumber a released version
  std::string name;  // short snake_case, e.g. "result_cache_and_blobs"
  std::string sql;   // one or more ';'-separated statements; no BEGIN/COMMIT (it runs inside one)
};

// Applies the pending migrations; returns the schema version afterwards (0 for an empty list on
// a fresh database). Errors: kInvalidArgument for a malformed list; kFailedPrecondition for a
// database newer than the list; a failing migration's error, prefixed with
// "migration <version> (<name>) failed", after its transaction was rolled back.
Result<int> ApplyMigrations(SqliteConnection& connection, const std::vector<Migration>& migrations);

}  // namespace iris
