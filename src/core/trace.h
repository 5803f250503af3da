// Trace: the per-request / per-item record of where time went -- named stages (decode, inference,
// duplicate_signature, search, ...) with their accumulated milliseconds. It knows nothing of HTTP:
// route handlers get one inside their api::RequestContext (which is a Trace), job handlers and CLI
// commands make a local one per item, and the application services (src/app) write into whichever
// they are given. StagesJson() is what request logs and job item results show.
// Thread-safety: AddStageTime and StagesJson may be called from several threads (a handler may time
// work it fans out).
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iris {

class Trace {
 public:
  Trace() = default;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Adds `ms` to the stage's total (a stage may run several times in one request or item).
  void AddStageTime(std::string_view stage, double ms);
  // {"decode": 3.1, "inference": 40.2} in milliseconds, rounded to microseconds (keys sorted by name).
  nlohmann::json StagesJson() const;

 private:
  mutable std::mutex stages_mu_;
  std::vector<std::pair<std::string, double>> stages_;
};

// Times the enclosing scope as one stage: `ScopedStage stage(trace, "decode");`.
class ScopedStage {
 public:
  ScopedStage(Trace& trace, std::string_view stage)
      : trace_(trace), stage_(stage), start_(std::chrono::steady_clock::now()) {}
  ~ScopedStage() {
    trace_.AddStageTime(stage_,
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count());
  }
  ScopedStage(const ScopedStage&) = delete;
  ScopedStage& operator=(const ScopedStage&) = delete;

 private:
  Trace& trace_;
  std::string stage_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace iris
