#include "api/builtin_routes.h"

#include <charconv>
#include <thread>

#include "api/docs_page.h"
#include "api/openapi.h"

namespace iris::api {
namespace {

const nlohmann::json& StatusSchema() {
  static const nlohmann::json kSchema = nlohmann::json::parse(R"({
    "type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]})");
  return kSchema;
}

const nlohmann::json& ReadySchema() {
  static const nlohmann::json kSchema = nlohmann::json::parse(R"({
    "type": "object",
    "properties": {
      "status": {"type": "string", "enum": ["ready", "not_ready"]},
      "checks": {"type": "object", "additionalProperties": {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["ok", "failing"]}, "detail": {"type": "string"}}}}},
    "required": ["status", "checks"]})");
  return kSchema;
}

Status AddHealthRoutes(App& app) {
  IRIS_RETURN_IF_ERROR(app.router().Add(
      RouteSpec::Get("/healthz")
          .Public()
          .Summary("Liveness")
          .Description("200 while the process runs and serves HTTP. Checks no dependency (see /readyz).")
          .Tag("operations")
          .Returns(200, "The process is alive", "application/json", StatusSchema()),
      [](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
        return HttpResponse::Json({{"status", "ok"}});
      }));
  return app.router().Add(
      RouteSpec::Get("/readyz")
          .Public()
          .Summary("Readiness")
          .Description("200 once every readiness check passes (storage open, models preloaded...); 503 while any "
                       "fails and during shutdown. Each check is reported under checks.")
          .Tag("operations")
          .Returns(200, "Ready", "application/json", ReadySchema())
          .Returns(503, "Not ready, or shutting down", "application/json", ReadySchema()),
      [&app](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
        auto report = app.readiness().Evaluate();
        if (app.draining()) {
          report.ready = false;
          report.checks["shutdown"] = {{"status", "failing"}, {"detail", "the server is shutting down"}};
        }
        auto response = HttpResponse::Json(
            {{"status", report.ready ? "ready" : "not_ready"}, {"checks", report.checks}}, report.ready ? 200 : 503);
        if (!report.ready) response.headers.emplace_back("Retry-After", "1");
        return response;
      });
}

Status AddDocumentRoutes(App& app) {
  IRIS_RETURN_IF_ERROR(app.router().Add(
      RouteSpec::Get("/metrics")
          .Summary("Prometheus metrics")
          .Description("Text exposition format 0.0.4: HTTP requests by route template and status, latency "
                       "histograms, requests in flight, rejected connections, and module counters.")
          .Tag("operations")
          .Returns(200, "Metrics", "text/plain; version=0.0.4", {{"type", "string"}}),
      [&app](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
        return HttpResponse::Text(app.metrics().Render(), kPrometheusContentType);
      }));
  IRIS_RETURN_IF_ERROR(app.router().Add(RouteSpec::Get("/openapi.json")
                                            .Public()
                                            .Summary("OpenAPI document")
                                            .Description("OpenAPI 3.1 description of every route of this server.")
                                            .Tag("documentation")
                                            .Returns(200, "The document", "application/json", {{"type", "object"}}),
                                        [&app](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
                                          return HttpResponse::Json(
                                              BuildOpenApiDocument(app.router().routes(), app.version()));
                                        }));
  return app.router().Add(RouteSpec::Get("/docs")
                              .Public()
                              .Summary("API documentation page")
                              .Description("A self-contained HTML page that renders /openapi.json.")
                              .Tag("documentation")
                              .Returns(200, "HTML page", "text/html", {{"type", "string"}}),
                          [](const httplib::Request&, RequestContext&) -> Result<HttpResponse> {
                            return HttpResponse::Text(std::string(DocsPageHtml()), "text/html; charset=utf-8");
                          });
}

constexpr int kMaxDebugSleepMs = 60'000;

Status AddTestRoutes(App& app) {
  return app.router().Add(
      RouteSpec::Get("/v1/debug/sleep")
          .Summary("Sleep (test runs only)")
          .Description("Holds a worker for ms milliseconds, then answers. Exists only when the server runs with "
                       "IRIS_ENABLE_TEST_ROUTES=1; used by overload and shutdown tests.")
          .Tag("debug")
          .Query("ms", "milliseconds to sleep (0..60000)", {{"type", "integer"}}, true)
          .Returns(200, "Slept", "application/json",
                   {{"type", "object"}, {"properties", {{"slept_ms", {{"type", "integer"}}}}}}),
      [](const httplib::Request& req, RequestContext&) -> Result<HttpResponse> {
        std::string text = req.get_param_value("ms");
        int ms = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec != std::errc() || end != text.data() + text.size() || ms < 0 || ms > kMaxDebugSleepMs) {
          return Unprocessable("ms must be an integer in 0.." + std::to_string(kMaxDebugSleepMs));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return HttpResponse::Json({{"slept_ms", ms}});
      });
}

}  // namespace

Status RegisterBuiltinRoutes(App& app) {
  IRIS_RETURN_IF_ERROR(AddHealthRoutes(app));
  IRIS_RETURN_IF_ERROR(AddDocumentRoutes(app));
  if (app.test_routes_enabled()) IRIS_RETURN_IF_ERROR(AddTestRoutes(app));
  return {};
}

}  // namespace iris::api
