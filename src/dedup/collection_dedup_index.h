// CollectionDedupIndex: one DuplicateDetector per vector collection, kept in memory by the server so
// POST /v1/collections/{name}/duplicates can answer "is this photo a near-duplicate of an item?".
//
//   * Filled lazily: routes Add the signature of every item upserted WITH an image and Remove it when
//     the item is deleted or replaced by a vector-only upsert. Forget drops a collection's detector
//     (the collection was deleted or re-created).
//   * In memory only: nothing is persisted. After a restart the detectors start empty, so items
//     stored before the restart are not found as duplicates until they are upserted again with their
//     image (documented in docs/duplicates.md).
//   * Detectors are created with the same DuplicateOptions and no embedder (embeddings never decide a
//     duplicate by default; the route reports the collection's own similarity as evidence).
//
// Errors: none of its own (the detector's errors are returned as is).
// Thread-safety: every method may be called concurrently; the returned detectors are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dedup/duplicate_detector.h"

namespace iris {

class CollectionDedupIndex {
 public:
  explicit CollectionDedupIndex(DuplicateOptions options = {}) : options_(std::move(options)) {}

  // The collection's detector, created empty on first use.
  std::shared_ptr<DuplicateDetector> For(const std::string& collection);
  // Removes `id` from the collection's detector; false when it was not there.
  bool Remove(const std::string& collection, const std::string& id);
  // Drops the collection's detector and every signature in it.
  void Forget(const std::string& collection);

  const DuplicateOptions& options() const { return options_; }

 private:
  const DuplicateOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<DuplicateDetector>> detectors_;
};

}  // namespace iris
