// In-process tests of the App with its built-in routes over real loopback HTTP.
#include "api/app.h"

#include <gtest/gtest.h>

#include <thread>

#include "api/builtin_routes.h"

namespace iris::api {
namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.server.worker_threads = 2;
    app_ = std::make_unique<App>(config);
    ASSERT_TRUE(RegisterBuiltinRoutes(*app_).ok());
  }
  void Start() {
    auto port = app_->server().Bind("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { app_->server().Serve(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      app_->server().BeginShutdown();
      thread_.join();
    }
  }
  httplib::Client Client() { return httplib::Client("127.0.0.1", port_); }

  std::unique_ptr<App> app_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(AppTest, ReadyzFollowsChecksAndDrain) {
  bool storage_open = false;
  app_->readiness().Add(
      "storage", [&storage_open]() -> Status { return storage_open ? Status() : Unavailable("database not open"); });
  Start();
  auto client = Client();
  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  auto body = nlohmann::json::parse(not_ready->body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["checks"]["storage"]["status"], "failing");
  EXPECT_EQ(body["checks"]["storage"]["detail"], "database not open");

  storage_open = true;
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ready->body)["checks"]["storage"]["status"], "ok");

  app_->BeginDrain();
  auto draining = client.Get("/readyz");
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status, 503);
  EXPECT_EQ(nlohmann::json::parse(draining->body)["checks"]["shutdown"]["status"], "failing");
}

TEST_F(AppTest, RouterPassesPathParamsAndMapsErrorsAndExceptions) {
  ASSERT_TRUE(app_->router()
                  .Add(RouteSpec::Get("/v1/items/{item_id}"),
                       [](const httplib::Request&, RequestContext& ctx) -> Result<HttpResponse> {
                         if (ctx.PathParam("item_id") == "missing") return NotFound("no item 'missing'");
                         if (ctx.PathParam("item_id") == "boom") throw std::runtime_error("secret cause");
                         return HttpResponse::Json({{"id", ctx.PathParam("item_id")}, {"route", ctx.route()}});
                       })
                  .ok());
  EXPECT_FALSE(app_->router().Add(RouteSpec::Get("/v1/items/{item_id}"), nullptr).ok());  // duplicate
  Start();
  auto client = Client();
  auto ok = client.Get("/v1/items/a%20b");
  ASSERT_TRUE(ok);
  EXPECT_EQ(nlohmann::json::parse(ok->body), nlohmann::json({{"id", "a b"}, {"route", "/v1/items/{item_id}"}}));
  auto missing = client.Get("/v1/items/missing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body)["detail"], "no item 'missing'");
  auto boom = client.Get("/v1/items/boom", {{"X-Request-Id", "req-42"}});
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  EXPECT_EQ(nlohmann::json::parse(boom->body)["detail"], "internal error (request id req-42)");
  EXPECT_EQ(boom->get_header_value("X-Request-Id"), "req-42");
}

}  // namespace
}  // namespace iris::api
