// App: everything `iris serve` is made of, in one object owned by RunServer: the effective
// Config, the HTTP server and its Router, the metrics registry, the readiness checks, and the
// shutdown hooks. Start-up code (RegisterBuiltinRoutes, RegisterServices) fills it in before
// the server listens; request handlers then only read it (every accessor they use is
// thread-safe). Shutdown hooks run once, in reverse order of registration, after HTTP traffic has
// drained (so storage, registered first, closes last).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "api/metrics.h"
#include "api/readiness.h"
#include "api/router.h"
#include "core/config.h"

namespace iris::api {

class App {
 public:
  explicit App(Config config);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const Config& config() const { return config_; }
  const std::string& version() const { return version_; }
  MetricsRegistry& metrics() { return metrics_; }
  ReadinessChecks& readiness() { return readiness_; }
  HttpServer& server() { return server_; }
  Router& router() { return router_; }

  // IRIS_ENABLE_TEST_ROUTES=1 in the environment: test-only routes (/v1/debug/...) exist.
  bool test_routes_enabled() const { return test_routes_enabled_; }

  void AddShutdownHook(std::string name, std::function<void()> hook);
  void RunShutdownHooks();

  // Shutdown has begun: /readyz answers 503 from now on.
  void BeginDrain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }

 private:
  Config config_;
  std::string version_;
  bool test_routes_enabled_ = false;
  MetricsRegistry metrics_;
  ReadinessChecks readiness_;
  HttpServer server_;
  Router router_;
  std::atomic<bool> draining_{false};
  std::vector<std::pair<std::string, std::function<void()>>> shutdown_hooks_;
};

}  // namespace iris::api
