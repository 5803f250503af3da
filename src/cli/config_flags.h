// Adds ConfigOptions as flags to a CLI11 (sub)command and loads the resulting Config with the
// documented precedence (defaults < TOML < IRIS_* env < flags).
//
// A command is shown only the settings it uses: `settings` lists section names ("models") or whole
// keys ("storage.data_dir"); an option whose key is one of them or lies in one of those sections
// becomes a flag, the others do not (they still apply from the TOML file and the environment).
// An empty list adds every option (iris serve, iris config).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace iris::cli {

// The settings of every command that opens the application services (app::OpenServices): all but
// the HTTP server's.
const std::vector<std::string>& ServicesSettings();

class ConfigFlags {
 public:
  explicit ConfigFlags(CLI::App& command, const std::vector<std::string>& settings = {});
  Result<Config> Load() const;

 private:
  std::string config_path_;
  std::shared_ptr<std::map<std::string, std::string>> values_ = std::make_shared<std::map<std::string, std::string>>();
};

}  // namespace iris::cli
