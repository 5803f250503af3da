#include "cli/folder_command.h"

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/logging.h"

namespace iris::cli {

std::optional<Config> StartFolderCommand(std::string_view command, const std::string& dir, const ConfigFlags& flags,
                                         int& exit_code) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << command << ": " << dir << " is not a directory\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  auto config = flags.Load();
  if (!config.ok()) {
    std::cerr << command << ": " << config.status().message() << "\n";
    exit_code = kExitConfig;
    return std::nullopt;
  }
  InitLogging(config->log.level, "text");
  return std::move(config).value();
}

}  // namespace iris::cli
