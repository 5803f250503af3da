#include "dedup/sqlite_signature_store.h"

#include "core/logging.h"
#include "dedup/signature_codec.h"
#include "dedup/tiered_signature_codec.h"

namespace iris {
namespace {

// Both tiers of one item, replacing any earlier row of either tier or v1; inside a write transaction.
Status WriteTiers(SqliteConnection& connection, std::string_view collection, std::string_view id,
                  const std::string& resident, const std::string& cold) {
  IRIS_ASSIGN_OR_RETURN(
      SqliteStatement put_resident,
      connection.Prepare("INSERT INTO duplicate_resident(collection, item_id, resident, updated_at) "
                         "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
                         "ON CONFLICT(collection, item_id) DO UPDATE SET resident = excluded.resident, "
                         "updated_at = excluded.updated_at"));
  IRIS_RETURN_IF_ERROR(put_resident.BindText(1, collection));
  IRIS_RETURN_IF_ERROR(put_resident.BindText(2, id));
  IRIS_RETURN_IF_ERROR(put_resident.BindBlob(3, resident));
  IRIS_RETURN_IF_ERROR(put_resident.Run());
  IRIS_ASSIGN_OR_RETURN(SqliteStatement put_cold,
                        connection.Prepare("INSERT INTO duplicate_cold(collection, item_id, cold) VALUES (?, ?, ?) "
                                           "ON CONFLICT(collection, item_id) DO UPDATE SET cold = excluded.cold"));
  IRIS_RETURN_IF_ERROR(put_cold.BindText(1, collection));
  IRIS_RETURN_IF_ERROR(put_cold.BindText(2, id));
  IRIS_RETURN_IF_ERROR(put_cold.BindBlob(3, cold));
  IRIS_RETURN_IF_ERROR(put_cold.Run());
  IRIS_ASSIGN_OR_RETURN(SqliteStatement del_v1,
                        connection.Prepare("DELETE FROM duplicate_signatures WHERE collection = ? AND item_id = ?"));
  IRIS_RETURN_IF_ERROR(del_v1.BindText(1, collection));
  IRIS_RETURN_IF_ERROR(del_v1.BindText(2, id));
  return del_v1.Run();
}

constexpr const char* kTables[] = {"duplicate_resident", "duplicate_cold", "duplicate_signatures"};

}  // namespace

Status SqliteSignatureStore::Put(std::string_view collection, std::string_view id, const StoredSignature& stored) {
  if (collection.empty() || id.empty()) return InvalidArgument("a signature needs a collection and an item id");
  const std::string resident = EncodeResident(stored.resident);
  return db_.Write([&](SqliteConnection& connection) -> Status {
    return WriteTiers(connection, collection, id, resident, stored.cold);
  });
}

Result<bool> SqliteSignatureStore::Remove(std::string_view collection, std::string_view id) {
  bool removed = false;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    for (const char* table : kTables) {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement del, connection.Prepare(std::string("DELETE FROM ") + table +
                                                                    " WHERE collection = ? AND item_id = ?"));
      IRIS_RETURN_IF_ERROR(del.BindText(1, collection));
      IRIS_RETURN_IF_ERROR(del.BindText(2, id));
      IRIS_RETURN_IF_ERROR(del.Run());
      removed = removed || connection.changes() > 0;
    }
    return Status::Ok();
  }));
  return removed;
}

Result<std::size_t> SqliteSignatureStore::RemoveCollection(std::string_view collection) {
  std::size_t removed = 0;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
    for (const char* table : kTables) {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement del,
                            connection.Prepare(std::string("DELETE FROM ") + table + " WHERE collection = ?"));
      IRIS_RETURN_IF_ERROR(del.BindText(1, collection));
      IRIS_RETURN_IF_ERROR(del.Run());
      // Items: the resident table has one row per item in tier form, the v1 table one per unconverted item.
      if (std::string_view(table) != "duplicate_cold") removed += static_cast<std::size_t>(connection.changes());
    }
    return Status::Ok();
  }));
  return removed;
}

