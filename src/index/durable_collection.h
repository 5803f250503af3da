// DurableCollection: the local engine's VectorCollection (index/vector_collection.h) -- an HnswCollection whose writes
// survive a crash, kept in one directory:
//
//   collection.meta.json       name, model, dim, metric, index parameters, created (UTC, ISO 8601);
//                              written once by Create (temp file + rename).
//   snapshot-<S>.irishnsw      the whole collection after log sequence S (collection_file.h);
//                              absent until the first Checkpoint.
//   log-<B>.iriswal            collection_log.h: the upserts/deletes with sequences B+1, B+2, ...
//   (S and B are 20-digit zero-padded decimals, so names sort by sequence.)
//
// Write path: Upsert/Delete validate, append the record to the log (fsync), THEN apply it to the
// index, under one writer lock, so an acknowledged (OK) write is on disk and the log order is the
// apply order. If applying fails after the append (out of memory), the call returns Internal and
// the write is applied on the next Open.
//
// Open: loads the newest snapshot (a corrupt or unreadable snapshot is an error, never replaced by an
// empty collection), then replays, from every log in base order, the records with sequence > S; the
// sequences must continue without a gap from S+1 (else FailedPrecondition). Replaying an upsert of an
// existing id replaces it, a delete of a missing id is a no-op, so replay is idempotent and never
// duplicates. A torn tail of the newest log is truncated (collection_log.h); damage elsewhere is
// FailedPrecondition naming the file and offset.
//
// Checkpoint (writer lock held): 1. write snapshot-<S> atomically for the last sequence S; 2. create
// the empty log-<S>; 3. switch appends to it; 4. delete older logs and snapshots. A kill at any
// point leaves a directory that Open reads correctly: before 1 completes, the old snapshot and logs
// are intact; between 1 and 2 the old log's records are all <= S and a missing log-<S> is created on
// Open; after 2 the leftovers are skipped and removed.
//
// Errors: Create on a directory that already holds a collection -> AlreadyExists; Open of a
// directory without collection.meta.json -> NotFound; bad meta, snapshot or log -> FailedPrecondition
// naming the file; argument errors as HnswCollection (InvalidArgument); Delete of an unknown id ->
// NotFound (nothing logged); I/O failures -> Internal.
//
// Ownership: owns the index and the log; one DurableCollection per directory (not locked against a
// second process). Thread-safety: all methods may be called concurrently; writes and Checkpoint are
// serialised by a writer lock, reads go to index(), which is itself thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "index/collection_log.h"
#include "index/hnsw_collection.h"
#include "index/vector_collection.h"

namespace iris {

// `created` is filled by Create and read back by Open.
using DurableCollectionOptions = CollectionDescription;

class DurableCollection : public VectorCollection {
 public:
  static Result<std::unique_ptr<DurableCollection>> Create(const std::filesystem::path& directory,
                                                           DurableCollectionOptions options);
  static Result<std::unique_ptr<DurableCollection>> Open(const std::filesystem::path& directory);
  // Deletes a collection directory and everything in it (OK when it does not exist). The files
  // Create makes are unlinked by name and the directory removed with rmdir before anything needs a
  // file descriptor, so what a Create that failed for want of descriptors (EMFILE) left behind can
  // be removed in that same state; a directory holding more is listed and removed recursively.
  static Status RemoveDirectory(const std::filesystem::path& directory);

  ~DurableCollection() override;
  DurableCollection(const DurableCollection&) = delete;
  DurableCollection& operator=(const DurableCollection&) = delete;

  // Durable on return (OK). Upsert replaces an existing id.
  Status Upsert(const std::string& id, std::span<const float> vector,
                nlohmann::json metadata = nlohmann::json::object()) override;
  // All items validated first (any error: nothing written), then one log write and one fsync.
  Status UpsertBatch(std::span<const DurableItem> items) override;
  Status Delete(const std::string& id) override;

  // Snapshot now and start an empty log (see the header comment).
  Status Checkpoint() override;

  // VectorCollection reads, answered by index() (they never fail for want of an engine).
  const CollectionDescription& description() const override { return options_; }
  Result<CollectionItem> Get(const std::string& id) const override { return index_->Get(id); }
  Result<bool> Contains(const std::string& id) const override { return index_->Contains(id); }
  Result<std::vector<CollectionHit>> Search(std::span<const float> query, int top_n, const SearchFilter& filter = {},
                                            std::optional<float> min_similarity = std::nullopt,
                                            SearchMode mode = SearchMode::kAuto) const override {
    return index_->Search(query, top_n, filter, min_similarity, mode);
  }
  Result<std::vector<std::string>> ListIds(std::size_t offset, std::size_t limit) const override {
    return index_->ListIds(offset, limit);
  }
  Result<std::size_t> Count() const override { return index_->size(); }

  // The in-memory index (tests, benchmarks). Do not write through it (writes would not be logged).
  const HnswCollection& index() const { return *index_; }
  const DurableCollectionOptions& options() const { return options_; }
  const std::filesystem::path& directory() const { return directory_; }
  // Sequence of the last acknowledged write, and of the write the current snapshot covers.
  std::uint64_t last_sequence() const;
  std::uint64_t snapshot_sequence() const;

 private:
  DurableCollection(std::filesystem::path directory, DurableCollectionOptions options);
  Status Apply(const LogRecord& record);
  Status ValidateUpsert(const std::string& id, std::span<const float> vector, const nlohmann::json& metadata) const;

  const std::filesystem::path directory_;
  const DurableCollectionOptions options_;
  mutable std::mutex writer_mutex_;
  std::unique_ptr<HnswCollection> index_;
  std::unique_ptr<CollectionLog> log_;
  std::uint64_t snapshot_sequence_ = 0;
};

}  // namespace iris
