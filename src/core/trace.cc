#include "core/trace.h"

#include <cmath>

namespace iris {

void Trace::AddStageTime(std::string_view stage, double ms) {
  std::lock_guard lock(stages_mu_);
  for (auto& [name, total] : stages_) {
    if (name == stage) {
      total += ms;
      return;
    }
  }
  stages_.emplace_back(std::string(stage), ms);
}

nlohmann::json Trace::StagesJson() const {
  std::lock_guard lock(stages_mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, total] : stages_) out[name] = std::round(total * 1000.0) / 1000.0;
  return out;
}

}  // namespace iris
