#include "ops/analysis_task.h"

#include <set>

#include "core/json_limits.h"

namespace iris::ops {

Result<std::vector<AnalysisTask>> ParseTasks(const nlohmann::json& tasks) {
  if (!tasks.is_array()) return InvalidArgument("'tasks' must be an array of task objects");
  if (tasks.size() > kMaxTasks) {
    return InvalidArgument("at most " + std::to_string(kMaxTasks) + " tasks per request (got " +
                           std::to_string(tasks.size()) + ")");
  }
  std::vector<AnalysisTask> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& t = tasks[i];
    const std::string where = "tasks[" + std::to_string(i) + "]";
    if (!t.is_object()) return InvalidArgument(where + " must be an object");
    if (!t.contains("operation_id") || !t["operation_id"].is_string() ||
        t["operation_id"].get_ref<const std::string&>().empty()) {
      return InvalidArgument(where + ".operation_id must be a non-empty string");
    }
    if (!t.contains("type") || !t["type"].is_string() || t["type"].get_ref<const std::string&>().empty()) {
      return InvalidArgument(where + ".type must be a non-empty string");
    }
    AnalysisTask task;
    task.operation_id = t["operation_id"].get<std::string>();
    task.type = t["type"].get<std::string>();
    if (task.operation_id.size() > kMaxOperationIdBytes) {
      return InvalidArgument(where + ".operation_id is longer than " + std::to_string(kMaxOperationIdBytes) + " bytes");
    }
    if (t.contains("params") && !t["params"].is_null()) {
      if (!t["params"].is_object()) return InvalidArgument(where + ".params must be an object");
      task.params = t["params"];
    }
    if (!ids.insert(task.operation_id).second) {
      return InvalidArgument("duplicate operation_id '" + task.operation_id + "' (" + where +
                             "); each task needs its own id");
    }
    out.push_back(std::move(task));
  }
  return out;
}

Result<std::vector<AnalysisTask>> ParseTasksJson(std::string_view text) {
  auto parsed = ParseBoundedJson(text);
  if (!parsed.ok()) return parsed.status().WithContext("tasks_json");
  if (parsed->is_discarded()) return InvalidArgument("tasks_json is not valid JSON");
  return ParseTasks(*parsed);
}

}  // namespace iris::ops
