// Groups of near-duplicates among stored photos: the connected components of the "is a duplicate of"
// relation (A ~ B when checking A finds B as a duplicate, or checking B finds A), each with the evidence
// of every pair that linked it.
//
//   * GroupDuplicates: the pure grouping step, from pairs gathered by any means (the server's background
//     job checks one stored item at a time with DuplicateDetector::CheckStored and collects
//     PairsFromReport; `iris dedup` checks each file against the ones before it).
//   * FindDuplicateGroups: both steps over a detector's stored photos (all, or the listed ids), for small
//     sets, tests and tools; O(items x Check) in time.
//
// Order: ids in a group sorted; groups sorted by their first id; a group's pairs sorted by (first, second)
// id with, per unordered pair, one entry: the check of the lexicographically smaller id when both
// directions were found. Transitive: A ~ B and B ~ C put A and C in one group without a pair for them.
// Errors: FindDuplicateGroups returns CheckStored's errors except NotFound (an id removed meanwhile, or not
// stored: listed in `not_found`). Thread-safety: pure functions; FindDuplicateGroups only reads the
// detector (concurrent Add/Remove are fine; the result reflects some order of them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dedup/duplicate_detector.h"

namespace iris {

struct DuplicatePair {
  std::string id;            // the photo that was checked
  DuplicateCandidate match;  // the stored photo found as its duplicate (match.id) and why
};

struct DuplicateGroup {
  std::vector<std::string> ids;      // two or more, sorted
  std::vector<DuplicatePair> pairs;  // the evidence that links them
};

// The duplicates in `report` (a check of `id`) as pairs; candidates that are not duplicates are dropped.
std::vector<DuplicatePair> PairsFromReport(const std::string& id, const DuplicateReport& report);

// Connected components (two or more ids) of the pairs, with their evidence. A pair of an id with itself
// is ignored.
std::vector<DuplicateGroup> GroupDuplicates(std::vector<DuplicatePair> pairs);

struct DuplicateGroups {
  std::vector<DuplicateGroup> groups;
  std::size_t checked = 0;             // ids checked
  std::vector<std::string> not_found;  // listed ids the detector does not hold
};

// Checks each of `ids` (all stored photos when unset) against the others and groups the duplicates found.
// A group may include stored photos that were not listed (the duplicates of listed ones).
Result<DuplicateGroups> FindDuplicateGroups(const DuplicateDetector& detector,
                                            const std::optional<std::vector<std::string>>& ids = std::nullopt);

}  // namespace iris
