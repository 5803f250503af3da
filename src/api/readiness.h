// ReadinessChecks: the named conditions GET /readyz reports ("storage": database open,
// "models": preloaded models loaded...). Checks are registered at start-up by the modules that
// own the condition; each is called on every /readyz request and must be quick and thread-safe.
// The server is ready when every check returns OK (with no checks registered it is ready).
// Add() only before the server listens; Evaluate() from any thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace iris::api {

class ReadinessChecks {
 public:
  using Check = std::function<Status()>;

  void Add(std::string name, Check check);

  struct Report {
    bool ready = true;
    // {"storage": {"status": "ok"}, "models": {"status": "failing", "detail": "..."}}
    nlohmann::json checks = nlohmann::json::object();
  };
  Report Evaluate() const;

 private:
  std::vector<std::pair<std::string, Check>> checks_;
};

}  // namespace iris::api
