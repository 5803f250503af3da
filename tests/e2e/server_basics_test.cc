// End-to-end: health, readiness, request ids, metrics, OpenAPI, docs and HTTP-level errors of a
// real `iris serve`.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "e2e/e2e_http.h"
#include "support/server_process.h"

namespace iris::testing {
namespace {

TEST(ServerHealth, HealthzAnswersOk) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(ParseJson(res->body), nlohmann::json({{"status", "ok"}}));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST(ServerHealth, ReadyzReportsReadyWithChecks) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = ParseJson(res->body);
  EXPECT_EQ(body["status"], "ready");
  EXPECT_TRUE(body["checks"].is_object()) << res->body;
}

TEST(ServerRequestId, EchoesValidClientId) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/healthz", {{"X-Request-Id", "client-id_1.2"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "client-id_1.2");
  // The log line is written just after the response, so give it a moment.
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    logged = server->Logs().find("\"request_id\":\"client-id_1.2\"") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(logged) << server->Logs();
}

TEST(ServerRequestId, ReplacesInvalidClientIdAndGeneratesMissingOnes) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  std::regex hex16("[0-9a-f]{16}");
  auto bad = client->Get("/healthz", {{"X-Request-Id", "has spaces/and{braces}"}});
  ASSERT_TRUE(bad);
  EXPECT_TRUE(std::regex_match(bad->get_header_value("X-Request-Id"), hex16)) << bad->get_header_value("X-Request-Id");
  auto too_long = client->Get("/healthz", {{"X-Request-Id", std::string(65, 'a')}});
  ASSERT_TRUE(too_long);
  EXPECT_TRUE(std::regex_match(too_long->get_header_value("X-Request-Id"), hex16));
  auto none = client->Get("/healthz");
  ASSERT_TRUE(none);
  auto none2 = client->Get("/healthz");
  ASSERT_TRUE(none2);
  EXPECT_TRUE(std::regex_match(none->get_header_value("X-Request-Id"), hex16));
  EXPECT_NE(none->get_header_value("X-Request-Id"), none2->get_header_value("X-Request-Id"));
  // Error responses carry the id too.
  auto missing = client->Get("/no/such/route");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(std::regex_match(missing->get_header_value("X-Request-Id"), hex16));
}

TEST(ServerMetrics, CountsRequestsAndExposesHistogramAndInFlight) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  // A request is counted after its response is written. One keep-alive connection makes the worker
  // finish counting each request before it reads the next; the pause lets the start-up probes'
  // counts (other connections) land before the first scrape.
  client->set_keep_alive(true);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string series = R"(iris_http_requests_total{method="GET",route="/healthz",status="200"})";
  auto before = client->Get("/metrics");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  EXPECT_EQ(before->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  double count_before = MetricValue(before->body, series).value_or(0);
  ASSERT_TRUE(client->Get("/healthz"));
  auto after = client->Get("/metrics");
  ASSERT_TRUE(after);
  auto count_after = MetricValue(after->body, series);
  ASSERT_TRUE(count_after.has_value()) << after->body;
  EXPECT_EQ(*count_after, count_before + 1);
  // The earlier scrape was counted under its route template.
  EXPECT_TRUE(MetricValue(after->body, R"(iris_http_requests_total{method="GET",route="/metrics",status="200"})"));
  EXPECT_TRUE(MetricValue(after->body,
                          R"(iris_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"})"));
  EXPECT_TRUE(MetricValue(after->body,
                          R"(iris_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"})"));
  // This scrape itself is in flight.
  EXPECT_EQ(MetricValue(after->body, "iris_http_requests_in_flight"), 1.0);
  EXPECT_NE(after->body.find("# TYPE iris_http_rejected_total counter"), std::string::npos);
  // Unmatched paths share one label value (bounded cardinality).
  ASSERT_TRUE(client->Get("/random/path/123"));
  auto third = client->Get("/metrics");
  ASSERT_TRUE(third);
  EXPECT_TRUE(MetricValue(third->body, R"(iris_http_requests_total{method="GET",route="unmatched",status="404"})"));
  EXPECT_EQ(third->body.find("/random/path/123"), std::string::npos);
}

TEST(ServerOpenApi, DocumentListsEveryRoute) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/openapi.json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto doc = ParseJson(res->body);
  ASSERT_FALSE(doc.is_discarded()) << res->body;
  EXPECT_EQ(doc["openapi"], "3.1.0");
  auto version = RunCommand(IrisBinary() + " version");
  EXPECT_EQ("iris " + doc["info"]["version"].get<std::string>() + "\n", version.output);
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"}) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    EXPECT_TRUE(doc["paths"][path].contains("get")) << path;
    EXPECT_TRUE(doc["paths"][path]["get"]["responses"].contains("200")) << path;
  }
  EXPECT_FALSE(doc["paths"].contains("/v1/debug/sleep"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("ErrorDetail"));
}

TEST(ServerDocs, PageIsSelfContainedAndLoadsOpenApi) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/docs");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_NE(res->body.find("<html"), std::string::npos);
  EXPECT_NE(res->body.find("/openapi.json"), std::string::npos);
  EXPECT_EQ(res->body.find("<script src"), std::string::npos);
  EXPECT_EQ(res->body.find("<link"), std::string::npos);
  EXPECT_EQ(res->body.find("https://"), std::string::npos);
}

TEST(ServerErrors, UnknownRouteIs404Json) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Get("/v1/does-not-exist");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object()) << res->body;
  EXPECT_NE(body["detail"].get<std::string>().find("/v1/does-not-exist"), std::string::npos);
}

TEST(ServerErrors, WrongMethodOnKnownPathIs405WithAllow) {
  auto server = ServerProcess::Start();
  auto res = server->Client()->Post("/healthz", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  EXPECT_TRUE(ParseJson(res->body).contains("detail")) << res->body;
}

TEST(ServerErrors, BodyOverMaxBodyBytesIs413Json) {
  auto server = ServerProcess::Start(ServeWith({"--max-body-bytes", "4096"}));
  auto client = server->Client();
  auto small = client->Post("/healthz", std::string(4096, 'x'), "application/octet-stream");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 405);  // within the limit: routing decides
  auto big = client->Post("/healthz", std::string(64 * 1024, 'x'), "application/octet-stream");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(ParseJson(big->body).contains("detail")) << big->body;
  // The server keeps serving afterwards.
  auto after = server->Client()->Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST(ServerErrors, ChunkedBodyOverMaxBodyBytesIs413Json) {
  auto server = ServerProcess::Start(ServeWith({"--max-body-bytes", "4096"}));
  auto client = server->Client();
  std::string payload(64 * 1024, 'y');
  auto res = client->Post(
      "/healthz",
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset < payload.size())
          sink.write(payload.data() + offset, std::min<size_t>(8192, payload.size() - offset));
        else
          sink.done();
        return true;
      },
      "application/octet-stream");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 413);
  EXPECT_TRUE(ParseJson(res->body).contains("detail")) << res->body;
}

TEST(ServerTestRoutes, DebugSleepExistsOnlyWhenEnabled) {
  auto plain = ServerProcess::Start();
  auto res = plain->Client()->Get("/v1/debug/sleep?ms=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto enabled = ServerProcess::Start(ServeWith({}, TestRoutesEnv()));
  auto ok = enabled->Client()->Get("/v1/debug/sleep?ms=1");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto bad = enabled->Client()->Get("/v1/debug/sleep?ms=abc");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
}

}  // namespace
}  // namespace iris::testing
