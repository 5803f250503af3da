#include "dedup/signature_store.h"

#include "core/logging.h"
#include "dedup/signature_codec.h"

namespace iris {

Status SignatureStore::Put(std::string_view collection, std::string_view id, const DuplicateSignature& signature) {
  if (collection.empty() || id.empty()) return InvalidArgument("a signature needs a collection and an item id");
  const std::string blob = EncodeSignature(signature);
  return db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        connection.Prepare("INSERT INTO duplicate_signatures(collection, item_id, signature, updated_at) "
                           "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
                           "ON CONFLICT(collection, item_id) DO UPDATE SET signature = excluded.signature, "
                           "updated_at = excluded.updated_at"));
    IRIS_RETURN_IF_ERROR(insert.BindText(1, collection));
    IRIS_RETURN_IF_ERROR(insert.BindText(2, id));
    IRIS_RETURN_IF_ERROR(insert.BindBlob(3, blob));
    return insert.Run();
  });
}

Result<bool> SignatureStore::Remove(std::string_view collection, std::string_view id) {
  bool removed = false;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement del,
                          connection.Prepare("DELETE FROM duplicate_signatures WHERE collection = ? AND item_id = ?"));
    IRIS_RETURN_IF_ERROR(del.BindText(1, collection));
    IRIS_RETURN_IF_ERROR(del.BindText(2, id));
    IRIS_RETURN_IF_ERROR(del.Run());
    removed = connection.changes() > 0;
    return Status::Ok();
  }));
  return removed;
}

Result<std::size_t> SignatureStore::RemoveCollection(std::string_view collection) {
  std::size_t removed = 0;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement del,
                          connection.Prepare("DELETE FROM duplicate_signatures WHERE collection = ?"));
    IRIS_RETURN_IF_ERROR(del.BindText(1, collection));
    IRIS_RETURN_IF_ERROR(del.Run());
    removed = static_cast<std::size_t>(connection.changes());
    return Status::Ok();
  }));
  return removed;
}

Result<SignatureStore::LoadReport> SignatureStore::LoadAll(std::string_view collection, const LoadFn& fn) {
  LoadReport report;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT item_id, signature FROM duplicate_signatures "
                                             "WHERE collection = ? ORDER BY item_id"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      std::string id = select.ColumnText(0);
      const std::string blob = select.ColumnBlob(1);
      report.bytes += blob.size();
      Result<DuplicateSignature> signature = DecodeSignature(blob);
      if (!signature.ok()) {
        LogWarn("dedup.signature_corrupt", {{"collection", std::string(collection)},
                                            {"id", id},
                                            {"bytes", blob.size()},
                                            {"error", signature.status().message()}});
        report.corrupt_ids.push_back(std::move(id));
        continue;
      }
      fn(std::move(id), std::move(signature).value());
      ++report.loaded;
    }
    return Status::Ok();
  }));
  return report;
}

Result<std::size_t> SignatureStore::Count(std::string_view collection) {
  std::size_t count = 0;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT COUNT(*) FROM duplicate_signatures WHERE collection = ?"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) count = static_cast<std::size_t>(select.ColumnInt64(0));
    return Status::Ok();
  }));
  return count;
}

}  // namespace iris
