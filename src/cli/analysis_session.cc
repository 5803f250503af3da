#include "cli/analysis_session.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json_limits.h"

namespace iris::cli {
namespace {

bool IsUrl(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("no such image file: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Splits on commas that are outside brackets, braces and double quotes.
std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

}  // namespace

Result<std::unique_ptr<AnalysisSession>> AnalysisSession::Open(const Config& config) {
  IRIS_ASSIGN_OR_RETURN(auto services, app::OpenServices(config));
  auto session = std::unique_ptr<AnalysisSession>(new AnalysisSession());
  session->services_ = std::move(services);
  return session;
}

Result<ImageAnalysis> AnalysisSession::Analyze(const std::string& image, const std::vector<ops::AnalysisTask>& tasks) {
  std::shared_ptr<IngestedImage> ingested;
  if (IsUrl(image)) {
    IRIS_ASSIGN_OR_RETURN(ingested, services_->ingestor->FromUrl(image));
  } else {
    IRIS_ASSIGN_OR_RETURN(std::string bytes, ReadFile(image));
    IRIS_ASSIGN_OR_RETURN(
        ingested, services_->ingestor->FromUpload(std::move(bytes), std::filesystem::path(image).filename().string()));
  }
  Trace trace;
  IRIS_ASSIGN_OR_RETURN(ops::TaskRun run, services_->analysis_service->Run(*ingested, tasks, trace));
  ImageAnalysis out;
  for (const auto& t : run.timings) out.task_errors += t.outcome == "error" ? 1 : 0;
  out.reply = {{"image_url", image}, {"results", std::move(run.results)}};
  return out;
}

Result<std::vector<ops::AnalysisTask>> ParseTaskSpecs(const std::vector<std::string>& specs) {
  std::vector<ops::AnalysisTask> tasks;
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    ops::AnalysisTask task;
    const auto colon = spec.find(':');
    task.type = spec.substr(0, colon);
    if (task.type.empty()) return InvalidArgument("--task '" + spec + "': the operation type is missing");
    if (colon != std::string::npos) {
      for (const auto& pair : SplitTopLevel(spec.substr(colon + 1))) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
          return InvalidArgument("--task '" + spec + "': '" + pair + "' is not key=value");
        }
        const std::string key = pair.substr(0, eq);
        const std::string value = pair.substr(eq + 1);
        auto parsed = ParseBoundedJson(value);
        if (!parsed.ok()) return parsed.status().WithContext("--task '" + spec + "'");
        task.params[key] = parsed->is_discarded() || parsed->is_object() ? nlohmann::json(value) : *parsed;
      }
    }
    const int n = ++seen[task.type];
    task.operation_id = n == 1 ? task.type : task.type + "_" + std::to_string(n);
    tasks.push_back(std::move(task));
  }
  if (tasks.empty()) return InvalidArgument("give at least one --task TYPE[:key=value,...]");
  if (tasks.size() > ops::kMaxTasks) return InvalidArgument("at most " + std::to_string(ops::kMaxTasks) + " tasks");
  return tasks;
}

}  // namespace iris::cli
