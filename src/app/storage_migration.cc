#include "app/storage_migration.h"

#include <optional>

#include "core/hash.h"
#include "dedup/sqlite_signature_store.h"
#include "store/postgres_connection.h"

namespace iris::app {
namespace {

constexpr int kPageRows = 500;

enum class Kind { kText, kInteger, kBlob };  // blobs travel as lower-case hex

struct Column {
  std::string name;
  Kind kind = Kind::kText;
  std::string sqlite_select;  // expression read from iris.db ("" = the name)
  std::string pg_select;      // expression read from PostgreSQL ("" = the name)
};

}  // namespace

struct MigrationEndpoint::Table {
  std::string name;
  std::vector<Column> columns;
  std::size_t key_columns = 1;      // the first ones, in ORDER BY order
  std::string sqlite_extra_insert;  // ", created_at" + value expression for columns iris.db requires
  std::string sqlite_extra_value;
};

namespace {

using Table = MigrationEndpoint::Table;
using Row = MigrationEndpoint::Row;

// Running items arrive pending: no runner outlives the migration.
const std::string kItemState = "CASE WHEN state = 'running' THEN 'pending' ELSE state END";

const std::vector<Table>& Tables() {
  static const std::vector<Table> kTables = {
      {"jobs",
       {{"created_at", Kind::kText, "", ""},
        {"task_id", Kind::kText, "", ""},
        {"kind", Kind::kText, "", ""},
        {"params", Kind::kText, "", ""},
        {"status", Kind::kText, "", ""},
        {"total", Kind::kInteger, "", ""},
        {"done_count", Kind::kInteger, "", ""},
        {"failed_count", Kind::kInteger, "", ""},
        {"cancel_requested", Kind::kInteger, "", "cancel_requested::int"},
        {"recoveries", Kind::kInteger, "", ""},
        {"error", Kind::kText, "", ""},
        {"result", Kind::kText, "", ""},
        {"started_at", Kind::kText, "", ""},
        {"finished_at", Kind::kText, "", ""}},
       2,
       "",
       ""},
      {"job_items",
       {{"task_id", Kind::kText, "", ""},
        {"seq", Kind::kInteger, "", ""},
        {"item", Kind::kText, "", ""},
        {"state", Kind::kText, kItemState, kItemState},
        {"attempts", Kind::kInteger, "", ""},
        {"next_attempt_at", Kind::kInteger, "", ""},
        {"error", Kind::kText, "", ""},
        {"result", Kind::kText, "", ""}},
       2,
       "",
       ""},
      {"job_expansions",
       {{"task_id", Kind::kText, "", ""}, {"seq", Kind::kInteger, "", ""}, {"appended", Kind::kInteger, "", ""}},
       2,
       "",
       ""},
      {"result_cache",
       {{"key", Kind::kText, "", ""},
        {"content_sha256", Kind::kText, "", ""},
        {"operation", Kind::kText, "", ""},
        {"params", Kind::kText, "", ""},
        {"model_version", Kind::kText, "", ""},
        {"value", Kind::kBlob, "lower(hex(value))", "encode(value, 'hex')"},
        {"size", Kind::kInteger, "", ""},
        {"last_used_us", Kind::kInteger, "", ""}},
       1,
       ", created_at",
       ", strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"},
      {"duplicate_resident",
       {{"collection", Kind::kText, "", ""},
        {"item_id", Kind::kText, "", ""},
        {"resident", Kind::kBlob, "lower(hex(resident))", "encode(resident, 'hex')"}},
       2,
       ", updated_at",
       ", strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"},
      {"duplicate_cold",
       {{"collection", Kind::kText, "", ""},
        {"item_id", Kind::kText, "", ""},
        {"cold", Kind::kBlob, "lower(hex(cold))", "encode(cold, 'hex')"}},
       2,
       "",
       ""},
      {"blobs",
       {{"key", Kind::kText, "", ""},
        {"sha256", Kind::kText, "", ""},
        {"size", Kind::kInteger, "", ""},
        {"content_type", Kind::kText, "", ""},
        {"created_at", Kind::kText, "", ""}},
       1,
       "",
       ""},
      {"api_keys",
       {{"id", Kind::kText, "", ""},
        {"name", Kind::kText, "", ""},
        {"secret_sha256", Kind::kText, "", ""},
        {"scope", Kind::kText, "", ""},
        {"rate_limit_per_minute", Kind::kInteger, "", ""},
        {"created_at", Kind::kText, "", ""},
        {"revoked_at", Kind::kText, "", ""},
        {"last_used_at", Kind::kText, "", ""}},
       1,
       "",
       ""},
  };
  return kTables;
}

std::string KeyList(const Table& t) {
  std::string out;
  for (std::size_t i = 0; i < t.key_columns; ++i) {
    if (i) out += ", ";
    out += t.columns[i].name;
  }
  return out;
}

std::string SelectList(const Table& t, bool postgres) {
  std::string out;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const Column& c = t.columns[i];
    const std::string& expr = postgres ? c.pg_select : c.sqlite_select;
    if (i) out += ", ";
    out += (expr.empty() ? c.name : expr);
  }
  return out;
}

class SqliteEndpoint final : public MigrationEndpoint {
 public:
  SqliteEndpoint(std::unique_ptr<Database> db, std::string name) : db_(std::move(db)), name_(std::move(name)) {}
  std::string name() const override { return name_; }

