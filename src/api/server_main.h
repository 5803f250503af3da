// RunServer: opens storage (and later models), starts the HTTP server on config.server.host:port
// and blocks until SIGTERM/SIGINT, then drains in-flight requests up to
// config.server.shutdown_deadline_s and closes storage. Returns a process exit code
// (0 clean shutdown, 1 start-up failure).
#pragma once

#include "core/config.h"

namespace iris::api {

int RunServer(const Config& config);

}  // namespace iris::api
