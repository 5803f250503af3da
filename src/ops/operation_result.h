// OperationResult: the outcome of one analysis task, exactly the seed's per-task reply object:
//   {"status": "success"|"error"|"skipped", "data": any, "cropped_image_bbox": [x0,y0,x1,y1]|null,
//    "cropped_image_base64": "<PNG, base64>"|null, "error_message": string|null}
// The PNG's longer side is at most analysis.max_crop_side (AnalysisContext::CropPngBase64); the
// bbox is in the original image's pixels.
// "skipped" means the task could not apply to this image (no face found where one is required, no
// classifier for the collection); "error" means it failed (bad parameters, model not installed,
// provider down). Plain value type; ToJson/FromJson round-trip (the result cache stores ToJson).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"

namespace iris::ops {

struct OperationResult {
  enum class Outcome { kSuccess, kError, kSkipped };

  Outcome outcome = Outcome::kSuccess;
  nlohmann::json data;                             // null unless the operation produced something
  std::optional<std::array<int, 4>> cropped_bbox;  // [xmin, ymin, xmax) style pixel box of the crop used
  std::optional<std::string> cropped_base64;       // PNG of that crop
  std::optional<std::string> error_message;

  static OperationResult Success(nlohmann::json data);
  static OperationResult Error(std::string message);
  static OperationResult Skipped(std::string message);

  bool ok() const { return outcome == Outcome::kSuccess; }
  nlohmann::json ToJson() const;
  static Result<OperationResult> FromJson(const nlohmann::json& json);
};

std::string_view OutcomeName(OperationResult::Outcome outcome);

}  // namespace iris::ops
