// SqliteSignatureStore: the SignatureStore (signature_store.h) of one process, in iris.db, in two tiers
// (signature_tiers.h; store/schema.cc migration 5), one row per (collection, item id) in each:
//
//   * duplicate_resident: the resident part (~1.3 KB: pHashes, vote keys, embedding), read in full by
//     LoadAll when a collection's detector is loaded — 10^5 items in a few seconds.
//   * duplicate_cold: the cold part (<= 12.6 KB: thumbnails, keypoints), read by FetchCold only for the
//     candidates of a check (point reads by (collection, item id)).
//   * duplicate_signatures (migration 3, format v1, ~65 KB a row): rows written by earlier versions.
//     LoadAll first converts a collection's v1 rows to the two tiers (decode, SplitSignature, write,
//     delete the v1 row; one transaction), so an existing data dir keeps working. A v1 row that does
//     not decode is deleted and reported as corrupt (it could never be used).
//
//   * Put writes (inserts or replaces) both tiers of one item (and deletes any v1 row of it) in one
//     transaction; Remove and RemoveCollection delete from all three tables.
//   * LoadAll streams a collection's resident rows in item-id order to a callback, decoding one at a
//     time. A row whose blob does not decode (corrupt, truncated, or from a newer format version) is
//     skipped, logged as a warning (event dedup.signature_corrupt) and listed in the LoadReport.
//   * FetchCold returns the encoded cold parts of the listed items (nullopt where there is none), in
//     one read transaction; decoding them is the detector's job (a corrupt one fails only that candidate).
//
// Errors: database failures are returned as is (store/sqlite_connection.h maps SQLite's codes, e.g.
// kUnavailable for a busy database). Put of an empty collection or id is InvalidArgument.
// Ownership: borrows the Database, which must outlive the store.
// Thread-safety: every method may be called from any number of threads (Database serialises writers and
// pools readers). LoadAll's callback runs inside a read transaction on the calling thread: it must not
// call back into this store or the database.
#pragma once

#include "dedup/signature_store.h"
#include "store/database.h"

namespace iris {

class SqliteSignatureStore : public SignatureStore {
 public:
  explicit SqliteSignatureStore(Database& db, TierOptions tiers = {}) : db_(db), tiers_(tiers) {}

  Status Put(std::string_view collection, std::string_view id, const StoredSignature& stored) override;
  Result<bool> Remove(std::string_view collection, std::string_view id) override;
  Result<std::size_t> RemoveCollection(std::string_view collection) override;
  Result<LoadReport> LoadAll(std::string_view collection, const LoadFn& fn) override;
  Result<std::vector<std::optional<std::string>>> FetchCold(std::string_view collection,
                                                            const std::vector<std::string>& ids) override;
  // Items with a signature (either tier form or v1).
  Result<std::size_t> Count(std::string_view collection) override;

 private:
  // Converts the collection's v1 rows (see above); adds to report.converted / corrupt_ids.
  Status ConvertLegacy(std::string_view collection, LoadReport& report);

  Database& db_;
  const TierOptions tiers_;
};

}  // namespace iris
