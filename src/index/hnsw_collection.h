// HnswCollection: an embedded, in-memory vector collection over an hnswlib HNSW graph. Items have a
// caller-chosen string id, one vector of `dim` floats and a JSON metadata object.
//
// Contract:
//   * One live vector per id, never duplicates. Upsert of an existing id replaces its vector and
//     metadata in place: its graph element gets the new vector and its neighbours are repaired
//     (hnswlib's update), so replacing never grows the graph. If that update fails (hnswlib throws,
//     e.g. out of memory) the item may hold the new vector or the old one; it is never lost or doubled.
//     Delete removes the id: it disappears from Get, Search, ListIds and size().
//   * A deleted item's element stays in the graph, marked deleted, until a new id takes it over
//     (the most recently freed first), so the graph holds at most as many elements as the most live
//     items the collection ever had; capacity doubles automatically when every element is in use.
//   * The hnswlib graph is built by the first Upsert (and dropped by Load when the file holds no
//     element): an empty hnswlib index costs ~2.6 MB whatever its dim or capacity, so a collection
//     that never held an item costs only its bookkeeping; capacity() and graph_elements() are 0.
//   * Scores follow vector_metric.h: similarity higher = closer, distance = 1 - similarity for
//     cosine/inner product, Euclidean distance for L2. Hits are closest first.
//   * SearchFilter is applied inside the graph walk (filtered_hnsw_search.h), so a filtered top-n
//     contains up to n matching items even when matches are rare.
//   * Two search paths (SearchMode): the approximate HNSW graph walk, and an exact scan over every
//     stored vector (exact_scan.h; same metric, filter, exclude_id and min_similarity semantics; ties
//     in distance keep the item in the lower graph element first: insertion order, except that an item
//     in a reused element sorts where that element is). kAuto, the default, scans when the
//     collection holds at most exact_search_max_items() live items or when the search breadth
//     max(ef_search, top_n) is at least the number of live items, and walks the graph otherwise.
//   * Errors: wrong dimension, NaN/inf values, zero vector (cosine), a vector longer than
//     kMaxVectorNorm (l2, inner product), an empty id or one that is not valid UTF-8, metadata that is not an
//     object, top_n outside [1, 1000] -> InvalidArgument; unknown id -> NotFound; hnswlib failures
//     (its std::runtime_error, std::bad_alloc) -> Internal; Load of a missing file -> NotFound, of a
//     corrupt, truncated or inconsistent file -> FailedPrecondition naming the file.
//   * Save/Load: collection_file.h (versioned header, catalog JSON, hnswlib bytes, SHA-256).
//
// Ownership: owns its index and catalog. Thread-safety: all methods are safe to call concurrently;
// searches and reads share a lock, Upsert/Delete take it exclusively. Not copyable or movable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "index/search_filter.h"
#include "index/vector_metric.h"

namespace iris {

struct CollectionOptions {
  int dim = 0;  // 1..65536
  Metric metric = Metric::kCosine;
  int m = 16;                 // graph degree, 2..100
  int ef_construction = 200;  // build breadth, >= 1
  int ef_search =
      128;  // default search breadth (at least top_n is used), >= 1; 128: recall@10 0.96 on embedding-like data at 100k
  size_t initial_capacity = 1024;  // elements before the first doubling, >= 1
};

struct CollectionItem {
  std::string id;
  std::vector<float> vector;  // as stored: L2-normalised for kCosine
  nlohmann::json metadata;    // always an object
};

struct CollectionHit {
  std::string id;
  float similarity = 0;
  float distance = 0;
  nlohmann::json metadata;
};

inline constexpr int kMaxTopN = 1000;

// InvalidArgument unless `id` is a non-empty string of valid UTF-8 (ids are listed in JSON, where
// invalid bytes would become U+FFFD and the listed id would name nothing).
Status ValidateItemId(std::string_view id);

// Which search path answers a query; see the contract above.
enum class SearchMode { kAuto = 0, kGraph = 1, kExact = 2 };

// kAuto's default scan threshold (live items). Measured at 512-d (docs/performance.md): the scan is
// as fast as the graph walk at ef_search=64 up to ~2,000 items on embedding-like data and ~5,000 on
// uniform random data; at 5,000 it costs at most ~1.5x the walk (~0.25 ms a query) and is exact.
inline constexpr size_t kDefaultExactSearchMaxItems = 5000;

class HnswCollection {
 public:
  static Result<std::unique_ptr<HnswCollection>> Create(const CollectionOptions& options);
  // Reads a file written by Save; the loaded collection has the saved options.
  static Result<std::unique_ptr<HnswCollection>> Load(const std::filesystem::path& path);

