// CopyCollections: copies every vector collection of one engine into another (index/vector_collection.h),
// for `iris migrate ... --qdrant-url` (docs/scale-out.md): from a data dir's local collections into Qdrant
// (the upgrade path to several processes), or back.
//
// Per collection, in name order: the target collection is created with the source's description
// (model, dim, metric, index settings) unless it exists; one that exists with another model, dim or metric
// stops the copy (kFailedPrecondition naming it). Then every item (id, vector, metadata) is read from the
// source and upserted into the target in batches of kCopyBatch; upserts replace, so an interrupted copy is
// resumed by running it again. Items the target holds beyond the source's are left alone (and reported by
// the verification).
//
// Verification, per collection: the same item count, the same ids, equal metadata, and vectors equal within
// 1e-5 per component (engines may renormalise a cosine vector in its last bits). Every item is read from
// both sides, so it costs one read per item and side (Qdrant: one HTTP request per item).
//
// Errors: the engines' (kUnavailable for an unreachable Qdrant); a verification difference is
// kFailedPrecondition naming the collection and the first differing item.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "index/vector_collection.h"

namespace iris::app {

inline constexpr std::size_t kCopyBatch = 256;

struct CollectionCopyReport {
  std::string name;
  std::size_t copied = 0;  // items upserted by this run
  std::size_t items = 0;   // on both sides, after the copy
};

struct CollectionCopyOptions {
  bool verify_only = false;
  // Called after each batch with (collection, items copied so far in it).
  std::function<void(const std::string&, std::size_t)> progress;
};

Result<std::vector<CollectionCopyReport>> CopyCollections(CollectionStore& from, CollectionStore& to,
                                                          const CollectionCopyOptions& options);

}  // namespace iris::app
