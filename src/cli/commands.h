// Each `iris` subcommand registers itself on the CLI11 app and returns a runner invoked after a
// successful parse. Exit codes every command keeps (scripts rely on them):
//   0 success, 1 the work failed, 2 usage error (bad flag or value), 3 configuration error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace iris::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 3;

using CommandRunner = std::function<int()>;

CommandRunner AddServeCommand(CLI::App& app);
CommandRunner AddVersionCommand(CLI::App& app);
CommandRunner AddConfigCommand(CLI::App& app);
CommandRunner AddModelsCommand(CLI::App& app);
CommandRunner AddBenchCommand(CLI::App& app);
CommandRunner AddTrainClassifierCommand(CLI::App& app);
CommandRunner AddAnalyzeCommand(CLI::App& app);
CommandRunner AddCaptionFolderCommand(CLI::App& app);
CommandRunner AddDedupCommand(CLI::App& app);
CommandRunner AddIndexCommand(CLI::App& app);
CommandRunner AddKeysCommand(CLI::App& app);
CommandRunner AddMigrateCommand(CLI::App& app);

}  // namespace iris::cli