  ~HnswCollection();
  HnswCollection(const HnswCollection&) = delete;
  HnswCollection& operator=(const HnswCollection&) = delete;

  // Inserts or replaces. `metadata` must be an object or null (stored as {}).
  Status Upsert(const std::string& id, std::span<const float> vector,
                nlohmann::json metadata = nlohmann::json::object());
  Status Delete(const std::string& id);
  Result<CollectionItem> Get(const std::string& id) const;
  // Whether a live item has this id (no copy of its vector or metadata).
  bool Contains(const std::string& id) const;

  // Up to top_n live items matching `filter`, closest first, whose similarity >= min_similarity.
  // kGraph is approximate; kExact returns the true top_n; kAuto chooses (see the contract above).
  Result<std::vector<CollectionHit>> Search(std::span<const float> query, int top_n, const SearchFilter& filter = {},
                                            std::optional<float> min_similarity = std::nullopt,
                                            SearchMode mode = SearchMode::kAuto) const;

  // kAuto scans exactly up to this many live items (0: only when ef_search/top_n >= size). A runtime
  // setting, not saved with the collection (the file format has no field for it): every Create and
  // Load starts at kDefaultExactSearchMaxItems. Safe to call concurrently with searches.
  void set_exact_search_max_items(size_t items) { exact_search_max_items_.store(items, std::memory_order_relaxed); }
  size_t exact_search_max_items() const { return exact_search_max_items_.load(std::memory_order_relaxed); }
  // Searches answered by the exact scan since Create/Load (for tests and metrics).
  size_t exact_searches() const { return exact_searches_.load(std::memory_order_relaxed); }

  // Writes the whole collection atomically (temp file + rename).
  Status Save(const std::filesystem::path& path) const;

  // Live ids in lexicographic order, [offset, offset + limit).
  std::vector<std::string> ListIds(size_t offset, size_t limit) const;

  size_t size() const;
  // Graph elements including tombstones, and the current capacity (for tests and metrics).
  size_t graph_elements() const;
  size_t capacity() const;
  const CollectionOptions& options() const { return options_; }

 private:
  struct Entry {
    std::string id;
    nlohmann::json metadata;
  };
  using Label = std::uint64_t;

  struct Graph;  // hnswlib's space and index; defined in the .cc, the only unit that sees hnswlib

  explicit HnswCollection(const CollectionOptions& options);
  // Puts `prepared` under `label` (a new graph element when new_element, else an in-place update of
  // the label's element, live or deleted), building the graph first if needed (writer lock held).
  Status AddToGraph(const std::vector<float>& prepared, Label label, bool new_element);
  bool UseExactScan(SearchMode mode, int top_n) const;  // reader lock held

  // Readers pass through the turnstile before taking the shared lock, and a writer holds it while it
  // waits for the exclusive lock; glibc's rwlock prefers readers, so without this a steady stream of
  // searches would starve Upsert and Delete forever.
  std::shared_lock<std::shared_mutex> LockForRead() const;
  std::unique_lock<std::shared_mutex> LockForWrite();

  const CollectionOptions options_;
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<Graph> graph_;
  std::map<std::string, Label> labels_by_id_;
  std::unordered_map<Label, Entry> entries_by_label_;
  Label next_label_ = 0;
  std::vector<Label> free_labels_;  // deleted items' labels, reused by new ids (last in, first out)
  std::atomic<size_t> exact_search_max_items_{kDefaultExactSearchMaxItems};
  mutable std::atomic<size_t> exact_searches_{0};
};

}  // namespace iris
