// AnalysisTask: one entry of a request's task list, {"operation_id", "type", "params"}, and the
// request-level validation of the whole list (the seed's contract: operation_id is the key of the
// reply's `results`, so it must be a non-empty string, unique in the list).
//
// ParseTasks errors are InvalidArgument (HTTP 400 with {"detail"}), naming the task by index:
// not an array, empty, more than kMaxTasks, an entry that is not an object, a missing or empty
// operation_id or type, a non-object params, a duplicate operation_id. Unknown types and bad
// parameter values are NOT request errors: they fail only their task (see OperationRegistry).
// ParseTasksJson parses the text of the upload route's `tasks_json` form field first (bounded:
// nesting deeper than kMaxJsonDepth, core/json_limits.h, is InvalidArgument).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris::ops {

inline constexpr std::size_t kMaxTasks = 64;
inline constexpr std::size_t kMaxOperationIdBytes = 256;

struct AnalysisTask {
  std::string operation_id;
  std::string type;
  nlohmann::json params = nlohmann::json::object();
};

Result<std::vector<AnalysisTask>> ParseTasks(const nlohmann::json& tasks);
Result<std::vector<AnalysisTask>> ParseTasksJson(std::string_view text);

}  // namespace iris::ops
