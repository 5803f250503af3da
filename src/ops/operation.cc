#include "ops/operation.h"

#include <algorithm>

namespace iris::ops {
namespace {

bool HasType(const nlohmann::json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer")
    return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<long long>(v.get<double>()));
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "string|integer") return v.is_string() || v.is_number_integer();
  return false;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::vector<ParamSpec> WithTarget(const Operation& op) {
  std::vector<ParamSpec> params;
  params.push_back({"target", "string", op.default_target, "region of the image to operate on", op.allowed_targets,
                    std::nullopt, std::nullopt, false});
  params.insert(params.end(), op.params.begin(), op.params.end());
  return params;
}

}  // namespace

Result<OperationArgs> ResolveArguments(const Operation& op, const nlohmann::json& params) {
  OperationArgs args = nlohmann::json::object();
  for (const auto& p : WithTarget(op)) {
    nlohmann::json value = p.default_value;
    if (params.contains(p.name) && !params[p.name].is_null()) value = params[p.name];
    if (value.is_null()) {
      if (p.required) return InvalidArgument("parameter '" + p.name + "' is required");
      args[p.name] = nullptr;
      continue;
    }
    if (!HasType(value, p.type)) {
      return InvalidArgument("parameter '" + p.name + "' must be of type " + p.type + " (got " + value.dump() + ")");
    }
    if (p.type == "integer" && value.is_number_float()) value = static_cast<long long>(value.get<double>());
    if (!p.allowed.empty() && value.is_string() &&
        std::find(p.allowed.begin(), p.allowed.end(), value.get<std::string>()) == p.allowed.end()) {
      return InvalidArgument("invalid " + p.name + " '" + value.get<std::string>() + "' for " + op.type +
                             "; allowed: " + Join(p.allowed));
    }
    if (value.is_number()) {
      const double d = value.get<double>();
      if ((p.minimum && d < *p.minimum) || (p.maximum && d > *p.maximum)) {
        std::string range = "[" + (p.minimum ? nlohmann::json(*p.minimum).dump() : std::string("-inf")) + ", " +
                            (p.maximum ? nlohmann::json(*p.maximum).dump() : std::string("inf")) + "]";
        return InvalidArgument("parameter '" + p.name + "' must be within " + range + " (got " + value.dump() + ")");
      }
    }
    args[p.name] = value;
  }
  return args;
}

nlohmann::json DescribeOperation(const Operation& op) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& p : WithTarget(op)) {
    nlohmann::json d = {{"type", p.type}, {"description", p.description}, {"required", p.required}};
    d["default"] = p.default_value;
    if (!p.allowed.empty()) d["allowed"] = p.allowed;
    if (p.minimum) d["minimum"] = *p.minimum;
    if (p.maximum) d["maximum"] = *p.maximum;
    params[p.name] = d;
  }
  return {{"description", op.description},
          {"allowed_targets", op.allowed_targets},
          {"default_target", op.default_target},
          {"parameters", params}};
}

}  // namespace iris::ops
