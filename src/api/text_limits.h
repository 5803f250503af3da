// Limits on the texts one request may have a CLIP text tower embed: /v1/embeddings/text `texts`
// (or `text`), /v1/zero-shot `labels` and `prompt_template`, and a collection search's `text`.
// Tokenising is cheap whatever the text (vision/clip_tokenizer.h stops at the 77-token context and
// never merges more of a long word than can fit), but each text is one text-tower run and its bytes
// are held and cleaned: these bound both per request. Documented in docs/http-api.md.
// A violation is Unprocessable (422) whose detail names the field and the limit. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace iris::api {

inline constexpr std::size_t kMaxTextsPerRequest = 256;
inline constexpr std::size_t kMaxTextBytes = 10'000;

// 1 to kMaxTextsPerRequest texts, each of at most kMaxTextBytes bytes. `what` names the field.
Status CheckTexts(std::span<const std::string> texts, std::string_view what);

// 1 to kMaxTextBytes bytes.
Status CheckText(std::string_view text, std::string_view what);

}  // namespace iris::api
