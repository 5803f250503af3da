// Operation: what one analysis operation type declares -- its description, the targets it accepts
// and its default target, its parameters with types, defaults and limits -- and the function that
// runs it against a per-request AnalysisContext. The registry (operation_registry.h) publishes these
// declarations at GET /available_operations/ and checks every task's params against them before
// running, so an operation's Run sees complete, typed arguments.
//
// Parameter checking (ResolveArguments): every declared parameter gets the task's value or its
// default; a value of the wrong JSON type, outside [minimum, maximum] or not in `allowed` is an
// InvalidArgument naming the parameter; a required parameter without a value likewise. Parameters
// the operation does not declare are ignored (the seed accepted and ignored them too). "target" is
// always declared (allowed = allowed_targets, default = default_target).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ops/operation_result.h"

namespace iris::ops {

class AnalysisContext;

struct ParamSpec {
  ParamSpec(std::string name_, std::string type_, nlohmann::json default_value_, std::string description_,
            std::vector<std::string> allowed_ = {}, std::optional<double> minimum_ = std::nullopt,
            std::optional<double> maximum_ = std::nullopt, bool required_ = false)
      : name(std::move(name_)),
        type(std::move(type_)),
        default_value(std::move(default_value_)),
        description(std::move(description_)),
        allowed(std::move(allowed_)),
        minimum(minimum_),
        maximum(maximum_),
        required(required_) {}

  std::string name;
  std::string type;  // JSON-schema type: "string", "integer", "number", "boolean", "array", "string|integer"
  nlohmann::json default_value;  // null: no default
  std::string description;
  std::vector<std::string> allowed;  // for strings: the accepted values (empty: any)
  std::optional<double> minimum, maximum;
  bool required = false;
};

// The checked arguments of one task: every declared parameter, with defaults filled in.
using OperationArgs = nlohmann::json;

struct Operation {
  std::string type;
  std::string description;
  std::vector<std::string> allowed_targets;
  std::string default_target;
  std::vector<ParamSpec> params;  // without "target" (added by the registry)
  // What else (beyond image, type and arguments) decides the result, e.g. the model or classifier
  // version; nullopt: the result must not be cached. Errors fail the task.
  std::function<Result<std::optional<std::string>>(AnalysisContext&, const OperationArgs&)> cache_version;
  std::function<Result<OperationResult>(AnalysisContext&, const OperationArgs&)> run;
};

Result<OperationArgs> ResolveArguments(const Operation& op, const nlohmann::json& params);

// The JSON published for one operation at /available_operations/.
nlohmann::json DescribeOperation(const Operation& op);

}  // namespace iris::ops
