#include "dedup/postgres_signature_store.h"

#include "core/logging.h"
#include "dedup/tiered_signature_codec.h"

namespace iris {
namespace {

constexpr int kLoadPage = 1000;

// Serialises the writers of one collection until the transaction ends (see the header).
Status LockCollection(PgConnection& c, std::string_view collection) {
  return c
      .Exec("SELECT pg_advisory_xact_lock(hashtextextended('iris.duplicates:' || $1, 0))", {std::string(collection)})
      .status();
}

Status RecordChange(PgConnection& c, std::string_view collection, const std::optional<std::string>& id) {
  if (id) {
    return c.Exec("INSERT INTO duplicate_changes(collection, item_id) VALUES ($1, $2)", {std::string(collection), *id})
        .status();
  }
  return c.Exec("INSERT INTO duplicate_changes(collection, item_id) VALUES ($1, NULL)", {std::string(collection)})
      .status();
}

// Deletes the collection's changes older than `retention` and raises its floor to the last one deleted.
Status PruneFeed(PgConnection& c, const std::string& collection, std::chrono::seconds retention) {
  return c
      .Exec(
          "WITH pruned AS (DELETE FROM duplicate_changes WHERE collection = $1 AND "
          "changed_at < now() - make_interval(secs => $2) RETURNING seq) "
          "INSERT INTO duplicate_feed_floor(collection, floor) SELECT $1, MAX(seq) FROM pruned HAVING COUNT(*) > 0 "
          "ON CONFLICT (collection) DO UPDATE SET floor = GREATEST(duplicate_feed_floor.floor, excluded.floor)",
          {collection, std::to_string(retention.count())})
      .status();
}

}  // namespace

Status PostgresSignatureStore::Put(std::string_view collection, std::string_view id, const StoredSignature& stored) {
  if (collection.empty() || id.empty()) return InvalidArgument("a signature needs a collection and an item id");
  const std::string resident = PgByteaHex(EncodeResident(stored.resident));
  const std::string cold = PgByteaHex(stored.cold);
  const std::string c_name(collection), item(id);
  const bool prune = options_.prune_every > 0 && ++puts_ % static_cast<std::uint64_t>(options_.prune_every) == 0;
  return db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(LockCollection(c, collection));
    if (prune) IRIS_RETURN_IF_ERROR(PruneFeed(c, c_name, options_.feed_retention));
    IRIS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO duplicate_resident(collection, item_id, resident) VALUES ($1, $2, $3::bytea) "
               "ON CONFLICT (collection, item_id) DO UPDATE SET resident = excluded.resident, "
               "updated_at = now()",
               {c_name, item, resident})
            .status());
    IRIS_RETURN_IF_ERROR(c.Exec("INSERT INTO duplicate_cold(collection, item_id, cold) VALUES ($1, $2, $3::bytea) "
                                "ON CONFLICT (collection, item_id) DO UPDATE SET cold = excluded.cold",
                                {c_name, item, cold})
                             .status());
    return RecordChange(c, collection, item);
  });
}

Result<bool> PostgresSignatureStore::Remove(std::string_view collection, std::string_view id) {
  bool removed = false;
  const std::string c_name(collection), item(id);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(LockCollection(c, collection));
    IRIS_ASSIGN_OR_RETURN(
        PgResult r, c.Exec("DELETE FROM duplicate_resident WHERE collection = $1 AND item_id = $2", {c_name, item}));
    removed = r.affected() > 0;
    IRIS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM duplicate_cold WHERE collection = $1 AND item_id = $2", {c_name, item}).status());
    return removed ? RecordChange(c, collection, item) : Status::Ok();
  }));
  return removed;
}

Result<std::size_t> PostgresSignatureStore::RemoveCollection(std::string_view collection) {
  std::size_t removed = 0;
  const std::string c_name(collection);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(LockCollection(c, collection));
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("DELETE FROM duplicate_resident WHERE collection = $1", {c_name}));
    removed = static_cast<std::size_t>(r.affected());
    IRIS_RETURN_IF_ERROR(c.Exec("DELETE FROM duplicate_cold WHERE collection = $1", {c_name}).status());
    // Earlier changes are covered by this one: a reader behind it resets the collection.
    IRIS_RETURN_IF_ERROR(c.Exec("DELETE FROM duplicate_changes WHERE collection = $1", {c_name}).status());
    IRIS_RETURN_IF_ERROR(c.Exec("DELETE FROM duplicate_feed_floor WHERE collection = $1", {c_name}).status());
    return RecordChange(c, collection, std::nullopt);
  }));
  return removed;
}

