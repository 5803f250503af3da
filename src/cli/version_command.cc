#include <iostream>

#include "cli/commands.h"
#include "cli/version.h"

namespace iris::cli {

CommandRunner AddVersionCommand(CLI::App& app) {
  app.add_subcommand("version", "print the Iris version");
  return [] {
    std::cout << "iris " << kIrisVersion << "\n";
    return kExitOk;
  };
}

}  // namespace iris::cli
