#include "app/collection_jobs.h"

namespace iris::app {
namespace {

constexpr std::int64_t kItemsPerRead = 1000;

DuplicateCandidate MatchFromJson(const nlohmann::json& j) {
  DuplicateCandidate c;
  c.id = j.value("id", "");
  c.duplicate = true;
  c.reason = j.value("reason", "");
  c.hash_distance = j.value("hash_distance", -1);
  c.view = j.value("view", "");
  c.inliers = j.value("inliers", -1);
  c.detail_correlation = j.value("detail_correlation", -1.0);
  return c;
}

}  // namespace

nlohmann::json DuplicateMatchJson(const DuplicateCandidate& c) {
  return {{"id", c.id},     {"reason", c.reason},   {"hash_distance", c.hash_distance},
          {"view", c.view}, {"inliers", c.inliers}, {"detail_correlation", c.detail_correlation}};
}

Result<QueuedJob> CollectionJobs::StartReindex(const std::string& collection_name, Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections_.Get(collection_name));
  const std::string name = collection->description().name;
  if (collection->description().model == kExternalModel) {
    return Unprocessable("collection '" + name + "' stores external vectors: there is nothing to re-embed");
  }
  IRIS_RETURN_IF_ERROR(collections_.EncoderOf(*collection, trace).status());  // the model must be installed
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection->Count());
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> ids, collection->ListIds(0, count));
  QueuedJob queued;
  queued.items = ids.size();
  IRIS_ASSIGN_OR_RETURN(queued.task_id, jobs_.Submit({kReindexJob, {{"collection", name}}, std::move(ids)}));
  return queued;
}

Result<QueuedJob> CollectionJobs::StartDuplicateScan(const std::string& collection_name) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections_.Get(collection_name));
  const std::string name = collection->description().name;
  IRIS_ASSIGN_OR_RETURN(auto detector, collections_.Duplicates(name));
  std::vector<std::string> ids = detector->ids();
  QueuedJob queued;
  queued.items = ids.size();
  IRIS_ASSIGN_OR_RETURN(queued.task_id, jobs_.Submit({kDedupScanJob, {{"collection", name}}, std::move(ids)}));
  return queued;
}

Result<DuplicateScanGroups> CollectionJobs::ScanGroups(const std::string& collection, const std::string& task_id) {
  DuplicateScanGroups out;
  IRIS_ASSIGN_OR_RETURN(out.job, jobs_.store().Get(task_id, 0));
  if (out.job.kind != kDedupScanJob || out.job.params.value("collection", "") != collection) {
    return NotFound("no duplicate scan " + task_id + " of collection " + collection);
  }
  std::vector<DuplicatePair> pairs;
  for (std::int64_t offset = 0;; offset += kItemsPerRead) {
    IRIS_ASSIGN_OR_RETURN(auto items, jobs_.store().Items(task_id, offset, kItemsPerRead));
    for (const JobItemView& item : items) {
      if (item.state != "done" || !item.result.is_object()) continue;
      ++out.checked;
      for (const auto& match : item.result.value("duplicates", nlohmann::json::array())) {
        pairs.push_back({item.item, MatchFromJson(match)});
      }
    }
    if (static_cast<std::int64_t>(items.size()) < kItemsPerRead) break;
  }
  out.groups = GroupDuplicates(std::move(pairs));
  return out;
}

Status RunReindexItem(CollectionService& collections, const ReindexImageSource& images, JobItemContext& ctx) {
  const std::string name = ctx.params.value("collection", "");
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Get(name));
  IRIS_ASSIGN_OR_RETURN(CollectionItem item, collection->Get(ctx.item));
  std::string url;
  if (item.metadata.contains("image_url") && item.metadata["image_url"].is_string()) {
    url = item.metadata["image_url"].get<std::string>();
  }
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<IngestedImage> image, images(name, ctx.item, url));
  Trace trace;
  IRIS_RETURN_IF_ERROR(collections.UpsertImage(*collection, ctx.item, *image, item.metadata, trace));
  ctx.result = {{"id", ctx.item}};
  return Status::Ok();
}

Status RunDuplicateScanItem(const CollectionService& collections, JobItemContext& ctx) {
  const std::string name = ctx.params.value("collection", "");
  IRIS_ASSIGN_OR_RETURN(auto detector, collections.Duplicates(name));
  auto report = detector->CheckStored(ctx.item);
  if (!report.ok() && report.status().code() == StatusCode::kNotFound) {
    ctx.result = {{"id", ctx.item}, {"removed", true}, {"duplicates", nlohmann::json::array()}};
    return Status::Ok();  // removed since the scan was queued
  }
  if (!report.ok()) return report.status();
  auto collection = collections.Get(name);
  nlohmann::json duplicates = nlohmann::json::array();
  for (const DuplicatePair& pair : PairsFromReport(ctx.item, *report)) {
    if (collection.ok()) {
      IRIS_ASSIGN_OR_RETURN(bool still_there, (*collection)->Contains(pair.match.id));
      if (!still_there) continue;  // deleted meanwhile
    }
    duplicates.push_back(DuplicateMatchJson(pair.match));
  }
  ctx.result = {{"id", ctx.item}, {"duplicates", duplicates}};
  return Status::Ok();
}

}  // namespace iris::app
