// Background jobs over a whole collection (handlers registered with every other job kind by
// app/job_kinds.h), and what the collection routes ask of them:
//
//   collection.reindex      items are item ids of params.collection: the item's image is fetched again
//                           (ReindexImageSource: from its metadata image_url, or for the product
//                           collection from the product image URL template) and re-embedded and
//                           signed with its metadata kept (CollectionService::UpsertImage).
//   collection.dedup_scan   one item per image item in the duplicate index; each checks that item's
//                           stored signature against the others (DuplicateDetector::CheckStored) and
//                           keeps the duplicates found as the item's result ({id, duplicates: [match]}).
//
// CollectionJobs starts them (StartReindex refuses an external collection, kUnprocessable, and a model
// that is not installed, before queuing) and reads a scan's groups so far (connected components,
// dedup/duplicate_groups.h). Errors: kNotFound for an unknown collection, or a task that is not a scan
// of that collection. Thread-safety: every method is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/collection_service.h"
#include "dedup/duplicate_groups.h"
#include "jobs/job_runner.h"

namespace iris::app {

inline constexpr char kReindexJob[] = "collection.reindex";
inline constexpr char kDedupScanJob[] = "collection.dedup_scan";

// Where reindex gets an item's image: (collection, item id, metadata image_url or "") -> the image.
using ReindexImageSource =
    std::function<Result<std::shared_ptr<IngestedImage>>(const std::string&, const std::string&, const std::string&)>;

struct QueuedJob {
  std::string task_id;
  std::size_t items = 0;  // 0: the job is already finished ("succeeded")
};

struct DuplicateScanGroups {
  JobView job;
  std::int64_t checked = 0;  // items whose check has finished
  std::vector<DuplicateGroup> groups;
};

// A duplicate match as a scan item stores it (and as the scan's groups report it).
nlohmann::json DuplicateMatchJson(const DuplicateCandidate& match);

class CollectionJobs {
 public:
  CollectionJobs(CollectionService& collections, JobRunner& jobs) : collections_(collections), jobs_(jobs) {}

  Result<QueuedJob> StartReindex(const std::string& collection, Trace& trace);
  Result<QueuedJob> StartDuplicateScan(const std::string& collection);
  Result<DuplicateScanGroups> ScanGroups(const std::string& collection, const std::string& task_id);

 private:
  CollectionService& collections_;
  JobRunner& jobs_;
};

Status RunReindexItem(CollectionService& collections, const ReindexImageSource& images, JobItemContext& ctx);
Status RunDuplicateScanItem(const CollectionService& collections, JobItemContext& ctx);

}  // namespace iris::app
