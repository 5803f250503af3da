// The seed's analysis API (contract: seed "Advanced Image Analysis API"; differences in docs/compat.md):
//   POST /analyze_image/         JSON {"image_url", "tasks": [{operation_id, type, params}]}
//   POST /analyze_image_upload/  multipart: image_file + tasks_json (image_url in the reply: "uploaded:<name>")
//   GET  /available_operations/  generated from the operation registry
// Request-level failures (tasks malformed or duplicated, image not fetched or not decodable) are HTTP
// errors with {"detail"}; everything else is reported per task inside `results`. The image is fetched
// and decoded once; tasks share detections and crops (ops::AnalysisContext) and results are cached
// by content hash (ops::OperationRegistry). The paths without the trailing slash answer the same.
#include <chrono>

#include "api/image_input.h"
#include "api/routes.h"
#include "ops/analyzer.h"

namespace iris::api {
namespace {

nlohmann::json TaskListSchema() {
  return {
      {"type", "array"},
      {"maxItems", ops::kMaxTasks},
      {"items",
       {{"type", "object"},
        {"required", {"operation_id", "type"}},
        {"properties",
         {{"operation_id", {{"type", "string"}, {"description", "key of this task's result; unique"}}},
          {"type", {{"type", "string"}, {"description", "an operation from GET /available_operations/"}}},
          {"params", {{"type", "object"}, {"description", "target, face_context and the operation's parameters"}}}}}}}};
}

nlohmann::json AnalysisReplySchema() {
  return {{"type", "object"},
          {"properties",
           {{"image_url", {{"type", "string"}}},
            {"results",
             {{"type", "object"},
              {"additionalProperties",
               {{"type", "object"},
                {"properties",
                 {{"status", {{"type", "string"}, {"enum", {"success", "error", "skipped"}}}},
                  {"data", nlohmann::json::object()},
                  {"cropped_image_bbox", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"nullable", true}}},
                  {"cropped_image_base64", {{"type", "string"}, {"nullable", true}}},
                  {"error_message", {{"type", "string"}, {"nullable", true}}}}}}}}}}}};
}

// Decodes the image once and runs the tasks; the whole reply.
Result<HttpResponse> Analyze(const app::AnalysisService& analysis, HistogramFamily& task_seconds,
                             const IngestedImage& image, const std::vector<ops::AnalysisTask>& tasks,
                             RequestContext& ctx) {
  auto run = analysis.Run(image, tasks, ctx);
  if (!run.ok()) return Status(run.status().code(), "Could not process image: " + run.status().message());
  for (const auto& t : run->timings) task_seconds.Observe({t.type, t.outcome}, t.ms / 1000.0);
  nlohmann::ordered_json reply = {{"image_url", image.source()}, {"results", std::move(run->results)}};
  return HttpResponse::Text(reply.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                            "application/json");
}

Status WithSeedPrefix(const Status& status, const char* prefix) {
  return Status(status.code(), std::string(prefix) + status.message());
}

