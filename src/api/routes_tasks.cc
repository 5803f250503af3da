// Background jobs over HTTP (jobs/job_store.h), in the seed-002 shape:
//   GET    /tasks                      the most recent jobs, newest first (limit, default 20, at most 100)
//   GET    /tasks/{task_id}            {task_id, kind, status, progress {done, total}, errors[], ...}
//   DELETE /tasks/{task_id}            asks the job to stop; 409 when it already succeeded or failed
//   GET    /tasks/{task_id}/items      per-item state and result (offset, limit at most 1000)
// Unknown task ids are 404.
#include <charconv>

#include "api/image_input.h"
#include "api/routes.h"

namespace iris::api {
namespace {

const nlohmann::json kNoBody = nlohmann::json::object();  // these settings come from the query

nlohmann::json TaskSchema() {
  return {{"type", "object"},
          {"properties",
           {{"task_id", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"status", {{"type", "string"}, {"enum", {"queued", "running", "succeeded", "failed", "cancelled"}}}},
            {"progress",
             {{"type", "object"}, {"properties", {{"done", {{"type", "integer"}}}, {"total", {{"type", "integer"}}}}}}},
            {"errors",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"item", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"attempts", {{"type", "integer"}}}}}}}}},
            {"failed_items", {{"type", "integer"}}},
            {"error", {{"type", "string"}, {"nullable", true}}},
            {"created_at", {{"type", "string"}}},
            {"started_at", {{"type", "string"}, {"nullable", true}}},
            {"finished_at", {{"type", "string"}, {"nullable", true}}},
            {"result", {{"description", "summary when the job has ended: succeeded, failed, not_run"}}}}}};
}

Result<HttpResponse> ListTasks(JobStore& store, const httplib::Request& req) {
  IRIS_ASSIGN_OR_RETURN(long long limit, IntSetting(req, kNoBody, "limit", 20, 1, 100));
  IRIS_ASSIGN_OR_RETURN(auto jobs, store.List(static_cast<int>(limit)));
  nlohmann::json list = nlohmann::json::array();
  for (const JobView& job : jobs) list.push_back(job.ToJson());
  return HttpResponse::Json({{"tasks", list}});
}

Result<HttpResponse> GetTask(JobStore& store, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(JobView job, store.Get(ctx.PathParam("task_id")));
  return HttpResponse::Json(job.ToJson());
}

Result<HttpResponse> CancelTask(JobStore& store, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(JobView job, store.RequestCancel(ctx.PathParam("task_id")));
  return HttpResponse::Json(job.ToJson());
}

Result<HttpResponse> ListTaskItems(JobStore& store, const httplib::Request& req, RequestContext& ctx) {
  const std::string task_id = ctx.PathParam("task_id");
  IRIS_ASSIGN_OR_RETURN(long long offset, IntSetting(req, kNoBody, "offset", 0, 0, 1'000'000'000'000LL));
  IRIS_ASSIGN_OR_RETURN(long long limit, IntSetting(req, kNoBody, "limit", 100, 1, 1000));
  IRIS_RETURN_IF_ERROR(store.Get(task_id, 0).status());  // 404 for an unknown job
  IRIS_ASSIGN_OR_RETURN(auto items, store.Items(task_id, offset, limit));
  nlohmann::json list = nlohmann::json::array();
  for (const JobItemView& item : items) {
    list.push_back({{"index", item.index},
                    {"item", item.item},
                    {"state", item.state},
                    {"attempts", item.attempts},
                    {"error", item.error.empty() ? nlohmann::json() : nlohmann::json(item.error)},
                    {"result", item.result}});
  }
  return HttpResponse::Json({{"task_id", task_id}, {"items", list}});
}

}  // namespace

Status RegisterTaskRoutes(Router& router, std::shared_ptr<JobRunner> jobs) {
  const nlohmann::json task_schema = TaskSchema();

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/tasks")
          .Summary("Recent background jobs, newest first")
          .Tag("tasks")
          .Query("limit", "jobs to return (default 20, at most 100)",
                 {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}})
          .Returns(200, "Jobs (without their item errors)", "application/json",
                   {{"type", "object"}, {"properties", {{"tasks", {{"type", "array"}, {"items", task_schema}}}}}}),
      [jobs](const httplib::Request& req, RequestContext&) { return ListTasks(jobs->store(), req); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/tasks/{task_id}")
          .Summary("A background job: status, progress and the items that failed")
          .Description("status: queued | running | succeeded | failed | cancelled. progress.done counts finished "
                       "items (succeeded or failed). errors lists the first 100 failed items with the reason "
                       "and the number of attempts (transient failures are retried with backoff first).")
          .Tag("tasks")
          .Returns(200, "The job", "application/json", task_schema),
      [jobs](const httplib::Request&, RequestContext& ctx) { return GetTask(jobs->store(), ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Delete("/tasks/{task_id}")
          .Summary("Cancel a background job")
          .Description("A queued job is cancelled at once; a running one stops taking items and is cancelled "
                       "when the items in flight end. Items already done stay done. 409 for a job that "
                       "already succeeded or failed; cancelling a cancelled job is a no-op.")
          .Tag("tasks")
          .Returns(200, "The job after the request", "application/json", task_schema),
      [jobs](const httplib::Request&, RequestContext& ctx) { return CancelTask(jobs->store(), ctx); }));

  return router.Add(
      RouteSpec::Get("/tasks/{task_id}/items")
          .Summary("The items of a background job, in order, with their state and result")
          .Tag("tasks")
          .Query("offset", "items to skip (default 0)", {{"type", "integer"}, {"minimum", 0}})
          .Query("limit", "items to return (default 100, at most 1000)",
                 {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}})
          .Returns(200, "A page of items", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"task_id", {{"type", "string"}}},
                      {"items",
                       {{"type", "array"},
                        {"items",
                         {{"type", "object"},
                          {"properties",
                           {{"index", {{"type", "integer"}}},
                            {"item", {{"type", "string"}}},
                            {"state", {{"type", "string"}, {"enum", {"pending", "running", "done", "failed"}}}},
                            {"attempts", {{"type", "integer"}}},
                            {"error", {{"type", "string"}, {"nullable", true}}},
                            {"result", {{"description", "what the item produced (JSON), when done"}}}}}}}}}}}}),
      [jobs](const httplib::Request& req, RequestContext& ctx) { return ListTaskItems(jobs->store(), req, ctx); });
}

}  // namespace iris::api
