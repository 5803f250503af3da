#include "api/server_main.h"

#include "core/logging.h"

namespace iris::api {

// Placeholder until the HTTP server lands (issue 2, api/ module).
int RunServer(const Config& config) {
  InitLogging(config.log.level, config.log.format);
  LogError("serve.not_implemented");
  return 1;
}

}  // namespace iris::api
