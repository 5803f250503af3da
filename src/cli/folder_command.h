// The start every folder command (caption-folder, dedup, index add) shares: DIR must be a directory,
// the configuration must load, and logging goes to stderr as text (--log-level warn hides it).
// On failure the reason is printed as "<command>: <why>" and `exit_code` is set (kExitUsage for a
// missing folder, kExitConfig for a bad configuration); nullopt is returned.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/config_flags.h"
#include "core/config.h"

namespace iris::cli {

std::optional<Config> StartFolderCommand(std::string_view command, const std::string& dir, const ConfigFlags& flags,
                                         int& exit_code);

}  // namespace iris::cli
