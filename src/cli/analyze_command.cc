// `iris analyze IMAGE... --task TYPE[:key=value,...]`: runs analysis tasks on local images (or
// http(s) URLs) in-process and prints the same JSON as POST /analyze_image/, one object per image
// (one line each with several images; indented with --pretty). Exit status: 0 when every task
// succeeded or was skipped, 1 when a task failed or an image could not be read, 2 usage, 3 config.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/analysis_session.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "core/logging.h"

namespace iris::cli {
namespace {

struct AnalyzeArgs {
  std::vector<std::string> images;
  std::vector<std::string> tasks;
  std::string tasks_json;
  bool pretty = false;
};

Result<std::vector<ops::AnalysisTask>> TasksFrom(const AnalyzeArgs& args) {
  if (!args.tasks_json.empty()) {
    if (!args.tasks.empty()) return InvalidArgument("give --task or --tasks-json, not both");
    std::string text = args.tasks_json;
    if (text.front() != '[') {  // a file name
      std::ifstream in(text);
      if (!in) return InvalidArgument("cannot read --tasks-json file " + text);
      std::ostringstream s;
      s << in.rdbuf();
      text = s.str();
    }
    return ops::ParseTasksJson(text);
  }
  return ParseTaskSpecs(args.tasks);
}

int RunAnalyze(const ConfigFlags& flags, const AnalyzeArgs& args) {
  auto tasks = TasksFrom(args);
  if (!tasks.ok()) {
    std::cerr << "iris analyze: " << tasks.status().message() << "\n";
    return kExitUsage;
  }
  auto config = flags.Load();
  if (!config.ok()) {
    std::cerr << "iris analyze: " << config.status().message() << "\n";
    return kExitConfig;
  }
  InitLogging(config->log.level, "text");  // model loading etc. on stderr; --log-level warn hides it
  auto session = AnalysisSession::Open(*config);
  if (!session.ok()) {
    std::cerr << "iris analyze: " << session.status().message() << "\n";
    return kExitConfig;
  }
  int exit_code = kExitOk;
  for (const auto& image : args.images) {
    auto analysis = (*session)->Analyze(image, *tasks);
    if (!analysis.ok()) {
      std::cerr << "iris analyze: " << image << ": " << analysis.status().message() << "\n";
      exit_code = kExitFailure;
      continue;
    }
    std::cout << analysis->reply.dump(args.pretty ? 2 : -1, ' ', false,
                                      nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
    if (analysis->task_errors > 0) exit_code = kExitFailure;
  }
  return exit_code;
}

}  // namespace

CommandRunner AddAnalyzeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("analyze", "Run analysis tasks on images and print the results as JSON");
  auto args = std::make_shared<AnalyzeArgs>();
  cmd->add_option("images", args->images, "image files (or http/https URLs)")->required();
  cmd->add_option("--task,-t", args->tasks,
                  "TYPE[:key=value,...], e.g. detect_bounding_box:target=prominent_face (repeatable; "
                  "see GET /available_operations/)");
  cmd->add_option("--tasks-json", args->tasks_json, "the task list as JSON text or a file holding it");
  cmd->add_flag("--pretty", args->pretty, "indent the JSON");
  auto flags = std::make_shared<ConfigFlags>(*cmd, ServicesSettings());
  return [flags, args] { return RunAnalyze(*flags, *args); };
}

}  // namespace iris::cli
