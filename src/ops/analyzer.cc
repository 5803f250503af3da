#include "ops/analyzer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace iris::ops {

TaskRun RunTasks(const OperationRegistry& registry, AnalysisContext& ctx, const std::vector<AnalysisTask>& tasks) {
  const auto budget = static_cast<std::size_t>(std::max<std::int64_t>(0, ctx.services().analysis.max_response_bytes));
  const std::string left_out =
      OperationResult::Error("result left out: with it the reply would be larger than " + std::to_string(budget) +
                             " bytes (analysis.max_response_bytes); send fewer tasks "
                             "per request")
          .ToJson()
          .dump();
  // Each entry is "id":{...}, (the id as the reply prints it, invalid UTF-8 replaced there too).
  std::vector<std::size_t> key_bytes;
  std::size_t reserved = 0;  // room kept for a left-out error in every task still to come
  for (const auto& task : tasks) {
    key_bytes.push_back(
        nlohmann::json(task.operation_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 2);
    reserved += key_bytes.back() + left_out.size();
  }
  std::size_t used = 2;  // {}
  TaskRun run;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const AnalysisTask& task = tasks[i];
    reserved -= key_bytes[i] + left_out.size();
    const auto started = std::chrono::steady_clock::now();
    OperationResult result = registry.Run(ctx, task);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    std::string text = result.ToJson().dump();
    std::string_view outcome = OutcomeName(result.outcome);
    if (used + key_bytes[i] + text.size() + reserved > budget) {
      text = left_out;
      outcome = OutcomeName(OperationResult::Outcome::kError);
    }
    used += key_bytes[i] + text.size();
    run.timings.push_back({task.type, std::string(outcome), ms});
    run.results[task.operation_id] = nlohmann::ordered_json::parse(text);
  }
  return run;
}

}  // namespace iris::ops
