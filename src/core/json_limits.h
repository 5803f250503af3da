// Bounded JSON: the one way JSON from outside the process becomes an nlohmann::json — request bodies
// and form fields, replies of remote servers, and files or database rows that an earlier run wrote.
//
// Why: nlohmann::json parses without recursion, but dump(), copies and comparisons recurse once per
// nesting level, so a value nested ~70,000 levels deep (a 140 KB body of '[') overflows the stack and
// kills the process. ParseBoundedJson counts the nesting on the text first, with a linear scan that
// never recurses, and refuses text nested deeper than the limit before any value is built.
//
// Depth counts the arrays and objects that enclose a value: a scalar has depth 0, [] and {} depth 1,
// {"a":[1]} depth 2. Brackets inside strings (escaped quotes included) do not count.
//
// All functions are pure and thread-safe; none throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace iris {

// The most nesting accepted in JSON a client sends (every route, body and form field alike), and in
// metadata stored with collection items. Documented in docs/http-api.md.
inline constexpr int kMaxJsonDepth = 64;

// The most nesting accepted when reading back what Iris itself wrote (collection catalogs, logs, job
// rows): a client value of kMaxJsonDepth wrapped in a few levels of Iris's own records.
inline constexpr int kMaxStoredJsonDepth = kMaxJsonDepth + 8;

// "JSON nested deeper than 64 levels": the message of every depth refusal.
std::string JsonTooDeepMessage(int max_depth = kMaxJsonDepth);

// InvalidArgument(JsonTooDeepMessage) when `text` opens more than max_depth arrays/objects at once;
// OK otherwise. Does not validate the rest of the syntax.
Status CheckJsonTextDepth(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses `text` once CheckJsonTextDepth passed: too deep gives that InvalidArgument and no value is
// built. Malformed text gives a discarded value (is_discarded()), exactly as
// nlohmann::json::parse(text, nullptr, false) does, so each caller keeps its own message for it.
Result<nlohmann::json> ParseBoundedJson(std::string_view text, int max_depth = kMaxJsonDepth);

// InvalidArgument(JsonTooDeepMessage) when a value already built nests deeper than max_depth (checked
// with an explicit stack, stopping at the first level too deep); OK otherwise.
Status CheckJsonDepth(const nlohmann::json& value, int max_depth = kMaxJsonDepth);

}  // namespace iris
