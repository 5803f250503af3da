// Adds every ConfigOption as a flag to a CLI11 (sub)command and loads the resulting Config with
// the documented precedence (defaults < TOML < IRIS_* env < flags).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>

#include "core/config.h"

namespace iris::cli {

class ConfigFlags {
 public:
  explicit ConfigFlags(CLI::App& command);
  Result<Config> Load() const;

 private:
  std::string config_path_;
  std::shared_ptr<std::map<std::string, std::string>> values_ = std::make_shared<std::map<std::string, std::string>>();
};

}  // namespace iris::cli
