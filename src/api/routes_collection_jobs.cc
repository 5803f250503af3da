// Background jobs over a whole collection:
//   POST /v1/collections/{name}/reindex                  queues job "collection.reindex" (product_jobs.h):
//                                                        every item whose metadata has image_url (every
//                                                        product, in the product collection) is fetched,
//                                                        embedded and signed again, its metadata kept
// and bulk near-duplicate detection:
//   POST /v1/collections/{name}/duplicates/scan          queues job "collection.dedup_scan": one item per
//                                                        image item in the duplicate index; each checks
//                                                        that item's stored signature against the others
//                                                        (DuplicateDetector::CheckStored) and keeps the
//                                                        duplicates found as the item's result
//   GET  /v1/collections/{name}/duplicates/scan/{task_id} the groups found so far (connected components,
//                                                        dedup/duplicate_groups.h) with the evidence per pair
#include "api/collection_writer.h"
#include "api/product_jobs.h"
#include "api/routes.h"
#include "dedup/duplicate_groups.h"

namespace iris::api {
namespace {

constexpr char kDedupScanJob[] = "collection.dedup_scan";
constexpr std::int64_t kItemsPerRead = 1000;

nlohmann::json MatchJson(const DuplicateCandidate& c) {
  return {{"id", c.id},     {"reason", c.reason},   {"hash_distance", c.hash_distance},
          {"view", c.view}, {"inliers", c.inliers}, {"detail_correlation", c.detail_correlation}};
}

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

Status RunScanItem(AppServices& services, JobItemContext& ctx) {
  const std::string name = ctx.params.value("collection", "");
  IRIS_ASSIGN_OR_RETURN(auto detector, services.duplicates->Get(name));
  auto report = detector->CheckStored(ctx.item);
  if (!report.ok() && report.status().code() == StatusCode::kNotFound) {
    ctx.result = {{"id", ctx.item}, {"removed", true}, {"duplicates", nlohmann::json::array()}};
    return Status::Ok();  // removed since the scan was queued
  }
  if (!report.ok()) return report.status();
  auto collection = services.collections->Get(name);
  nlohmann::json duplicates = nlohmann::json::array();
  for (const DuplicatePair& pair : PairsFromReport(ctx.item, *report)) {
    if (collection.ok() && !(*collection)->index().Contains(pair.match.id)) continue;  // deleted meanwhile
    duplicates.push_back(MatchJson(pair.match));
  }
  ctx.result = {{"id", ctx.item}, {"duplicates", duplicates}};
  return Status::Ok();
}

Result<HttpResponse> StartScan(AppServices& services, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, services.collections->Get(ctx.PathParam("name")));
  const std::string name = collection->options().name;
  IRIS_ASSIGN_OR_RETURN(auto detector, services.duplicates->Get(name));
  std::vector<std::string> ids = detector->ids();
  IRIS_ASSIGN_OR_RETURN(std::string task_id, services.jobs->Submit({kDedupScanJob, {{"collection", name}}, ids}));
  return HttpResponse::Json(
      {{"task_id", task_id}, {"status", ids.empty() ? "succeeded" : "queued"}, {"items", ids.size()}});
}

Result<HttpResponse> StartReindex(AppServices& services, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, services.collections->Get(ctx.PathParam("name")));
  const std::string name = collection->options().name;
  if (collection->options().model == kExternalModel) {
    return Unprocessable("collection '" + name + "' stores external vectors: there is nothing to re-embed");
  }
  IRIS_RETURN_IF_ERROR(EmbedderOf(services, *collection, ctx).status());  // the model must be installed
  std::vector<std::string> ids = collection->index().ListIds(0, collection->index().size());
  IRIS_ASSIGN_OR_RETURN(std::string task_id, services.jobs->Submit({kReindexJob, {{"collection", name}}, ids}));
  return HttpResponse::Json(
      {{"task_id", task_id}, {"status", ids.empty() ? "succeeded" : "queued"}, {"items", ids.size()}});
}

