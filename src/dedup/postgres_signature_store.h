// PostgresSignatureStore: the SignatureStore (signature_store.h) shared by several `iris serve`
// processes, in the PostgreSQL database of storage.database_url (migration 4 of
// store/postgres_schema.cc): duplicate_resident and duplicate_cold hold the two tiers, duplicate_changes
// the change feed.
//
// Change feed: every Put, Remove and RemoveCollection inserts a duplicate_changes row (item id, or NULL
// for the whole collection) in the transaction that changes the signatures. Those transactions first take
// a transaction-scoped advisory lock on the collection, so within a collection the feed's sequence
// numbers are handed out, and become visible, in commit order: a reader that has seen sequence s has
// seen every change <= s. LoadAll reads the feed's last sequence before the rows (rows written after it
// are then replayed by ChangesSince, which is harmless). ChangesSince joins each change with the item's
// current resident tier (none: it was removed).
//
// Pruning: every prune_every-th Put of a process also deletes the collection's changes older than
// feed_retention and raises the collection's floor (duplicate_feed_floor) to the last one deleted. A reader
// whose position is below the floor gets a single `reload` change and loads the collection again
// (CollectionDedupIndex does). RemoveCollection clears the feed and the floor, keeping only its own row.
// Writers of one collection take turns on its lock (a Put is a few ms); readers never wait for it.
//
// Ownership: borrows the PostgresDatabase, which must outlive the store. Thread-safety: as SignatureStore.
#pragma once

#include <atomic>
#include <chrono>

#include "dedup/signature_store.h"
#include "store/postgres_database.h"

namespace iris {

struct PostgresSignatureStoreOptions {
  std::chrono::seconds feed_retention{3600};  // a process that checks less often than this reloads
  int prune_every = 256;                      // Puts between two prunes (per process)
};

class PostgresSignatureStore : public SignatureStore {
 public:
  explicit PostgresSignatureStore(PostgresDatabase& db, PostgresSignatureStoreOptions options = {})
      : db_(db), options_(options) {}

  Status Put(std::string_view collection, std::string_view id, const StoredSignature& stored) override;
  Result<bool> Remove(std::string_view collection, std::string_view id) override;
  Result<std::size_t> RemoveCollection(std::string_view collection) override;
  Result<LoadReport> LoadAll(std::string_view collection, const LoadFn& fn) override;
  Result<std::vector<std::optional<std::string>>> FetchCold(std::string_view collection,
                                                            const std::vector<std::string>& ids) override;
  Result<std::size_t> Count(std::string_view collection) override;
  bool shared() const override { return true; }
  Result<std::vector<Change>> ChangesSince(std::string_view collection, std::uint64_t after) override;

 private:
  PostgresDatabase& db_;
  const PostgresSignatureStoreOptions options_;
  std::atomic<std::uint64_t> puts_{0};
};

}  // namespace iris
