// `iris`: the single binary. Subcommands live in one file each (see commands.h for exit codes).
#include <iostream>
#include <map>
#include <string>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Iris: image understanding and visual search server"};
  app.require_subcommand(1);
  std::map<std::string, iris::cli::CommandRunner> runners;
  runners["serve"] = iris::cli::AddServeCommand(app);
  runners["version"] = iris::cli::AddVersionCommand(app);
  runners["config"] = iris::cli::AddConfigCommand(app);
  runners["models"] = iris::cli::AddModelsCommand(app);
  runners["bench"] = iris::cli::AddBenchCommand(app);
  runners["train-classifier"] = iris::cli::AddTrainClassifierCommand(app);
  runners["analyze"] = iris::cli::AddAnalyzeCommand(app);
  runners["caption-folder"] = iris::cli::AddCaptionFolderCommand(app);
  runners["dedup"] = iris::cli::AddDedupCommand(app);
  runners["index"] = iris::cli::AddIndexCommand(app);
  runners["keys"] = iris::cli::AddKeysCommand(app);
  runners["migrate"] = iris::cli::AddMigrateCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return iris::cli::kExitUsage;
  }
  for (auto* sub : app.get_subcommands()) {
    auto it = runners.find(sub->get_name());
    if (it != runners.end()) return it->second();
  }
  return iris::cli::kExitUsage;
}
