#include "ops/operation_result.h"

namespace iris::ops {

OperationResult OperationResult::Success(nlohmann::json data) {
  OperationResult r;
  r.data = std::move(data);
  return r;
}

OperationResult OperationResult::Error(std::string message) {
  OperationResult r;
  r.outcome = Outcome::kError;
  r.error_message = std::move(message);
  return r;
}

OperationResult OperationResult::Skipped(std::string message) {
  OperationResult r;
  r.outcome = Outcome::kSkipped;
  r.error_message = std::move(message);
  return r;
}

std::string_view OutcomeName(OperationResult::Outcome outcome) {
  switch (outcome) {
    case OperationResult::Outcome::kSuccess:
      return "success";
    case OperationResult::Outcome::kError:
      return "error";
    case OperationResult::Outcome::kSkipped:
      return "skipped";
  }
  return "error";
}

nlohmann::json OperationResult::ToJson() const {
  nlohmann::json j;
  j["status"] = OutcomeName(outcome);
  j["data"] = data;
  j["cropped_image_bbox"] = cropped_bbox ? nlohmann::json(*cropped_bbox) : nlohmann::json(nullptr);
  j["cropped_image_base64"] = cropped_base64 ? nlohmann::json(*cropped_base64) : nlohmann::json(nullptr);
  j["error_message"] = error_message ? nlohmann::json(*error_message) : nlohmann::json(nullptr);
  return j;
}

Result<OperationResult> OperationResult::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string()) {
    return InvalidArgument("operation result: not an object with a status");
  }
  OperationResult r;
  const std::string status = j["status"].get<std::string>();
  if (status == "success") {
    r.outcome = Outcome::kSuccess;
  } else if (status == "error") {
    r.outcome = Outcome::kError;
  } else if (status == "skipped") {
    r.outcome = Outcome::kSkipped;
  } else {
    return InvalidArgument("operation result: unknown status '" + status + "'");
  }
  r.data = j.value("data", nlohmann::json());
  if (j.contains("cropped_image_bbox") && j["cropped_image_bbox"].is_array() && j["cropped_image_bbox"].size() == 4) {
    std::array<int, 4> box{};
    for (int i = 0; i < 4; ++i) {
      if (!j["cropped_image_bbox"][i].is_number_integer()) return InvalidArgument("operation result: bad bbox");
      box[i] = j["cropped_image_bbox"][i].get<int>();
    }
    r.cropped_bbox = box;
  }
  if (j.contains("cropped_image_base64") && j["cropped_image_base64"].is_string()) {
    r.cropped_base64 = j["cropped_image_base64"].get<std::string>();
  }
  if (j.contains("error_message") && j["error_message"].is_string()) {
    r.error_message = j["error_message"].get<std::string>();
  }
  return r;
}

}  // namespace iris::ops
