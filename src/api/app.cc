#include "api/app.h"

#include <cstdlib>
#include <exception>

#include "core/logging.h"

#ifndef IRIS_PROJECT_VERSION
#define IRIS_PROJECT_VERSION "0.0.0"
#endif

namespace iris::api {
namespace {

bool TestRoutesRequested() {
  const char* v = std::getenv("IRIS_ENABLE_TEST_ROUTES");
  return v && std::string(v) == "1";
}

}  // namespace

App::App(Config config)
    : config_(std::move(config)),
      version_(IRIS_PROJECT_VERSION),
      test_routes_enabled_(TestRoutesRequested()),
      server_(config_.server, metrics_),
      router_(server_) {
  server_.set_allowed_methods([this](const std::string& path) { return router_.AllowedMethods(path); });
}

void App::AddShutdownHook(std::string name, std::function<void()> hook) {
  shutdown_hooks_.emplace_back(std::move(name), std::move(hook));
}

void App::RunShutdownHooks() {
  while (!shutdown_hooks_.empty()) {
    auto [name, hook] = std::move(shutdown_hooks_.back());
    shutdown_hooks_.pop_back();
    try {
      hook();
      LogInfo("server.shutdown_hook", {{"hook", name}});
    } catch (const std::exception& e) {
      LogError("server.shutdown_hook_failed", {{"hook", name}, {"error", e.what()}});
    }
  }
}

}  // namespace iris::api
