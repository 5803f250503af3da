#include "ops/analyzer.h"

#include <chrono>

namespace iris::ops {

TaskRun RunTasks(const OperationRegistry& registry, AnalysisContext& ctx, const std::vector<AnalysisTask>& tasks) {
  TaskRun run;
  for (const auto& task : tasks) {
    const auto started = std::chrono::steady_clock::now();
    OperationResult result = registry.Run(ctx, task);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    run.timings.push_back({task.type, std::string(OutcomeName(result.outcome)), ms});
    run.results[task.operation_id] = nlohmann::ordered_json::parse(result.ToJson().dump());
  }
  return run;
}

}  // namespace iris::ops
