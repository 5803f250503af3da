#include "api/server_main.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "api/app.h"
#include "api/builtin_routes.h"
#include "api/console_routes.h"
#include "api/services.h"
#include "api/termination_signals.h"
#include "core/logging.h"

namespace iris::api {
namespace {

const char* SignalName(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal"; }

// Waits until no request is in flight or queued. Returns false when the deadline passed or a
// second signal arrived first.
bool DrainRequests(App& app, TerminationSignals& signals) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                             std::chrono::duration<double>(app.config().server.shutdown_deadline_s));
  while (app.server().Busy() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      LogWarn("server.shutdown_deadline",
              {{"requests_cut", app.server().Busy()}, {"deadline_s", app.config().server.shutdown_deadline_s}});
      return false;
    }
    if (auto sig = signals.Wait(std::chrono::milliseconds(10))) {
      LogWarn("server.shutdown_forced", {{"signal", SignalName(*sig)}, {"requests_cut", app.server().Busy()}});
      return false;
    }
  }
  return true;
}

}  // namespace

int RunServer(const Config& config) {
  InitLogging(config.log.level, config.log.format);
  TerminationSignals signals;  // before any thread exists, so all of them inherit the mask

  App app(config);
  Status status = RegisterBuiltinRoutes(app);
  if (status.ok()) status = RegisterConsoleRoutes(app);
  if (status.ok()) status = RegisterServices(app);
  if (!status.ok()) {
    LogError("server.start_failed", {{"error", status.ToString()}});
    app.RunShutdownHooks();
    return 1;
  }
  auto port = app.server().Bind(config.server.host, config.server.port);
  if (!port.ok()) {
    LogError("server.start_failed", {{"error", port.status().ToString()}});
    app.RunShutdownHooks();
    return 1;
  }

  std::thread accept_thread([&app] { app.server().Serve(); });
  LogInfo("server.started", {{"host", config.server.host},
                             {"port", *port},
                             {"worker_threads", app.server().worker_threads()},
                             {"max_queued_connections", config.server.max_queued_connections},
                             {"max_body_bytes", config.server.max_body_bytes},
                             {"version", app.version()},
                             {"routes", app.router().routes().size()},
                             {"test_routes", app.test_routes_enabled()}});

  std::optional<int> sig;
  while (!sig) {
    sig = signals.Wait(std::chrono::milliseconds(200));
    if (!sig && !app.server().is_running() && !app.server().shutting_down()) {
      // The accept loop ended on its own (listening socket failed): nothing can be served.
      LogError("server.listener_failed");
      app.BeginDrain();
      app.server().BeginShutdown();
      break;
    }
  }
  if (sig) {
    LogInfo("server.shutdown_begin", {{"signal", SignalName(*sig)},
                                      {"in_flight", app.server().Busy()},
                                      {"deadline_s", config.server.shutdown_deadline_s}});
    app.BeginDrain();
    app.server().BeginShutdown();
  }
  if (!DrainRequests(app, signals)) {
    // Workers are still inside handlers that may use storage: do not run the close hooks under
    // them; exit now (SQLite's WAL keeps the database consistent).
    std::fflush(nullptr);
    std::_Exit(1);
  }
  accept_thread.join();
  app.RunShutdownHooks();
  LogInfo("server.shutdown_complete");
  return sig ? 0 : 1;
}

}  // namespace iris::api
