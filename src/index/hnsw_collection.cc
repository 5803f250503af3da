#include "index/hnsw_collection.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <iterator>
#include <mutex>
#include <utility>

#include "core/json_limits.h"
#include "core/utf8.h"
#include "index/collection_file.h"
#include "index/exact_scan.h"
#include "index/filtered_hnsw_search.h"

// hnswlib 0.6.2 defines non-inline functions and globals in its headers (cpuid, AVXCapable, the SIMD
// distance pointers), so two units that include it cannot be linked into one program. Wrapped in an
// anonymous namespace, all of it has internal linkage here: iris_index exports no hnswlib symbol, and
// other code (the benchmark's raw-hnswlib baseline) can still include hnswlib itself. Everything
// hnswlib includes is included first, so include guards keep those headers out of the namespace.
#include <assert.h>
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <list>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace {
#include <hnswlib/hnswlib.h>
}  // namespace

namespace iris {

struct HnswCollection::Graph {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;  // must outlive index
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

namespace {

using Index = hnswlib::HierarchicalNSW<float>;

constexpr int kMaxDim = 65536;
constexpr size_t kRandomSeed = 100;  // hnswlib's default; fixed so builds are reproducible

// hnswlib 0.6.2 saves and loads only through a file name. An anonymous in-memory file, named via
// /proc/self/fd, keeps those bytes off the disk and leaves nothing behind on a crash.
class MemoryFile {
 public:
  static Result<MemoryFile> Create() {
    int fd = ::memfd_create("iris-hnsw", MFD_CLOEXEC);
    if (fd < 0) return Internal(std::string("memfd_create failed: ") + std::strerror(errno));
    return MemoryFile(fd);
  }
  MemoryFile(MemoryFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  MemoryFile& operator=(MemoryFile&&) = delete;
  ~MemoryFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

  Status Write(const std::string& bytes) {
    size_t written = 0;
    while (written < bytes.size()) {
      ssize_t n = ::pwrite(fd_, bytes.data() + written, bytes.size() - written, static_cast<off_t>(written));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal(std::string("writing an in-memory file failed: ") + std::strerror(errno));
      written += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Result<std::string> ReadAll() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return Internal(std::string("fstat failed: ") + std::strerror(errno));
    std::string bytes(static_cast<size_t>(info.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Internal("reading an in-memory file failed");
      done += static_cast<size_t>(n);
    }
    return bytes;
  }

 private:
  explicit MemoryFile(int fd) : fd_(fd) {}
  int fd_;
};

Status ValidateOptions(const CollectionOptions& options) {
  if (options.dim < 1 || options.dim > kMaxDim) return InvalidArgument("dim must be in [1, 65536]");
  if (options.metric != Metric::kCosine && options.metric != Metric::kInnerProduct && options.metric != Metric::kL2) {
    return InvalidArgument("unknown metric");
  }
  if (options.m < 2 || options.m > 100) return InvalidArgument("m must be in [2, 100]");
  if (options.ef_construction < 1) return InvalidArgument("ef_construction must be at least 1");
  if (options.ef_search < 1) return InvalidArgument("ef_search must be at least 1");
  if (options.initial_capacity < 1) return InvalidArgument("initial_capacity must be at least 1");
  return Status::Ok();
}

std::unique_ptr<hnswlib::SpaceInterface<float>> MakeSpace(const CollectionOptions& options) {
  const auto dim = static_cast<size_t>(options.dim);
  if (options.metric == Metric::kL2) return std::make_unique<hnswlib::L2Space>(dim);
  return std::make_unique<hnswlib::InnerProductSpace>(dim);
}

// An empty hnswlib index with the collection's parameters (throws as hnswlib does).
std::unique_ptr<Index> NewGraph(const CollectionOptions& options, hnswlib::SpaceInterface<float>* space,
                                size_t capacity) {
  auto index = std::make_unique<Index>(space, capacity, static_cast<size_t>(options.m),
                                       static_cast<size_t>(options.ef_construction), kRandomSeed);
  index->setEf(static_cast<size_t>(options.ef_search));
  return index;
}

Status HnswlibFailure(const char* operation, const std::exception& error) {
  return Internal(std::string("hnswlib ") + operation + " failed: " + error.what());
}

}  // namespace

HnswCollection::HnswCollection(const CollectionOptions& options)
    : options_(options), graph_(std::make_unique<Graph>()) {
  graph_->space = MakeSpace(options);
}

HnswCollection::~HnswCollection() = default;

std::shared_lock<std::shared_mutex> HnswCollection::LockForRead() const {
  { std::lock_guard pass(turnstile_); }
  return std::shared_lock(mutex_);
}

std::unique_lock<std::shared_mutex> HnswCollection::LockForWrite() {
  std::lock_guard hold(turnstile_);
  return std::unique_lock(mutex_);
}

Result<std::unique_ptr<HnswCollection>> HnswCollection::Create(const CollectionOptions& options) {
  IRIS_RETURN_IF_ERROR(ValidateOptions(options));
  // The graph is built by the first add: hnswlib's index costs ~2.6 MB even when empty (65,536
  // update mutexes), which an empty collection should not pay.
  return std::unique_ptr<HnswCollection>(new HnswCollection(options));
}

Status HnswCollection::AddToGraph(const std::vector<float>& prepared, Label label, bool new_element) {
  try {
    if (!graph_->index) graph_->index = NewGraph(options_, graph_->space.get(), options_.initial_capacity);
    if (new_element && graph_->index->cur_element_count >= graph_->index->max_elements_)
      graph_->index->resizeIndex(graph_->index->max_elements_ * 2);
    // hnswlib 0.6.2: a label already in the graph (live or marked deleted) is updated in place
    // (unmarked, vector replaced, neighbours repaired: its updatePoint); a new one gets a new element.
    graph_->index->addPoint(prepared.data(), label);
  } catch (const std::exception& error) {
    return HnswlibFailure("addPoint", error);
  }
  return Status::Ok();
}

Status ValidateItemId(std::string_view id) {
  if (id.empty()) return InvalidArgument("item id must not be empty");
  if (!IsValidUtf8(id)) return InvalidArgument("item id must be valid UTF-8");
  return Status::Ok();
}

Status HnswCollection::Upsert(const std::string& id, std::span<const float> vector, nlohmann::json metadata) {
  IRIS_RETURN_IF_ERROR(ValidateItemId(id));
  IRIS_RETURN_IF_ERROR(ValidateVector(options_.metric, options_.dim, vector));
  if (metadata.is_null()) metadata = nlohmann::json::object();
  if (!metadata.is_object()) return InvalidArgument("metadata must be a JSON object");
  IRIS_RETURN_IF_ERROR(CheckJsonDepth(metadata).WithContext("metadata"));
  const std::vector<float> prepared = PrepareVector(options_.metric, vector);

  auto lock = LockForWrite();
  auto existing = labels_by_id_.find(id);
  if (existing != labels_by_id_.end()) {
    // A replacement reuses the item's own graph element, so replacing never grows the graph.
    IRIS_RETURN_IF_ERROR(AddToGraph(prepared, existing->second, /*new_element=*/false));
    entries_by_label_[existing->second].metadata = std::move(metadata);
    return Status::Ok();
  }
  // A new id takes a deleted item's element when there is one (the graph stays as large as the most
  // items it ever held at once), else a new one.
  const bool reuse = !free_labels_.empty();
  const Label label = reuse ? free_labels_.back() : next_label_;
  IRIS_RETURN_IF_ERROR(AddToGraph(prepared, label, /*new_element=*/!reuse));
  if (reuse) {
    free_labels_.pop_back();
  } else {
    ++next_label_;
  }
  labels_by_id_.emplace(id, label);
  entries_by_label_[label] = Entry{id, std::move(metadata)};
  return Status::Ok();
}

Status HnswCollection::Delete(const std::string& id) {
  IRIS_RETURN_IF_ERROR(ValidateItemId(id));
  auto lock = LockForWrite();
  auto found = labels_by_id_.find(id);
  if (found == labels_by_id_.end()) return NotFound("no item with id '" + id + "'");
  try {
    graph_->index->markDelete(found->second);
  } catch (const std::exception& error) {
    return HnswlibFailure("markDelete", error);
  }
  free_labels_.push_back(found->second);
  entries_by_label_.erase(found->second);
  labels_by_id_.erase(found);
  return Status::Ok();
}

bool HnswCollection::Contains(const std::string& id) const {
  auto lock = LockForRead();
  return labels_by_id_.count(id) > 0;
}

Result<CollectionItem> HnswCollection::Get(const std::string& id) const {
  auto lock = LockForRead();
  auto found = labels_by_id_.find(id);
  if (found == labels_by_id_.end()) return NotFound("no item with id '" + id + "'");
  CollectionItem item;
  item.id = id;
  try {
    item.vector = graph_->index->getDataByLabel<float>(found->second);
  } catch (const std::exception& error) {
    return HnswlibFailure("getDataByLabel", error);
  }
  item.metadata = entries_by_label_.at(found->second).metadata;
  return item;
}

bool HnswCollection::UseExactScan(SearchMode mode, int top_n) const {
  if (mode != SearchMode::kAuto) return mode == SearchMode::kExact;
  const size_t live = labels_by_id_.size();
  const size_t ef = std::max(static_cast<size_t>(options_.ef_search), static_cast<size_t>(top_n));
  return live <= exact_search_max_items() || ef >= live;
}

Result<std::vector<CollectionHit>> HnswCollection::Search(std::span<const float> query, int top_n,
                                                          const SearchFilter& filter,
                                                          std::optional<float> min_similarity, SearchMode mode) const {
  if (top_n < 1 || top_n > kMaxTopN) return InvalidArgument("top_n must be in [1, 1000]");
  if (mode != SearchMode::kAuto && mode != SearchMode::kGraph && mode != SearchMode::kExact) {
    return InvalidArgument("unknown search mode");
  }
  IRIS_RETURN_IF_ERROR(ValidateVector(options_.metric, options_.dim, query));
  if (min_similarity.has_value() && !std::isfinite(*min_similarity)) {
    return InvalidArgument("min_similarity must be a finite number");
  }
  const std::vector<float> prepared = PrepareVector(options_.metric, query);

  auto lock = LockForRead();
  if (!graph_->index) return std::vector<CollectionHit>();  // nothing was ever added
  const Index& index = *graph_->index;
  std::optional<Label> excluded;
  if (filter.exclude_id.has_value()) {
    auto found = labels_by_id_.find(*filter.exclude_id);
    if (found != labels_by_id_.end()) excluded = found->second;
  }
  auto allowed = [&](hnswlib::labeltype label) {
    if (excluded == label) return false;
    auto entry = entries_by_label_.find(label);
    return entry != entries_by_label_.end() && MetadataMatches(filter, entry->second.metadata);
  };
  std::vector<std::pair<float, hnswlib::labeltype>> raw_hits;
  try {
    if (UseExactScan(mode, top_n)) {
      // In place over hnswlib's element array: row i is internal id i, its vector at offsetData_.
      const ScanDistance kind = options_.metric == Metric::kL2 ? ScanDistance::kSquaredL2 : ScanDistance::kOneMinusDot;
      auto accept = [&](size_t row) {
        const auto id = static_cast<hnswlib::tableint>(row);
        return !index.isMarkedDeleted(id) && (filter.empty() || allowed(index.getExternalLabel(id)));
      };
      const auto rows = ExactTopK(kind, prepared.data(), static_cast<size_t>(options_.dim),
                                  index.data_level0_memory_ + index.offsetData_, index.size_data_per_element_,
                                  index.cur_element_count, static_cast<size_t>(top_n), accept);
      exact_searches_.fetch_add(1, std::memory_order_relaxed);
      raw_hits.reserve(rows.size());
      for (const auto& [distance, row] : rows) {
        raw_hits.emplace_back(distance, index.getExternalLabel(static_cast<hnswlib::tableint>(row)));
      }
    } else if (filter.empty()) {
      raw_hits = index.searchKnnCloserFirst(prepared.data(), static_cast<size_t>(top_n));
    } else {
      raw_hits = SearchHnswWithFilter(index, prepared.data(), static_cast<size_t>(top_n),
                                      static_cast<size_t>(options_.ef_search), allowed);
    }
  } catch (const std::exception& error) {
    return HnswlibFailure("search", error);
  }

  std::vector<CollectionHit> hits;
  hits.reserve(raw_hits.size());
  for (const auto& [raw_distance, label] : raw_hits) {
    const Similarity score = SimilarityFromRawDistance(options_.metric, raw_distance);
    if (min_similarity.has_value() && score.similarity < *min_similarity) break;  // closest first
    auto entry = entries_by_label_.find(label);
    if (entry == entries_by_label_.end()) continue;  // cannot happen: deleted labels are skipped
    hits.push_back(CollectionHit{entry->second.id, score.similarity, score.distance, entry->second.metadata});
  }
  return hits;
}

std::vector<std::string> HnswCollection::ListIds(size_t offset, size_t limit) const {
  auto lock = LockForRead();
  std::vector<std::string> ids;
  if (offset >= labels_by_id_.size()) return ids;
  auto it = std::next(labels_by_id_.begin(), static_cast<std::ptrdiff_t>(offset));
  for (; it != labels_by_id_.end() && ids.size() < limit; ++it) ids.push_back(it->first);
  return ids;
}

size_t HnswCollection::size() const {
  auto lock = LockForRead();
  return labels_by_id_.size();
}

size_t HnswCollection::graph_elements() const {
  auto lock = LockForRead();
  return graph_->index ? static_cast<size_t>(graph_->index->cur_element_count) : 0;
}

size_t HnswCollection::capacity() const {
  auto lock = LockForRead();
  return graph_->index ? graph_->index->max_elements_ : 0;
}

Status HnswCollection::Save(const std::filesystem::path& path) const {
  IRIS_ASSIGN_OR_RETURN(MemoryFile index_file, MemoryFile::Create());
  CollectionFileContents contents;
  {
    auto lock = LockForRead();
    try {
      // A collection that never had an item saves an empty index of the same shape.
      std::unique_ptr<Index> empty = graph_->index ? nullptr : NewGraph(options_, graph_->space.get(), 1);
      (empty ? *empty : *graph_->index).saveIndex(index_file.path());
    } catch (const std::exception& error) {
      return HnswlibFailure("saveIndex", error);
    }
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [label, entry] : entries_by_label_) {
      items.push_back({{"id", entry.id}, {"label", label}, {"metadata", entry.metadata}});
    }
    contents.catalog_json = nlohmann::json{{"items", std::move(items)}}.dump();
    contents.item_count = labels_by_id_.size();
    contents.next_label = next_label_;
  }
  IRIS_ASSIGN_OR_RETURN(contents.index_bytes, index_file.ReadAll());
  if (contents.index_bytes.empty()) return Internal("hnswlib saveIndex wrote nothing");
  contents.dim = static_cast<std::uint32_t>(options_.dim);
  contents.metric = static_cast<std::uint32_t>(options_.metric);
  contents.m = static_cast<std::uint32_t>(options_.m);
  contents.ef_construction = static_cast<std::uint32_t>(options_.ef_construction);
  contents.ef_search = static_cast<std::uint32_t>(options_.ef_search);
  return WriteCollectionFile(path, contents);
}

Result<std::unique_ptr<HnswCollection>> HnswCollection::Load(const std::filesystem::path& path) {
  IRIS_ASSIGN_OR_RETURN(CollectionFileContents contents, ReadCollectionFile(path));
  auto corrupt = [&](const std::string& why) {
    return FailedPrecondition("collection file " + path.string() + " is inconsistent: " + why);
  };

  CollectionOptions options;
  options.dim = static_cast<int>(contents.dim);
  options.metric = static_cast<Metric>(contents.metric);
  options.m = static_cast<int>(contents.m);
  options.ef_construction = static_cast<int>(contents.ef_construction);
  options.ef_search = static_cast<int>(contents.ef_search);
  if (contents.dim > static_cast<std::uint32_t>(kMaxDim) || contents.metric > 2 || contents.m > 100 ||
      contents.ef_construction > (1u << 30) || contents.ef_search > (1u << 30)) {
    return corrupt("header values out of range");
  }
  if (Status valid = ValidateOptions(options); !valid.ok()) return corrupt(valid.message());

  std::unique_ptr<HnswCollection> collection(new HnswCollection(options));
  {
    IRIS_ASSIGN_OR_RETURN(MemoryFile index_file, MemoryFile::Create());
    IRIS_RETURN_IF_ERROR(index_file.Write(contents.index_bytes));
    try {
      // The loading constructor: if it throws, no half-built index is destroyed.
      collection->graph_->index = std::make_unique<Index>(collection->graph_->space.get(), index_file.path());
    } catch (const std::exception& error) {
      return corrupt(std::string("hnswlib could not load the index: ") + error.what());
    }
  }
  Index& index = *collection->graph_->index;
  if (index.data_size_ != contents.dim * sizeof(float) || index.label_offset_ != index.offsetData_ + index.data_size_) {
    return corrupt("the index's vector size does not match dim " + std::to_string(contents.dim));
  }
  // hnswlib 0.6.2's loading constructor never zeroes num_deleted_ before counting; recount.
  index.num_deleted_ = 0;
  for (hnswlib::tableint i = 0; i < index.cur_element_count; ++i) {
    if (index.isMarkedDeleted(i)) ++index.num_deleted_;
  }
  index.setEf(static_cast<size_t>(options.ef_search));

  try {
    // Bounded: a catalog nested deeper than any Iris writes is refused, never built (json_limits.h).
    Result<nlohmann::json> parsed = ParseBoundedJson(contents.catalog_json, kMaxStoredJsonDepth);
    if (!parsed.ok()) return corrupt("catalog " + parsed.status().message());
    if (parsed->is_discarded()) return corrupt("bad catalog JSON: not valid JSON");
    const nlohmann::json& catalog = *parsed;
    for (const nlohmann::json& item : catalog.at("items")) {
      std::string id = item.at("id").get<std::string>();
      const Label label = item.at("label").get<Label>();
      auto in_graph = index.label_lookup_.find(label);
      if (id.empty() || label >= contents.next_label || in_graph == index.label_lookup_.end() ||
          index.isMarkedDeleted(in_graph->second) || !item.at("metadata").is_object()) {
        return corrupt("catalog entry for '" + id + "' does not match the index");
      }
      if (!collection->labels_by_id_.emplace(id, label).second) return corrupt("duplicate id '" + id + "'");
      collection->entries_by_label_[label] = Entry{std::move(id), item.at("metadata")};
    }
  } catch (const nlohmann::json::exception& error) {
    return corrupt(std::string("bad catalog JSON: ") + error.what());
  }
  const size_t live = index.cur_element_count - index.num_deleted_;
  if (collection->labels_by_id_.size() != contents.item_count || live != contents.item_count) {
    return corrupt("item counts disagree (header " + std::to_string(contents.item_count) + ", catalog " +
                   std::to_string(collection->labels_by_id_.size()) + ", index " + std::to_string(live) + ")");
  }
  collection->next_label_ = contents.next_label;
  // Deleted elements are free for new ids (files written before slots were reused may hold many).
  for (const auto& [label, internal_id] : index.label_lookup_) {
    if (index.isMarkedDeleted(internal_id)) collection->free_labels_.push_back(label);
  }
  std::sort(collection->free_labels_.begin(), collection->free_labels_.end(), std::greater<>());
  if (index.cur_element_count == 0) collection->graph_->index.reset();  // as after Create: built by the first add
  return collection;
}

}  // namespace iris
