// ParseJsonReply: reads a chat-completions reply that should be one JSON document (a structured-output
// reply): the text itself, or the one fenced block when the whole text is a Markdown code fence
// (```json ... ```, as some models wrap JSON even when asked not to), found by its fence lines, never by
// fixed offsets. Parsed with the nesting bound of core/json_limits.h.
// Errors: InvalidArgument "<what> is not JSON". Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace iris {

// The inside of a text that is entirely one Markdown code fence ("```" or "```json" on the first line, "```"
// alone on the last); the trimmed text itself otherwise.
std::string UnfenceWholeText(std::string_view raw);

// `what` names the reply in the error, e.g. "the caption reply".
Result<nlohmann::json> ParseJsonReply(std::string_view text, std::string_view what);

}  // namespace iris
