#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_flags.h"

namespace iris::cli {

CommandRunner AddConfigCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("config", "print the effective configuration as TOML");
  auto flags = std::make_shared<ConfigFlags>(*cmd);
  return [flags] {
    auto config = flags->Load();
    if (!config.ok()) {
      std::cerr << "iris: " << config.status().message() << "\n";
      return kExitConfig;
    }
    std::cout << ConfigToToml(*config);
    return kExitOk;
  };
}

}  // namespace iris::cli
