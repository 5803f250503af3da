#include "cli/config_flags.h"

#include <algorithm>

namespace iris::cli {
namespace {

bool Selected(const std::vector<std::string>& settings, std::string_view key) {
  if (settings.empty()) return true;
  return std::any_of(settings.begin(), settings.end(), [key](const std::string& s) {
    return key == s || (key.size() > s.size() && key.starts_with(s) && key[s.size()] == '.');
  });
}

}  // namespace

const std::vector<std::string>& ServicesSettings() {
  static const std::vector<std::string> kSettings = {"storage",  "models",      "runtime",    "analysis",
                                                     "ingest",   "captions",    "generation", "catalog",
                                                     "products", "collections", "jobs",       "log"};
  return kSettings;
}

ConfigFlags::ConfigFlags(CLI::App& command, const std::vector<std::string>& settings) {
  command.add_option("--config", config_path_, "TOML configuration file (also IRIS_CONFIG)");
  for (const auto& opt : ConfigOptions()) {
    if (!Selected(settings, opt.key)) continue;
    auto values = values_;
    std::string flag = opt.flag;
    command
        .add_option_function<std::string>(
            opt.flag, [values, flag](const std::string& v) { (*values)[flag] = v; },
            opt.help + " [" + opt.env + ", " + opt.key + "]")
        ->default_str(opt.get(Config{}))
        ->run_callback_for_default(false);
  }
}

Result<Config> ConfigFlags::Load() const { return LoadConfig(config_path_, ProcessEnv(), *values_); }

}  // namespace iris::cli
