// SearchHnswWithFilter: k-nearest-neighbour search over an hnswlib 0.6.2 HierarchicalNSW in which a
// predicate decides, DURING the graph walk, which elements may enter the result.
//
// Why it exists: the hnswlib packaged by Debian (0.6.2) has no filter functor in searchKnn (that
// arrived in 0.7). Post-filtering a short top-k loses results when few elements match (5 "rare"
// items among 1,000 would mostly be missing from a filtered top-10). This walk follows the same
// edges as hnswlib's own searchBaseLayerST, but only allowed, non-deleted elements enter the result
// set; rejected elements are still traversed, and while fewer than `ef` allowed elements have been
// found the walk keeps expanding, so a rare filter explores the whole connected graph (O(n) worst
// case) and returns every match it reaches.
//
// A template over the index type so that this header does not include hnswlib: hnswlib 0.6.2
// defines non-inline symbols in its headers, so only hnsw_collection.cc includes it (see there).
//
// Ownership: borrows the index for the call. Thread-safety: safe concurrently with other searches on
// the same index (hnswlib's visited-list pool is locked), not with writes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <queue>
#include <type_traits>
#include <utility>
#include <vector>

namespace iris {

// Returns up to k (raw distance, label) pairs, closest first. `allowed(label)` is called only for
// elements that are not marked deleted. ef is the search breadth (at least k is used).
template <typename HnswIndex, typename AllowedLabel>
std::vector<std::pair<float, size_t>> SearchHnswWithFilter(const HnswIndex& index, const float* query, size_t k,
                                                           size_t ef, const AllowedLabel& allowed) {
  using InternalId = std::remove_cv_t<decltype(index.enterpoint_node_)>;
  using DistanceAndId = std::pair<float, InternalId>;
  // Max-heap on distance: top() is the farthest.
  using FarthestFirst =
      std::priority_queue<DistanceAndId, std::vector<DistanceAndId>, typename HnswIndex::CompareByFirst>;

  std::vector<std::pair<float, size_t>> hits;
  if (index.cur_element_count == 0 || k == 0) return hits;
  ef = std::max(ef, k);
  auto distance_to = [&](InternalId id) {
    return index.fstdistfunc_(query, index.getDataByInternalId(id), index.dist_func_param_);
  };
  auto is_result = [&](InternalId id) { return !index.isMarkedDeleted(id) && allowed(index.getExternalLabel(id)); };

  // Greedy descent through the upper layers, exactly as hnswlib's searchKnn.
  InternalId entry = index.enterpoint_node_;
  float entry_distance = distance_to(entry);
  for (int level = index.maxlevel_; level > 0; --level) {
    for (bool changed = true; changed;) {
      changed = false;
      auto* list = index.get_linklist(entry, level);
      const int size = index.getListCount(list);
      const InternalId* neighbours = reinterpret_cast<const InternalId*>(list + 1);
      for (int i = 0; i < size; ++i) {
        const float distance = distance_to(neighbours[i]);
        if (distance < entry_distance) {
          entry_distance = distance;
          entry = neighbours[i];
          changed = true;
        }
      }
    }
  }

  auto* visited = index.visited_list_pool_->getFreeVisitedList();
  auto* visited_marks = visited->mass;
  const auto visited_tag = visited->curV;
  FarthestFirst results;                            // the best `ef` allowed elements so far
  FarthestFirst candidates;                         // elements to expand, with negated distance (closest on top)
  float bound = std::numeric_limits<float>::max();  // distance of the worst kept result
  if (is_result(entry)) {
    results.emplace(entry_distance, entry);
    bound = entry_distance;
  }
  candidates.emplace(-entry_distance, entry);
  visited_marks[entry] = visited_tag;

  while (!candidates.empty()) {
    const DistanceAndId current = candidates.top();
    if (-current.first > bound && results.size() == ef) break;
    candidates.pop();
    auto* list = index.get_linklist0(current.second);
    const size_t size = index.getListCount(list);
    const InternalId* neighbours = reinterpret_cast<const InternalId*>(list + 1);
    for (size_t j = 0; j < size; ++j) {
      const InternalId neighbour = neighbours[j];
      if (j + 1 < size) {  // as hnswlib's own walk does: fetch the next neighbour's mark and vector early
        __builtin_prefetch(visited_marks + neighbours[j + 1]);
        __builtin_prefetch(index.getDataByInternalId(neighbours[j + 1]));
      }
      if (visited_marks[neighbour] == visited_tag) continue;
      visited_marks[neighbour] = visited_tag;
      const float distance = distance_to(neighbour);
      if (results.size() < ef || distance < bound) {
        candidates.emplace(-distance, neighbour);
        if (is_result(neighbour)) {
          results.emplace(distance, neighbour);
          if (results.size() > ef) results.pop();
          bound = results.top().first;
        }
      }
    }
  }
  index.visited_list_pool_->releaseVisitedList(visited);

  while (results.size() > k) results.pop();
  hits.resize(results.size());
  for (size_t i = hits.size(); i > 0; --i) {
    hits[i - 1] = {results.top().first, static_cast<size_t>(index.getExternalLabel(results.top().second))};
    results.pop();
  }
  return hits;
}

}  // namespace iris