Result<HttpResponse> ScanGroups(AppServices& services, RequestContext& ctx) {
  const std::string task_id = ctx.PathParam("task_id");
  IRIS_ASSIGN_OR_RETURN(JobView job, services.jobs->store().Get(task_id, 0));
  if (job.kind != kDedupScanJob || job.params.value("collection", "") != ctx.PathParam("name")) {
    return NotFound("no duplicate scan " + task_id + " of collection " + ctx.PathParam("name"));
  }
  std::vector<DuplicatePair> pairs;
  std::int64_t checked = 0;
  for (std::int64_t offset = 0;; offset += kItemsPerRead) {
    IRIS_ASSIGN_OR_RETURN(auto items, services.jobs->store().Items(task_id, offset, kItemsPerRead));
    for (const JobItemView& item : items) {
      if (item.state != "done" || !item.result.is_object()) continue;
      ++checked;
      for (const auto& match : item.result.value("duplicates", nlohmann::json::array())) {
        pairs.push_back({item.item, MatchFromJson(match)});
      }
    }
    if (static_cast<std::int64_t>(items.size()) < kItemsPerRead) break;
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const DuplicateGroup& group : GroupDuplicates(std::move(pairs))) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const DuplicatePair& pair : group.pairs) {
      nlohmann::json e = MatchJson(pair.match);
      e["checked"] = pair.id;
      evidence.push_back(std::move(e));
    }
    groups.push_back({{"ids", group.ids}, {"pairs", evidence}});
  }
  return HttpResponse::Json(
      {{"task", job.ToJson()}, {"checked", checked}, {"groups", groups}, {"complete", IsFinal(job.status)}});
}

}  // namespace

Status RegisterCollectionJobRoutes(App& app, std::shared_ptr<AppServices> services) {
  std::weak_ptr<AppServices> weak = services;
  IRIS_RETURN_IF_ERROR(services->jobs->Register(kDedupScanJob, [weak](JobItemContext& ctx) -> Status {
    auto s = weak.lock();
    if (!s) return Unavailable("the server is shutting down");
    return RunScanItem(*s, ctx);
  }));
  Router& router = app.router();
  const nlohmann::json queued = {
      {"type", "object"},
      {"properties",
       {{"task_id", {{"type", "string"}}}, {"status", {{"type", "string"}}}, {"items", {{"type", "integer"}}}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/v1/collections/{name}/reindex")
          .Summary("Fetch, embed and sign every image item again (background job)")
          .Description("Items whose metadata has an image_url (every product in the product collection, via "
                       "products.image_url_template) are re-fetched; items without one fail with a reason in "
                       "the job's errors. Metadata is kept. Progress in GET /tasks/{task_id}.")
          .Tag("collections")
          .Returns(200, "Queued", "application/json", queued),
      [services](const httplib::Request&, RequestContext& ctx) { return StartReindex(*services, ctx); }));
  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Post("/v1/collections/{name}/duplicates/scan")
                     .Summary("Find groups of near-duplicates among a collection's image items (background job)")
                     .Description("Queues one check per image item; progress in GET /tasks/{task_id}, groups in GET "
                                  "/v1/collections/{name}/duplicates/scan/{task_id}.")
                     .Tag("collections")
                     .Returns(200, "Queued", "application/json",
                              {{"type", "object"},
                               {"properties",
                                {{"task_id", {{"type", "string"}}},
                                 {"status", {{"type", "string"}}},
                                 {"items", {{"type", "integer"}}}}}}),
                 [services](const httplib::Request&, RequestContext& ctx) { return StartScan(*services, ctx); }));
  return router.Add(RouteSpec::Get("/v1/collections/{name}/duplicates/scan/{task_id}")
                        .Summary("Groups of near-duplicates found by a scan (so far, while it runs)")
                        .Tag("collections")
                        .Returns(200, "Groups: ids sorted, groups by first id, with the evidence of each linking pair",
                                 "application/json",
                                 {{"type", "object"},
                                  {"properties",
                                   {{"task", {{"type", "object"}}},
                                    {"checked", {{"type", "integer"}}},
                                    {"complete", {{"type", "boolean"}}},
                                    {"groups", {{"type", "array"}}}}}}),
                    [services](const httplib::Request&, RequestContext& ctx) { return ScanGroups(*services, ctx); });
}

}  // namespace iris::api