Result<HttpResponse> AnalyzeUrl(const app::AnalysisService& analysis, const ImageIngestor& ingestor,
                                HistogramFamily& task_seconds, const httplib::Request& req, RequestContext& ctx) {
  if (req.is_multipart_form_data()) {
    return UnsupportedMedia("send application/json here; uploads go to /analyze_image_upload/");
  }
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  if (!body.contains("image_url") || !body["image_url"].is_string() ||
      body["image_url"].get_ref<const std::string&>().empty()) {
    return InvalidArgument("'image_url' (string) is required");
  }
  if (!body.contains("tasks")) return InvalidArgument("'tasks' (array) is required");
  IRIS_ASSIGN_OR_RETURN(auto tasks, ops::ParseTasks(body["tasks"]));
  const std::string& url = body["image_url"].get_ref<const std::string&>();
  const auto started = std::chrono::steady_clock::now();
  auto downloaded = ingestor.Download(url);
  ctx.AddStageTime("fetch",
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  if (!downloaded.ok()) return WithSeedPrefix(downloaded.status(), "Could not download image from URL: ");
  auto image = ingestor.FromDownload(std::move(downloaded).value(), url);
  if (!image.ok()) return WithSeedPrefix(image.status(), "Could not process image: ");
  return Analyze(analysis, task_seconds, **image, tasks, ctx);
}

Result<HttpResponse> AnalyzeUpload(const app::AnalysisService& analysis, const ImageIngestor& ingestor,
                                   HistogramFamily& task_seconds, const httplib::Request& req, RequestContext& ctx) {
  if (!req.is_multipart_form_data()) {
    return UnsupportedMedia("send multipart/form-data with fields image_file and tasks_json");
  }
  if (!req.has_file("tasks_json")) return InvalidArgument("form field 'tasks_json' is required");
  IRIS_ASSIGN_OR_RETURN(auto tasks, ops::ParseTasksJson(req.get_file_value("tasks_json").content));
  const char* field = ImageFileField(req);
  if (!field) return InvalidArgument("form field 'image_file' (the image; also accepted: 'image', 'file') is required");
  const auto& file = req.get_file_value(field);
  auto image = ingestor.FromUpload(file.content, file.filename);
  if (!image.ok()) return WithSeedPrefix(image.status(), "Could not process image: ");
  return Analyze(analysis, task_seconds, **image, tasks, ctx);
}

}  // namespace

Status RegisterAnalysisRoutes(Router& router, MetricsRegistry& metrics,
                              std::shared_ptr<const app::AnalysisService> analysis,
                              std::shared_ptr<const ImageIngestor> ingestor) {
  HistogramFamily& task_seconds = metrics.Histogram(
      "iris_analysis_task_seconds", "Time to run one analysis task (decode excluded), by operation and outcome",
      {"operation", "status"});
  const auto analyze_url = [analysis, ingestor, &task_seconds](const httplib::Request& req, RequestContext& ctx) {
    return AnalyzeUrl(*analysis, *ingestor, task_seconds, req, ctx);
  };
  const auto analyze_upload = [analysis, ingestor, &task_seconds](const httplib::Request& req, RequestContext& ctx) {
    return AnalyzeUpload(*analysis, *ingestor, task_seconds, req, ctx);
  };
  const auto operations = [analysis](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
    return HttpResponse::Json(analysis->Describe());
  };

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/analyze_image/")
          .ComputeOnly()
          .Summary("Run a list of analysis tasks on an image given by URL")
          .Tag("analysis")
          .Body("application/json",
                {{"type", "object"},
                 {"required", {"image_url", "tasks"}},
                 {"properties", {{"image_url", {{"type", "string"}, {"format", "uri"}}}, {"tasks", TaskListSchema()}}}})
          .Returns(200, "One result per task, keyed by operation_id", "application/json", AnalysisReplySchema()),
      analyze_url));
  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Post("/analyze_image_upload/")
                     .ComputeOnly()
                     .Summary("Run a list of analysis tasks on an uploaded image")
                     .Tag("analysis")
                     .Body("multipart/form-data",
                           {{"type", "object"},
                            {"required", {"image_file", "tasks_json"}},
                            {"properties",
                             {{"image_file", {{"type", "string"}, {"format", "binary"}}},
                              {"tasks_json", {{"type", "string"}, {"description", "the tasks array as JSON text"}}}}}})
                     .Returns(200, "One result per task; image_url is \"uploaded:<file name>\"", "application/json",
                              AnalysisReplySchema()),
                 analyze_upload));
  IRIS_RETURN_IF_ERROR(router.Add(RouteSpec::Get("/available_operations/")
                                      .Summary("The analysis operations, their targets and parameters")
                                      .Tag("analysis")
                                      .Returns(200, "{\"operations\": {type: {...}}}"),
                                  operations));
  // Each path is served without its trailing slash too (PathTemplate).
  return {};
}

}  // namespace iris::api
