// PostgresMigrations: the schema Iris keeps in a shared PostgreSQL database (storage.database_url),
// in order. Like IrisMigrations (schema.h) for SQLite: versions only grow, a released migration is
// never edited, and PostgresDatabase::Open applies the pending ones, each with its row in
// iris_schema_migrations, inside one transaction under an advisory lock.
//
// The tables mirror their SQLite twins (jobs/job_store.h documents the job model) with PostgreSQL
// types; times shown to clients stay ISO-8601 UTC text so both backends answer alike.
#pragma once

#include <string>
#include <vector>

namespace iris {

struct PostgresMigration {
  int version;
  std::string name;
  std::string sql;  // ';'-separated statements, run inside the migrating transaction
};

const std::vector<PostgresMigration>& PostgresMigrations();

}  // namespace iris
