#include <iostream>
#include <memory>

#include "api/server_main.h"
#include "cli/commands.h"
#include "cli/config_flags.h"

namespace iris::cli {

CommandRunner AddServeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "run the HTTP server (every setting has an embedded default)");
  cmd->footer(
      "SIGTERM/SIGINT: graceful shutdown (see docs/operations.md). Exit codes: 0 clean shutdown, 1 start-up "
      "failure or requests cut at the shutdown deadline, 2 usage error, 3 configuration error.");
  auto flags = std::make_shared<ConfigFlags>(*cmd);
  return [flags] {
    auto config = flags->Load();
    if (!config.ok()) {
      std::cerr << "iris: " << config.status().message() << "\n";
      return kExitConfig;
    }
    return api::RunServer(*config);
  };
}

}  // namespace iris::cli
