// The structured caption of a catalog image (POST /generate_caption, seeds 003/004): the JSON schema sent
// to the chat-completions provider as its response_format, and the strict reader of its reply.
//
// Schema: an object with exactly the string fields generated_name, quality ("A" | "B" | "C"), description,
// attributes, prompt and color, all required, no others (OpenAI's strict structured-output subset, which
// Gemini's OpenAI endpoint, vLLM and Ollama also take).
//
// ParseCatalogCaption reads the reply text as a whole JSON document: the text itself, or the one fenced
// block when the whole text is a Markdown code fence (```json ... ```, as some models wrap JSON even when
// asked not to), found by its fence lines, never by fixed offsets. Every field must be present and a
// string; surrounding white space is trimmed; none may be empty or longer than its limit below (a longer
// one is an invalid reply, never cut); quality is one letter A, B or C in either case. Fields the schema
// does not name are ignored.
//
// Errors: InvalidArgument naming the first problem (not JSON, not an object, which field is missing,
// of the wrong type, empty, too long, or which quality). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace iris::app {

struct CatalogCaption {
  std::string generated_name;
  char quality = 'C';  // 'A' | 'B' | 'C'
  std::string description;
  std::string attributes;
  std::string prompt;
  std::string color;
};

inline constexpr std::size_t kCaptionNameMaxChars = 200;
inline constexpr std::size_t kCaptionColorMaxChars = 200;
inline constexpr std::size_t kCaptionTextMaxChars = 2000;    // description, attributes
inline constexpr std::size_t kCaptionPromptMaxChars = 4000;  // the generation prompt

// The JSON schema of the reply (the "schema" of response_format.json_schema).
const nlohmann::json& CatalogCaptionSchema();

Result<CatalogCaption> ParseCatalogCaption(std::string_view text);

}  // namespace iris::app
