// SignatureStore: where the near-duplicate signatures of collection items are kept, in two tiers
// (signature_tiers.h): the resident part (~1.3 KB: pHashes, vote keys, embedding), read in full by
// LoadAll when a collection's detector is loaded, and the cold part (<= 12.6 KB: thumbnails,
// keypoints), read by FetchCold only for the candidates of a check. One row per (collection, item id).
//
// Implementations:
//   SqliteSignatureStore (sqlite_signature_store.h)     iris.db; one process.
//   PostgresSignatureStore (postgres_signature_store.h) the shared PostgreSQL database (storage.database_url
//                                                       with storage.vector_engine = qdrant); several processes.
//
//   * Put writes (inserts or replaces) both tiers of one item atomically; Remove and RemoveCollection
//     delete them.
//   * LoadAll streams a collection's resident rows in item-id order to a callback, decoding one at a
//     time. A row whose blob does not decode is skipped, logged (event dedup.signature_corrupt) and listed
//     in the LoadReport.
//   * FetchCold returns the encoded cold parts of the listed items (nullopt where there is none).
//   * Change feed (shared stores only, shared() true): every Put, Remove and RemoveCollection gets a
//     sequence number, increasing in commit order within a collection. LoadAll reports in
//     report.sequence a sequence its rows include; ChangesSince(collection, s) lists what was written
//     after s, so a detector one process loaded catches up on the writes of the others. Applying a
//     change twice is harmless (a put replaces, a removal of an absent item does nothing). Stores of one
//     process have no feed: ChangesSince returns nothing.
//
// Errors: database failures are returned as is (kUnavailable for a busy or unreachable database). Put of
// an empty collection or id is InvalidArgument.
// Thread-safety: every method may be called from any number of threads. LoadAll's callback runs on the
// calling thread inside a read: it must not call back into the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dedup/duplicate_detector.h"

namespace iris {

class SignatureStore {
 public:
  virtual ~SignatureStore() = default;

  // `stored.cold` is the encoded cold part (DuplicateDetector::Tier).
  virtual Status Put(std::string_view collection, std::string_view id, const StoredSignature& stored) = 0;
  // True when a row was deleted.
  virtual Result<bool> Remove(std::string_view collection, std::string_view id) = 0;
  // Deletes every row of the collection; returns how many items.
  virtual Result<std::size_t> RemoveCollection(std::string_view collection) = 0;

  struct LoadReport {
    std::size_t loaded = 0;                // rows handed to the callback
    std::vector<std::string> corrupt_ids;  // rows skipped because their blob did not decode
    std::size_t bytes = 0;                 // resident blob bytes read (loaded and corrupt rows)
    std::size_t converted = 0;             // v1 rows converted to the two tiers first (SQLite)
    std::uint64_t sequence = 0;            // the change feed's position the rows include (shared stores)
  };
  using LoadFn = std::function<void(std::string id, ResidentSignature resident)>;
  virtual Result<LoadReport> LoadAll(std::string_view collection, const LoadFn& fn) = 0;

  virtual Result<std::vector<std::optional<std::string>>> FetchCold(std::string_view collection,
                                                                    const std::vector<std::string>& ids) = 0;

  // Items with a signature.
  virtual Result<std::size_t> Count(std::string_view collection) = 0;

  // One entry of the change feed.
  struct Change {
    std::uint64_t sequence = 0;
    // The feed no longer reaches back to the position asked for (old changes were pruned): reload the
    // collection from the store. When set, it is the only change returned.
    bool reload = false;
    bool collection_removed = false;            // RemoveCollection: every item of it is gone
    std::string id;                             // the item (empty when collection_removed)
    std::optional<ResidentSignature> resident;  // its resident tier now; nullopt: removed
  };
  virtual bool shared() const { return false; }
  // The changes of `collection` after sequence `after`, in order.
  virtual Result<std::vector<Change>> ChangesSince(std::string_view /*collection*/, std::uint64_t /*after*/) {
    return std::vector<Change>{};
  }
};

}  // namespace iris
