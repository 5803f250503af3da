// SignatureStore: near-duplicate signatures of collection items, persisted in the database's
// duplicate_signatures table (store/schema.cc, migration 3) as versioned blobs (signature_codec.h),
// one row per (collection, item id), so the server's duplicate index survives a restart
// (collection_dedup_index.h).
//
//   * Put writes (inserts or replaces) one item's signature and stamps updated_at (ISO-8601 UTC, ms).
//   * LoadAll streams a collection's rows in item-id order to a callback, decoding one at a time (the
//     blobs are never all in memory at once). A row whose blob does not decode (corrupt, truncated, or
//     written by a newer format version) is skipped, logged as a warning (event
//     dedup.signature_corrupt) and listed in the returned LoadReport; it is not an error.
//
// Errors: database failures are returned as is (store/sqlite_connection.h maps SQLite's codes, e.g.
// kUnavailable for a busy database). Put of an empty collection or id is InvalidArgument.
// Ownership: borrows the Database, which must outlive the store.
// Thread-safety: every method may be called from any number of threads (Database serialises writers and
// pools readers). LoadAll's callback runs inside a read transaction on the calling thread: it must not
// call back into this store or the database.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dedup/duplicate_detector.h"
#include "store/database.h"

namespace iris {

class SignatureStore {
 public:
  explicit SignatureStore(Database& db) : db_(db) {}

  Status Put(std::string_view collection, std::string_view id, const DuplicateSignature& signature);
  // True when a row was deleted.
  Result<bool> Remove(std::string_view collection, std::string_view id);
  // Deletes every row of the collection; returns how many.
  Result<std::size_t> RemoveCollection(std::string_view collection);

  struct LoadReport {
    std::size_t loaded = 0;                // rows handed to the callback
    std::vector<std::string> corrupt_ids;  // rows skipped because their blob did not decode
    std::size_t bytes = 0;                 // blob bytes read (loaded and corrupt rows)
  };
  using LoadFn = std::function<void(std::string id, DuplicateSignature signature)>;
  Result<LoadReport> LoadAll(std::string_view collection, const LoadFn& fn);

  Result<std::size_t> Count(std::string_view collection);

 private:
  Database& db_;
};

}  // namespace iris