  Status BeforeCopy() override {
    std::vector<std::string> collections;
    IRIS_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> Status {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement s, c.Prepare("SELECT DISTINCT collection FROM duplicate_signatures"));
      while (true) {
        IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        collections.push_back(s.ColumnText(0));
      }
      return Status::Ok();
    }));
    SqliteSignatureStore signatures(*db_);
    for (const std::string& collection : collections) {  // LoadAll converts the v1 rows first
      IRIS_RETURN_IF_ERROR(signatures.LoadAll(collection, [](std::string, ResidentSignature) {}).status());
    }
    return Status::Ok();
  }

  Result<std::vector<Row>> Page(const Table& t, const Row* after, int limit) override {
    std::vector<Row> rows;
    std::string sql = "SELECT " + SelectList(t, false) + " FROM " + t.name;
    if (after) {
      sql += " WHERE (" + KeyList(t) + ") > (";
      for (std::size_t i = 0; i < t.key_columns; ++i) sql += i ? ", ?" : "?";
      sql += ")";
    }
    sql += " ORDER BY " + KeyList(t) + " LIMIT " + std::to_string(limit);
    IRIS_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> Status {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select, c.Prepare(sql));
      if (after) {
        for (std::size_t i = 0; i < t.key_columns; ++i)
          IRIS_RETURN_IF_ERROR(Bind(select, static_cast<int>(i + 1), t.columns[i], (*after)[i]));
      }
      while (true) {
        IRIS_ASSIGN_OR_RETURN(bool has, select.Step());
        if (!has) break;
        Row row;
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
          const int col = static_cast<int>(i);
          if (select.ColumnIsNull(col)) {
            row.push_back(std::nullopt);
          } else if (t.columns[i].kind == Kind::kInteger) {
            row.push_back(std::to_string(select.ColumnInt64(col)));
          } else {
            row.push_back(select.ColumnText(col));
          }
        }
        rows.push_back(std::move(row));
      }
      return Status::Ok();
    }));
    return rows;
  }

  Result<std::int64_t> InsertMissing(const Table& t, const std::vector<Row>& rows) override {
    std::string names, marks;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (i) names += ", ";
      names += t.columns[i].name;
      marks += i ? ", ?" : "?";
    }
    const std::string sql = "INSERT OR IGNORE INTO " + t.name + "(" + names + t.sqlite_extra_insert + ") VALUES (" +
                            marks + t.sqlite_extra_value + ")";
    std::int64_t inserted = 0;
    IRIS_RETURN_IF_ERROR(db_->Write([&](SqliteConnection& c) -> Status {
      inserted = 0;
      IRIS_ASSIGN_OR_RETURN(SqliteStatement insert, c.Prepare(sql));
      for (const Row& row : rows) {
        IRIS_RETURN_IF_ERROR(insert.Reset());
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
          IRIS_RETURN_IF_ERROR(Bind(insert, static_cast<int>(i + 1), t.columns[i], row[i]));
        }
        IRIS_RETURN_IF_ERROR(insert.Run());
        inserted += c.changes();
      }
      return Status::Ok();
    }));
    return inserted;
  }

  Status AfterCopy() override { return Status::Ok(); }

 private:
  static Status Bind(SqliteStatement& s, int index, const Column& column, const std::optional<std::string>& value) {
    if (!value) return s.BindNull(index);
    switch (column.kind) {
      case Kind::kInteger:
        return s.BindInt64(index, std::stoll(*value));
      case Kind::kBlob: {
        const std::optional<std::string> bytes = PgHexDecoded(*value);
        if (!bytes) return Internal("migration: a blob column read back as malformed hex");
        return s.BindBlob(index, *bytes);
      }
      case Kind::kText:
        break;
    }
    return s.BindText(index, *value);
  }

  std::unique_ptr<Database> db_;
  std::string name_;
};

