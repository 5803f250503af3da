// The parts of access control that need no server: the auth mode for a listen address and each route's
// access as the Router resolves it (the HTTP behaviour is tested end to end in tests/e2e/access_control_test.cc).
#include "api/access_control.h"

#include <gtest/gtest.h>

namespace iris::api {
namespace {

TEST(AccessControl, AutoRequiresKeysOffLoopbackOnly) {
  ServerConfig config;
  EXPECT_EQ(EffectiveAuthMode(config), AuthMode::kOptional);  // defaults: auto on 127.0.0.1
  for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "iris.example.com"}) {
    config.host = host;
    EXPECT_EQ(EffectiveAuthMode(config), AuthMode::kRequired) << host;
  }
  for (const char* host : {"localhost", "::1", "127.0.0.2"}) {
    config.host = host;
    EXPECT_EQ(EffectiveAuthMode(config), AuthMode::kOptional) << host;
  }
  config.auth = "required";
  EXPECT_EQ(EffectiveAuthMode(config), AuthMode::kRequired);
  config.host = "0.0.0.0";
  config.auth = "off";
  EXPECT_EQ(EffectiveAuthMode(config), AuthMode::kOff);
}

TEST(AccessControl, RoutesResolveTheirAccessAndAreFoundByMethodAndPath) {
  httplib::Server server;
  Router router(server);
  auto ok = [](const httplib::Request&, RequestContext&) -> Result<HttpResponse> { return HttpResponse{}; };
  ASSERT_TRUE(router.Add(RouteSpec::Get("/v1/things"), ok).ok());
  ASSERT_TRUE(router.Add(RouteSpec::Post("/v1/things"), ok).ok());
  ASSERT_TRUE(router.Add(RouteSpec::Post("/v1/things/{id}/search").ComputeOnly(), ok).ok());
  ASSERT_TRUE(router.Add(RouteSpec::Delete("/v1/things/{id}"), ok).ok());
  ASSERT_TRUE(router.Add(RouteSpec::Get("/healthz").Public(), ok).ok());

  auto access = [&](const char* method, const char* path) {
    const RouteSpec* spec = router.Find(method, path);
    return spec ? std::string(RouteAccessName(spec->access)) : std::string("none");
  };
  EXPECT_EQ(access("GET", "/v1/things"), "read");
  EXPECT_EQ(access("HEAD", "/v1/things/"), "read");
  EXPECT_EQ(access("POST", "/v1/things"), "write");
  EXPECT_EQ(access("POST", "/v1/things/a/search"), "read");
  EXPECT_EQ(access("DELETE", "/v1/things/a"), "write");
  EXPECT_EQ(access("GET", "/healthz"), "public");
  EXPECT_EQ(access("PUT", "/v1/things"), "none");
  EXPECT_EQ(access("GET", "/v1/nothing"), "none");
}

}  // namespace
}  // namespace iris::api
