// Background jobs over a whole collection (app/collection_jobs.h):
//   POST /v1/collections/{name}/reindex                  queues job "collection.reindex":
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
#include "api/routes.h"

namespace iris::api {
namespace {

nlohmann::json QueuedJson(const app::QueuedJob& queued) {
  return {{"task_id", queued.task_id}, {"status", queued.items == 0 ? "succeeded" : "queued"}, {"items", queued.items}};
}

Result<HttpResponse> StartReindex(app::CollectionJobs& jobs, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(app::QueuedJob queued, jobs.StartReindex(ctx.PathParam("name"), ctx));
  return HttpResponse::Json(QueuedJson(queued));
}

Result<HttpResponse> StartScan(app::CollectionJobs& jobs, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(app::QueuedJob queued, jobs.StartDuplicateScan(ctx.PathParam("name")));
  return HttpResponse::Json(QueuedJson(queued));
}

Result<HttpResponse> ScanGroups(app::CollectionJobs& jobs, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(app::DuplicateScanGroups scan,
                        jobs.ScanGroups(ctx.PathParam("name"), ctx.PathParam("task_id")));
  nlohmann::json groups = nlohmann::json::array();
  for (const DuplicateGroup& group : scan.groups) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const DuplicatePair& pair : group.pairs) {
      nlohmann::json e = app::DuplicateMatchJson(pair.match);
      e["checked"] = pair.id;
      evidence.push_back(std::move(e));
    }
    groups.push_back({{"ids", group.ids}, {"pairs", evidence}});
  }
  return HttpResponse::Json({{"task", scan.job.ToJson()},
                             {"checked", scan.checked},
                             {"groups", groups},
                             {"complete", IsFinal(scan.job.status)}});
}

}  // namespace

Status RegisterCollectionJobRoutes(Router& router, std::shared_ptr<app::CollectionJobs> jobs) {
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
      [jobs](const httplib::Request&, RequestContext& ctx) { return StartReindex(*jobs, ctx); }));
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
                 [jobs](const httplib::Request&, RequestContext& ctx) { return StartScan(*jobs, ctx); }));
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
                    [jobs](const httplib::Request&, RequestContext& ctx) { return ScanGroups(*jobs, ctx); });
}

}  // namespace iris::api
