#include "api/readiness.h"

#include <exception>

namespace iris::api {

void ReadinessChecks::Add(std::string name, Check check) { checks_.emplace_back(std::move(name), std::move(check)); }

ReadinessChecks::Report ReadinessChecks::Evaluate() const {
  Report report;
  for (const auto& [name, check] : checks_) {
    Status status;
    try {
      status = check();
    } catch (const std::exception& e) {
      status = Internal(std::string("readiness check threw: ") + e.what());
    }
    if (status.ok()) {
      report.checks[name] = {{"status", "ok"}};
    } else {
      report.ready = false;
      report.checks[name] = {{"status", "failing"}, {"detail", status.message()}};
    }
  }
  return report;
}

}  // namespace iris::api