Result<SignatureStore::LoadReport> PostgresSignatureStore::LoadAll(std::string_view collection, const LoadFn& fn) {
  LoadReport report;
  const std::string c_name(collection);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        PgResult r, c.Exec("SELECT COALESCE(MAX(seq), 0) FROM duplicate_changes WHERE collection = $1", {c_name}));
    report.sequence = static_cast<std::uint64_t>(r.Int64(0, 0));
    return Status::Ok();
  }));
  // Pages in item-id order, each its own statement (a page is ~1.3 MB).
  std::string after;
  bool first = true;
  while (true) {
    std::vector<std::pair<std::string, std::string>> rows;
    IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
      rows.clear();
      IRIS_ASSIGN_OR_RETURN(
          PgResult r,
          first ? c.Exec("SELECT item_id, resident FROM duplicate_resident WHERE collection = $1 ORDER BY item_id "
                         "LIMIT " +
                             std::to_string(kLoadPage),
                         {c_name})
                : c.Exec("SELECT item_id, resident FROM duplicate_resident WHERE collection = $1 AND item_id > $2 "
                         "ORDER BY item_id LIMIT " +
                             std::to_string(kLoadPage),
                         {c_name, after}));
      for (int i = 0; i < r.rows(); ++i) rows.emplace_back(r.Text(i, 0), r.Bytes(i, 1));
      return Status::Ok();
    }));
    first = false;
    for (auto& [id, blob] : rows) {
      report.bytes += blob.size();
      Result<ResidentSignature> resident = DecodeResident(blob);
      if (!resident.ok()) {
        LogWarn("dedup.signature_corrupt",
                {{"collection", c_name}, {"id", id}, {"bytes", blob.size()}, {"error", resident.status().message()}});
        report.corrupt_ids.push_back(id);
        continue;
      }
      fn(id, std::move(resident).value());
      ++report.loaded;
    }
    if (rows.size() < static_cast<std::size_t>(kLoadPage)) break;
    after = rows.back().first;
  }
  return report;
}

Result<std::vector<std::optional<std::string>>> PostgresSignatureStore::FetchCold(std::string_view collection,
                                                                                  const std::vector<std::string>& ids) {
  std::vector<std::optional<std::string>> out(ids.size());
  if (ids.empty()) return out;
  const std::string c_name(collection);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT cold FROM duplicate_cold WHERE collection = $1 AND item_id = $2",
                                               {c_name, ids[i]}));
      out[i] = r.rows() > 0 ? std::optional<std::string>(r.Bytes(0, 0)) : std::nullopt;
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::size_t> PostgresSignatureStore::Count(std::string_view collection) {
  std::size_t count = 0;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        PgResult r, c.Exec("SELECT COUNT(*) FROM duplicate_resident WHERE collection = $1", {std::string(collection)}));
    count = static_cast<std::size_t>(r.Int64(0, 0));
    return Status::Ok();
  }));
  return count;
}

Result<std::vector<SignatureStore::Change>> PostgresSignatureStore::ChangesSince(std::string_view collection,
                                                                                 std::uint64_t after) {
  std::vector<Change> changes;
  const std::string c_name(collection);
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    changes.clear();
    IRIS_ASSIGN_OR_RETURN(PgResult r,
                          c.Exec("SELECT ch.seq, ch.item_id IS NULL, ch.item_id, r.resident IS NOT NULL, r.resident "
                                 "FROM duplicate_changes ch LEFT JOIN duplicate_resident r "
                                 "ON r.collection = ch.collection AND r.item_id = ch.item_id "
                                 "WHERE ch.collection = $1 AND ch.seq > $2 ORDER BY ch.seq",
                                 {c_name, std::to_string(after)}));
    for (int i = 0; i < r.rows(); ++i) {
      Change change;
      change.sequence = static_cast<std::uint64_t>(r.Int64(i, 0));
      change.collection_removed = r.Text(i, 1) == "t";
      change.id = r.Text(i, 2);
      if (r.Text(i, 3) == "t") {
        auto resident = DecodeResident(r.Bytes(i, 4));
        if (resident.ok()) {
          change.resident = std::move(resident).value();
        } else {
          LogWarn("dedup.signature_corrupt",
                  {{"collection", c_name}, {"id", change.id}, {"error", resident.status().message()}});
        }
      }
      changes.push_back(std::move(change));
    }
    // The floor after the changes: a prune that committed before this read also deleted changes the read
    // above may have missed, and is seen here (prune and floor commit together).
    IRIS_ASSIGN_OR_RETURN(PgResult floor,
                          c.Exec("SELECT floor FROM duplicate_feed_floor WHERE collection = $1", {c_name}));
    if (floor.rows() > 0 && after < static_cast<std::uint64_t>(floor.Int64(0, 0))) {
      changes.clear();
      Change reload;
      reload.reload = true;
      changes.push_back(std::move(reload));
    }
    return Status::Ok();
  }));
  return changes;
}

}  // namespace iris
