// CopyClassifiers: moves trained collection classifiers between two ClassifierStores
// (classify/classifier_store.h) for `iris migrate`: a classifiers folder (the sqlite side,
// DIR/classifiers) and a PostgreSQL database, in either direction.
//
// What moves: every stored version of every collection (its document, re-encoded by
// ClassifierToJson, so formatting does not matter) and the index of best versions. A version the
// target has already is skipped, so an interrupted run is resumed by running it again; an index entry
// is written when the target's differs. Run it with trainers stopped.
//
// Verification: the number of versions and index entries, and a SHA-256 chained over every
// (collection, version, document) and every index entry in order, computed on both sides; a
// difference (e.g. a target that already held other versions) is kFailedPrecondition naming the counts.
//
// Thread-safety: one copy at a time per pair of stores.
#pragma once

#include <cstdint>
#include <string>

#include "classify/classifier_store.h"
#include "core/result.h"

namespace iris::app {

struct ClassifierCopyReport {
  std::int64_t copied = 0;    // versions written by this run
  std::int64_t versions = 0;  // on each side after the copy
  std::int64_t best_entries = 0;
  std::string checksum;  // hex, the same on both sides
};

Result<ClassifierCopyReport> CopyClassifiers(const ClassifierStore& from, ClassifierStore& to,
                                             bool verify_only = false);

}  // namespace iris::app
