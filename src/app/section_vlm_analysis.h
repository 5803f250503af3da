// The "analyse" stage of POST /process-image through the captioning provider: a vision-language model
// behind the chat-completions API (providers/chat_completions_client.h, the captions.* settings), like the
// seed's Qwen2-VL service, but read by section id (the seed's service relied on the order of its replies and
// misaligned them).
//
// The kept sections' crops go in batches of kVlmBatchSize, one request per batch: the instruction (with the
// user's prompt), then each crop after a text part naming its id, and a strict json_schema response_format
// {"sections": [{"id" (one of the batch's ids), "type", "visual_elements": [...]}]}. A reply entry whose id is
// not in its batch, repeats an id, or has an empty type is ignored; a section that no reply answers keeps its
// local analysis. Strings are lower-cased and trimmed; a type or element over kVlmMaxTermChars, or elements
// beyond kVlmMaxElements, are dropped (never cut).
//
// Errors: the provider's (FailedPrecondition when captions.url is not set, Unavailable when it is down after
// its retries); InvalidArgument when a reply is not such a JSON object. The caller decides whether to fall
// back to the local analysis. Thread-safe (the client is).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "image/rgb_image.h"
#include "providers/chat_completions_client.h"
#include "regions/vlm_agreement.h"

namespace iris::app {

inline constexpr std::size_t kVlmBatchSize = 8;
inline constexpr std::size_t kVlmMaxSections = 32;  // kept sections beyond these keep the local analysis
inline constexpr std::size_t kVlmMaxElements = 12;
inline constexpr std::size_t kVlmMaxTermChars = 64;

struct SectionCrop {
  std::string id;
  RgbImage pixels;
};

struct SectionVlmResult {
  std::map<std::string, regions::VlmSectionAnalysis> by_id;
  std::vector<std::string> unanswered;  // ids no reply answered, in crop order
  int requests = 0;
  int ignored_entries = 0;  // reply entries dropped (unknown or repeated id, empty type)
  std::string model;        // as the provider reports it
};

// The response_format schema for a batch with these ids.
nlohmann::json SectionVlmSchema(const std::vector<std::string>& ids);

// One reply of a batch with `ids`; `ignored` (may be null) counts the dropped entries.
Result<std::map<std::string, regions::VlmSectionAnalysis>> ParseSectionVlmReply(std::string_view text,
                                                                                const std::vector<std::string>& ids,
                                                                                int* ignored);

Result<SectionVlmResult> AnalyseSectionsWithVlm(const ChatCompletionsClient& client, std::span<const SectionCrop> crops,
                                                std::string_view prompt);

}  // namespace iris::app
