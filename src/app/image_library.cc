#include "app/image_library.h"

#include "image/image_format.h"
#include "store/sqlite_statement.h"

namespace iris::app {
namespace {

Status RecordBlob(Database& db, const std::string& key, const IngestedImage& image) {
  return db.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT OR IGNORE INTO blobs(key, sha256, size, content_type, "
                                       "created_at) VALUES(?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, key));
    IRIS_RETURN_IF_ERROR(stmt.BindText(2, image.hashes().sha256));
    IRIS_RETURN_IF_ERROR(stmt.BindInt64(3, static_cast<std::int64_t>(image.bytes().size())));
    IRIS_RETURN_IF_ERROR(stmt.BindText(4, std::string(ImageFormatMimeType(image.info().format))));
    return stmt.Run();
  });
}

Result<std::string> StoredContentType(Database& db, const std::string& key) {
  std::string content_type;
  IRIS_RETURN_IF_ERROR(db.Read([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT content_type FROM blobs WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, key));
    IRIS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no stored image with that sha256");
    content_type = stmt.ColumnText(0);
    return {};
  }));
  return content_type;
}

}  // namespace

Result<std::string> ImageLibrary::Store(const IngestedImage& image, Trace& trace) {
  ScopedStage stage(trace, "storage");
  IRIS_ASSIGN_OR_RETURN(std::string key, blobs_.Put(image.bytes(), ImageFormatMimeType(image.info().format)));
  IRIS_RETURN_IF_ERROR(RecordBlob(database_, key, image));
  return key;
}

Result<StoredImage> ImageLibrary::Open(const std::string& sha256, Trace& trace) const {
  ScopedStage stage(trace, "storage");
  const std::string key = BlobKeyForSha256(sha256);
  StoredImage stored;
  IRIS_ASSIGN_OR_RETURN(stored.content_type, StoredContentType(database_, key));
  IRIS_ASSIGN_OR_RETURN(stored.reader, blobs_.OpenReader(key));
  return stored;
}

}  // namespace iris::app
