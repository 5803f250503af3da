// StorageMigration: moves what a shared PostgreSQL database holds (docs/scale-out.md) between the
// embedded iris.db and PostgreSQL, in either direction, for `iris migrate` (the upgrade path from one
// process to several, and back).
//
// What moves: the job queue (jobs, job_items, job_expansions), the result cache (result_cache), the
// duplicate signatures (duplicate_resident, duplicate_cold: both tiers; iris.db's v1 rows are converted
// first), the records of the originals stored by POST /v1/images (blobs; their bytes keep their keys, so
// `aws s3 sync DIR/blobs s3://BUCKET/` moves them) and the API keys (api_keys: hashes only, as stored).
// What does not: live runner rows (no process survives a migration: items that were running arrive
// pending, so the next process claims them), which runner finished an item, cache hit times, and
// PostgreSQL's duplicate change feed (processes load what they find). The vectors the signatures belong
// to move with app/collection_migration.h.
//
// How: table by table in dependency order, pages of kPageRows rows in key order read from the
// source and inserted into the target in one transaction each, skipping rows whose key the target
// already has. So an interrupted run is resumed by running it again; rows already copied are skipped.
// Run it with the servers stopped: rows written meanwhile may be missed.
//
// Verification: for each table, the row count and a SHA-256 chained over every row's migrated
// columns in key order, computed on both sides with the same column expressions; Migrate fails
// (kFailedPrecondition) when any table differs, e.g. a target that already held other rows.
//
// Thread-safety: one migration at a time per pair of databases; not for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/postgres_database.h"

namespace iris::app {

// One side of a migration: iris.db or a PostgreSQL database.
class MigrationEndpoint;

struct TableReport {
  std::string table;
  std::int64_t copied = 0;       // rows inserted by this run
  std::int64_t source_rows = 0;  // after the copy
  std::int64_t target_rows = 0;
  std::string source_checksum;  // hex
  std::string target_checksum;
  bool matches() const { return source_rows == target_rows && source_checksum == target_checksum; }
};

struct MigrationReport {
  std::vector<TableReport> tables;
  bool verified() const;
};

struct MigrationOptions {
  bool verify_only = false;  // compare, copy nothing
  // Called after each page with (table, rows copied so far in this table).
  std::function<void(const std::string&, std::int64_t)> progress;
};

// The endpoints: "sqlite:DIR" (DIR/iris.db, created and migrated if missing) or a postgresql:// URL.
Result<std::unique_ptr<MigrationEndpoint>> OpenMigrationEndpoint(const std::string& spec);

// Copies then verifies (see the contract above). A verification that fails is kFailedPrecondition
// with the report's differences in the message; the report itself is returned on success.
Result<MigrationReport> Migrate(MigrationEndpoint& from, MigrationEndpoint& to, const MigrationOptions& options);

class MigrationEndpoint {
 public:
  virtual ~MigrationEndpoint() = default;
  virtual std::string name() const = 0;
  // Internals of storage_migration.cc: pages of rows, inserts, checksums.
  struct Table;
  using Row = std::vector<std::optional<std::string>>;
  virtual Result<std::vector<Row>> Page(const Table& table, const Row* after, int limit) = 0;
  virtual Result<std::int64_t> InsertMissing(const Table& table, const std::vector<Row>& rows) = 0;
  virtual Status AfterCopy() = 0;
  // Brings the side to the form the tables above describe (iris.db: duplicate signatures of the v1
  // format converted to the two tiers, as a server's first load would).
  virtual Status BeforeCopy() { return Status::Ok(); }
};

}  // namespace iris::app