Status SqliteSignatureStore::ConvertLegacy(std::string_view collection, LoadReport& report) {
  // Batches of 64 rows (~4 MB), one transaction each: every row of a batch is converted or deleted, so
  // the next batch starts again at the first remaining row.
  bool more = true;
  while (more) {
    IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& connection) -> Status {
      std::vector<std::pair<std::string, std::string>> rows;
      {
        IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                              connection.Prepare("SELECT item_id, signature FROM duplicate_signatures "
                                                 "WHERE collection = ? ORDER BY item_id LIMIT 64"));
        IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
        while (true) {
          IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
          if (!row) break;
          rows.emplace_back(select.ColumnText(0), select.ColumnBlob(1));
        }
      }
      more = !rows.empty();
      for (const auto& [id, blob] : rows) {
        Result<DuplicateSignature> v1 = DecodeSignature(blob);
        if (v1.ok()) {
          const SplitSignatures split = SplitSignature(*v1, tiers_);
          // Also deletes the v1 row.
          IRIS_RETURN_IF_ERROR(
              WriteTiers(connection, collection, id, EncodeResident(split.resident), EncodeCold(split.cold)));
          ++report.converted;
          continue;
        }
        LogWarn("dedup.signature_corrupt",
                {{"collection", std::string(collection)}, {"id", id}, {"format", 1}, {"error", v1.status().message()}});
        IRIS_ASSIGN_OR_RETURN(
            SqliteStatement del,
            connection.Prepare("DELETE FROM duplicate_signatures WHERE collection = ? AND item_id = ?"));
        IRIS_RETURN_IF_ERROR(del.BindText(1, collection));
        IRIS_RETURN_IF_ERROR(del.BindText(2, id));
        IRIS_RETURN_IF_ERROR(del.Run());
        report.corrupt_ids.push_back(id);
      }
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

Result<SignatureStore::LoadReport> SqliteSignatureStore::LoadAll(std::string_view collection, const LoadFn& fn) {
  LoadReport report;
  bool has_legacy = false;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement any,
                          connection.Prepare("SELECT 1 FROM duplicate_signatures WHERE collection = ? LIMIT 1"));
    IRIS_RETURN_IF_ERROR(any.BindText(1, collection));
    IRIS_ASSIGN_OR_RETURN(has_legacy, any.Step());
    return Status::Ok();
  }));
  if (has_legacy) {
    IRIS_RETURN_IF_ERROR(ConvertLegacy(collection, report));
    LogInfo("dedup.signatures_converted", {{"collection", std::string(collection)},
                                           {"converted", report.converted},
                                           {"corrupt", report.corrupt_ids.size()}});
  }
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select, connection.Prepare("SELECT item_id, resident FROM duplicate_resident "
                                                                     "WHERE collection = ? ORDER BY item_id"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      std::string id = select.ColumnText(0);
      const std::string blob = select.ColumnBlob(1);
      report.bytes += blob.size();
      Result<ResidentSignature> resident = DecodeResident(blob);
      if (!resident.ok()) {
        LogWarn("dedup.signature_corrupt", {{"collection", std::string(collection)},
                                            {"id", id},
                                            {"bytes", blob.size()},
                                            {"error", resident.status().message()}});
        report.corrupt_ids.push_back(std::move(id));
        continue;
      }
      fn(std::move(id), std::move(resident).value());
      ++report.loaded;
    }
    return Status::Ok();
  }));
  return report;
}

Result<std::vector<std::optional<std::string>>> SqliteSignatureStore::FetchCold(std::string_view collection,
                                                                                const std::vector<std::string>& ids) {
  std::vector<std::optional<std::string>> out(ids.size());
  if (ids.empty()) return out;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT cold FROM duplicate_cold WHERE collection = ? AND item_id = ?"));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      IRIS_RETURN_IF_ERROR(select.Reset());
      IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
      IRIS_RETURN_IF_ERROR(select.BindText(2, ids[i]));
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (row) out[i] = select.ColumnBlob(0);
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::size_t> SqliteSignatureStore::Count(std::string_view collection) {
  std::size_t count = 0;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& connection) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          connection.Prepare("SELECT (SELECT COUNT(*) FROM duplicate_resident WHERE collection = ?1) + "
                                             "(SELECT COUNT(*) FROM duplicate_signatures WHERE collection = ?1)"));
    IRIS_RETURN_IF_ERROR(select.BindText(1, collection));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) count = static_cast<std::size_t>(select.ColumnInt64(0));
    return Status::Ok();
  }));
  return count;
}

}  // namespace iris