class PostgresEndpoint final : public MigrationEndpoint {
 public:
  explicit PostgresEndpoint(std::unique_ptr<PostgresDatabase> db) : db_(std::move(db)) {}
  std::string name() const override { return db_->redacted_url(); }

  Result<std::vector<Row>> Page(const Table& t, const Row* after, int limit) override {
    std::vector<Row> rows;
    std::string sql = "SELECT " + SelectList(t, true) + " FROM " + t.name;
    std::vector<PgParam> params;
    // COLLATE "C" (byte order, the order SQLite's keys use) in the comparison and the sort alike.
    std::string keys;
    for (std::size_t i = 0; i < t.key_columns; ++i) {
      if (i) keys += ", ";
      keys += t.columns[i].name + (t.columns[i].kind == Kind::kText ? " COLLATE \"C\"" : "");
    }
    if (after) {
      sql += " WHERE (" + keys + ") > (";
      for (std::size_t i = 0; i < t.key_columns; ++i) {
        sql += i ? ", $" : "$";
        sql += std::to_string(i + 1);
        params.push_back((*after)[i]);
      }
      sql += ")";
    }
    sql += " ORDER BY " + keys + " LIMIT " + std::to_string(limit);
    IRIS_RETURN_IF_ERROR(db_->Transaction([&](PgConnection& c) -> Status {
      rows.clear();
      IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec(sql, params));
      for (int i = 0; i < r.rows(); ++i) {
        Row row;
        for (std::size_t col = 0; col < t.columns.size(); ++col) {
          const int column = static_cast<int>(col);
          row.push_back(r.IsNull(i, column) ? std::nullopt : std::optional<std::string>(r.Text(i, column)));
        }
        rows.push_back(std::move(row));
      }
      return Status::Ok();
    }));
    return rows;
  }

  Result<std::int64_t> InsertMissing(const Table& t, const std::vector<Row>& rows) override {
    std::string names, marks;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (i) names += ", ";
      names += t.columns[i].name;
      std::string mark = "$";
      mark += std::to_string(i + 1);
      if (i) marks += ", ";
      marks += (t.columns[i].kind == Kind::kBlob ? "decode(" + mark + ", 'hex')" : mark);
    }
    // cancel_requested arrives as 0/1, which PostgreSQL's boolean input accepts.
    const std::string sql = "INSERT INTO " + t.name + "(" + names + ") VALUES (" + marks + ") ON CONFLICT DO NOTHING";
    std::int64_t inserted = 0;
    IRIS_RETURN_IF_ERROR(db_->Transaction([&](PgConnection& c) -> Status {
      inserted = 0;
      for (const Row& row : rows) {
        IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec(sql, row));
        inserted += r.affected();
      }
      return Status::Ok();
    }));
    return inserted;
  }

  Status AfterCopy() override {
    // Retention reads finished_at_ts; the text time is what clients see.
    return db_->Transaction([](PgConnection& c) {
      return c
          .Exec(
              "UPDATE jobs SET finished_at_ts = finished_at::timestamptz WHERE finished_at IS NOT NULL AND "
              "finished_at_ts IS NULL")
          .status();
    });
  }

 private:
  std::unique_ptr<PostgresDatabase> db_;
};

