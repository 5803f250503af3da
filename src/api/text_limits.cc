#include "api/text_limits.h"

namespace iris::api {
namespace {

// 'what', built by appends (GCC 12 warns falsely about "'" + std::string(...) + "'").
std::string Quoted(std::string_view what) {
  std::string out = "'";
  out.append(what);
  out.push_back('\'');
  return out;
}

}  // namespace

Status CheckTexts(std::span<const std::string> texts, std::string_view what) {
  if (texts.empty()) return Unprocessable(Quoted(what) + " must not be empty");
  if (texts.size() > kMaxTextsPerRequest) {
    return Unprocessable(Quoted(what) + " has " + std::to_string(texts.size()) + " entries; at most " +
                         std::to_string(kMaxTextsPerRequest) + " per request");
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].size() > kMaxTextBytes) {
      return Unprocessable(Quoted(what) + " entry " + std::to_string(i) + " has " + std::to_string(texts[i].size()) +
                           " bytes; each may have at most " + std::to_string(kMaxTextBytes));
    }
  }
  return {};
}

Status CheckText(std::string_view text, std::string_view what) {
  if (text.empty() || text.size() > kMaxTextBytes) {
    return Unprocessable(Quoted(what) + " must have 1 to " + std::to_string(kMaxTextBytes) + " bytes (got " +
                         std::to_string(text.size()) + ")");
  }
  return {};
}

}  // namespace iris::api
