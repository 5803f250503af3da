#include "providers/json_reply.h"

#include <sstream>
#include <vector>

#include "core/ascii_text.h"
#include "core/json_limits.h"

namespace iris {

std::string UnfenceWholeText(std::string_view raw) {
  const std::string text = std::string(TrimAsciiWhitespace(raw));
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() < 3) return text;
  const std::string first = std::string(TrimAsciiWhitespace(lines.front()));
  const std::string last = std::string(TrimAsciiWhitespace(lines.back()));
  if ((first != "```" && first != "```json" && first != "```JSON") || last != "```") return text;
  std::string inner;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) inner += lines[i] + "\n";
  return inner;
}

Result<nlohmann::json> ParseJsonReply(std::string_view text, std::string_view what) {
  Result<nlohmann::json> parsed = ParseBoundedJson(UnfenceWholeText(text));
  if (!parsed.ok() || parsed->is_discarded()) return InvalidArgument(std::string(what) + " is not JSON");
  return parsed;
}

}  // namespace iris
