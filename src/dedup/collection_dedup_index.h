// CollectionDedupIndex: one DuplicateDetector per vector collection, kept by the server so
// POST /v1/collections/{name}/duplicates can answer "is this photo a near-duplicate of an item?".
//
//   * Filled by the routes: Add the signature of every item upserted WITH an image, Remove it when the
//     item is deleted or replaced by a vector-only upsert, Forget a collection that was deleted or
//     re-created. Use these methods, not the detector's own Add/Remove: only they persist.
//   * Persistent when given a SignatureStore (signature_store.h): Add splits the signature into its two
//     tiers (signature_tiers.h) and writes both to the store, then the resident tier to the detector;
//     Remove and Forget delete from the store, then from the detector. A collection's detector is
//     loaded from the store's resident tier on first use (Get/For/Add), once: concurrent first uses wait
//     for that one load (10^5 items: a few seconds, docs/duplicates.md). Its checks read the cold parts
//     of their candidates from the store (SignatureStore::FetchCold), so only ~2 KB per item stays in
//     memory. The store must use the same TierOptions as `options.tiers` (both default). A row that does not decode is
//     skipped and logged (the item is then not found as a duplicate until it is upserted again with its image). Items
//     written without an image (vector only, `iris index add`) have no signature and are never found.
//   * With a shared store (SignatureStore::shared(): PostgreSQL, several processes), every Get/For first
//     applies the store's change feed since the last use, so a check sees the signatures any process
//     added or removed before it began (one small query per check).
//   * Without a store (nullptr: tests, CLI) both tiers stay in memory.
//   * Detectors are created with the same DuplicateOptions and no embedder (embeddings never decide a
//     duplicate by default; the route reports the collection's own similarity as evidence).
//
// Errors: store failures are returned as is and leave the detector unchanged (Add/Remove/Forget change
// the store first); a failed load is returned by Get and retried on the next use. For() cannot return
// an error: after a failed load it logs it and returns the collection's (empty) detector.
// Thread-safety: every method may be called concurrently; changes of one collection are serialised
// (store and detector stay in the same order); the returned detectors are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "dedup/duplicate_detector.h"
#include "dedup/signature_store.h"

namespace iris {

class CollectionDedupIndex {
 public:
  explicit CollectionDedupIndex(DuplicateOptions options = {}, SignatureStore* store = nullptr)
      : options_(std::move(options)), store_(store), signer_(options_) {}

  // The collection's detector, loaded from the store on first use (empty without a store). Do not Add
  // or Remove through it directly: those changes are not persisted.
  Result<std::shared_ptr<DuplicateDetector>> Get(const std::string& collection);
  // Get, for callers that cannot handle an error: a failed load is logged and an empty detector returned.
  std::shared_ptr<DuplicateDetector> For(const std::string& collection);

  // The signature of `image` for Add, with this index's options (loads nothing).
  Result<DuplicateSignature> ComputeSignature(const RgbImage& image) const { return signer_.ComputeSignature(image); }
  // Stores `id`'s signature (replacing an earlier one) and adds it to the collection's detector.
  Status Add(const std::string& collection, const std::string& id, DuplicateSignature signature);
  // Removes `id` from the store and the collection's detector; removing an absent id is OK.
  Status Remove(const std::string& collection, const std::string& id);
  // Drops every signature of the collection (store and detector).
  Status Forget(const std::string& collection);

  const DuplicateOptions& options() const { return options_; }
  bool persistent() const { return store_ != nullptr; }

 private:
  struct Slot {
    std::mutex mutex;  // held while loading and while changing the store + detector
    bool loaded = false;
    std::uint64_t cursor = 0;  // the store's change feed applied up to here (shared stores)
    std::shared_ptr<DuplicateDetector> detector;
  };
  std::shared_ptr<Slot> SlotFor(const std::string& collection);
  // An empty detector for the collection: reading cold parts from the store when there is one.
  std::shared_ptr<DuplicateDetector> NewDetector(const std::string& collection) const;
  // Loads the slot's detector if not yet loaded; the caller holds slot.mutex.
  Status EnsureLoaded(const std::string& collection, Slot& slot);
  // With a shared store: applies the changes other processes made since slot.cursor (slot.mutex held).
  Status CatchUp(const std::string& collection, Slot& slot);

  const DuplicateOptions options_;
  SignatureStore* const store_;
  const DuplicateDetector signer_;
  std::mutex mutex_;  // guards slots_
  std::map<std::string, std::shared_ptr<Slot>> slots_;
};

}  // namespace iris