// Count and chained SHA-256 over every row of the table in key order.
Result<std::pair<std::int64_t, std::string>> Checksum(MigrationEndpoint& side, const Table& t) {
  std::int64_t count = 0;
  std::string digest = Sha256Hex("");
  std::optional<Row> last;
  while (true) {
    IRIS_ASSIGN_OR_RETURN(std::vector<Row> page, side.Page(t, last ? &*last : nullptr, kPageRows));
    for (const Row& row : page) {
      std::string text = digest;
      for (const auto& value : row) {
        if (value) {
          text += 'v';
          text += std::to_string(value->size());
          text += ':';
          text += *value;
        } else {
          text += 'n';
        }
      }
      digest = Sha256Hex(text);
      ++count;
    }
    if (static_cast<int>(page.size()) < kPageRows) break;
    last = page.back();
  }
  return std::make_pair(count, digest);
}

}  // namespace

bool MigrationReport::verified() const {
  for (const TableReport& t : tables) {
    if (!t.matches()) return false;
  }
  return true;
}

Result<std::unique_ptr<MigrationEndpoint>> OpenMigrationEndpoint(const std::string& spec) {
  if (spec.rfind("sqlite:", 0) == 0) {
    const std::filesystem::path dir = spec.substr(7);
    if (dir.empty()) return InvalidArgument("sqlite: needs a data directory (sqlite:./iris-data)");
    auto db = Database::Open(dir / "iris.db");
    if (!db.ok()) return db.status().WithContext("opening " + (dir / "iris.db").string());
    return std::unique_ptr<MigrationEndpoint>(new SqliteEndpoint(std::move(db).value(), (dir / "iris.db").string()));
  }
  if (IsPostgresUrl(spec)) {
    auto db = PostgresDatabase::Open(spec);
    if (!db.ok()) return db.status();
    return std::unique_ptr<MigrationEndpoint>(new PostgresEndpoint(std::move(db).value()));
  }
  std::string message = "'";  // in pieces: GCC 12's -Wrestrict misfires on "'" + std::string
  message += RedactedUrl(spec);
  message += "' is neither sqlite:DIR nor a postgresql:// URL";
  return InvalidArgument(message);
}

Result<MigrationReport> Migrate(MigrationEndpoint& from, MigrationEndpoint& to, const MigrationOptions& options) {
  MigrationReport report;
  IRIS_RETURN_IF_ERROR(from.BeforeCopy());
  if (!options.verify_only) IRIS_RETURN_IF_ERROR(to.BeforeCopy());
  for (const Table& t : Tables()) {
    TableReport table;
    table.table = t.name;
    if (!options.verify_only) {
      std::optional<Row> last;
      while (true) {
        IRIS_ASSIGN_OR_RETURN(std::vector<Row> page, from.Page(t, last ? &*last : nullptr, kPageRows));
        if (page.empty()) break;
        IRIS_ASSIGN_OR_RETURN(std::int64_t inserted, to.InsertMissing(t, page));
        table.copied += inserted;
        if (options.progress) options.progress(t.name, table.copied);
        if (static_cast<int>(page.size()) < kPageRows) break;
        last = page.back();
      }
    }
    report.tables.push_back(std::move(table));
  }
  if (!options.verify_only) IRIS_RETURN_IF_ERROR(to.AfterCopy());
  std::string differences;
  for (std::size_t i = 0; i < Tables().size(); ++i) {
    TableReport& table = report.tables[i];
    IRIS_ASSIGN_OR_RETURN(auto source, Checksum(from, Tables()[i]));
    IRIS_ASSIGN_OR_RETURN(auto target, Checksum(to, Tables()[i]));
    std::tie(table.source_rows, table.source_checksum) = source;
    std::tie(table.target_rows, table.target_checksum) = target;
    if (!table.matches()) {
      differences += " " + table.table + " (" + std::to_string(table.source_rows) + " rows vs " +
                     std::to_string(table.target_rows) +
                     (table.source_rows == table.target_rows ? ", contents differ)" : ")");
    }
  }
  if (!differences.empty()) {
    return FailedPrecondition("verification failed: " + from.name() + " and " + to.name() + " differ in" + differences);
  }
  return report;
}

}  // namespace iris::app
