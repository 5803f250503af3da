#include "cli/config_flags.h"

namespace iris::cli {

ConfigFlags::ConfigFlags(CLI::App& command) {
  command.add_option("--config", config_path_, "TOML configuration file (also IRIS_CONFIG)");
  for (const auto& opt : ConfigOptions()) {
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
