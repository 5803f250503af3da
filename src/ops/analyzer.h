// RunTasks: runs a request's task list, in order, on one AnalysisContext (so later tasks reuse
// earlier detections and crops) and collects the seed-shaped `results` object, keyed by
// operation_id in task order. Per-task failures are inside the results; this never fails as a whole.
// The results object is kept within analysis.max_response_bytes: a task whose result would take it
// past that, counting room for a short "left out" error for every task after it, gets that error
// instead (its work is done and cached all the same). So a reply is bounded however many crops its
// tasks return, unless the budget cannot hold even one such error per task.
// Thread-safety: as AnalysisContext (one call per context at a time).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops/analysis_context.h"
#include "ops/analysis_task.h"
#include "ops/operation_registry.h"

namespace iris::ops {

struct TaskTiming {
  std::string type;
  std::string outcome;  // success | error | skipped
  double ms = 0;
};

struct TaskRun {
  nlohmann::ordered_json results = nlohmann::ordered_json::object();
  std::vector<TaskTiming> timings;  // one per task, in order
};

TaskRun RunTasks(const OperationRegistry& registry, AnalysisContext& ctx, const std::vector<AnalysisTask>& tasks);

}  // namespace iris::ops
