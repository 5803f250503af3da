#include "app/image_records.h"

#include "store/sqlite_statement.h"

namespace iris::app {
namespace {

Status NoImage() { return NotFound("no stored image with that sha256"); }

}  // namespace

Status SqliteImageRecords::Record(const ImageRecord& record) {
  return db_.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT OR IGNORE INTO blobs(key, sha256, size, content_type, "
                                       "created_at) VALUES(?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, record.key));
    IRIS_RETURN_IF_ERROR(stmt.BindText(2, record.sha256));
    IRIS_RETURN_IF_ERROR(stmt.BindInt64(3, record.size));
    IRIS_RETURN_IF_ERROR(stmt.BindText(4, record.content_type));
    return stmt.Run();
  });
}

Result<std::string> SqliteImageRecords::ContentType(const std::string& key) {
  std::string content_type;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT content_type FROM blobs WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, key));
    IRIS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NoImage();
    content_type = stmt.ColumnText(0);
    return Status::Ok();
  }));
  return content_type;
}

Status PostgresImageRecords::Record(const ImageRecord& record) {
  return db_.Transaction([&](PgConnection& c) {
    return c
        .Exec("INSERT INTO blobs(key, sha256, size, content_type, created_at) VALUES ($1, $2, $3, $4, " +
                  std::string(kPgNowIsoText) + ") ON CONFLICT (key) DO NOTHING",
              {record.key, record.sha256, std::to_string(record.size), record.content_type})
        .status();
  });
}

Result<std::string> PostgresImageRecords::ContentType(const std::string& key) {
  std::string content_type;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT content_type FROM blobs WHERE key = $1", {key}));
    if (r.rows() == 0) return NoImage();
    content_type = r.Text(0, 0);
    return Status::Ok();
  }));
  return content_type;
}

}  // namespace iris::app
