#include "core/json_limits.h"

#include <utility>
#include <vector>

namespace iris {

std::string JsonTooDeepMessage(int max_depth) {
  return "JSON nested deeper than " + std::to_string(max_depth) + " levels";
}

Status CheckJsonTextDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, a quote or a backslash included, cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return InvalidArgument(JsonTooDeepMessage(max_depth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced text is left for the parser to refuse
    }
  }
  return {};
}

Result<nlohmann::json> ParseBoundedJson(std::string_view text, int max_depth) {
  IRIS_RETURN_IF_ERROR(CheckJsonTextDepth(text, max_depth));
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Status CheckJsonDepth(const nlohmann::json& value, int max_depth) {
  std::vector<std::pair<const nlohmann::json*, int>> pending{{&value, 0}};  // a value and the depth around it
  while (!pending.empty()) {
    const auto [node, around] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (around + 1 > max_depth) return InvalidArgument(JsonTooDeepMessage(max_depth));
    for (const nlohmann::json& child : *node) pending.emplace_back(&child, around + 1);
  }
  return {};
}

}  // namespace iris
