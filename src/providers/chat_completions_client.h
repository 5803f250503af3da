// ChatCompletionsClient: asks an OpenAI-compatible chat-completions API with image input to
// describe an image (the `describe_image` analysis operation). Works with OpenAI, Gemini's
// OpenAI-compatible endpoint, vLLM, llama.cpp's server and Ollama; docs/captions.md says how to
// configure each.
//
// The request: POST {captions.url}/chat/completions (a url that already ends in /chat/completions
// is used as is), JSON
//   {"model": M, "messages": [{"role": "user", "content": [{"type": "text", "text": PROMPT},
//     {"type": "image_url", "image_url": {"url": "data:MIME;base64,..."}}]}], "max_tokens": N}
// with "Authorization: Bearer KEY" only when a key is set. A request with a json_schema adds OpenAI's structured
// output field, "response_format": {"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}
// (Gemini's OpenAI endpoint, vLLM and Ollama's /v1 take it too); checking the reply against the schema is the
// caller's job (the client only returns the text). `max_tokens` is sent (not OpenAI's newer
// `max_completion_tokens`, which the other servers do not all know; OpenAI's reasoning models reject
// max_tokens, so use a vision chat model such as gpt-4o-mini). Redirects are not followed (the key
// would go to another host); the usual *_proxy environment variables are honoured.
//
// The reply is validated, not sliced: choices[0].message.content must be a string or an array of
// {"type": "text", "text": ...} parts (their texts are joined); the text is trimmed and must not be
// empty. model, usage.prompt_tokens/completion_tokens and finish_reason are passed on when present.
//
// Retries: HTTP 429, 500, 502, 503, 504, network errors and timeouts get up to max_retries more
// attempts, each after an exponential backoff with full jitter (backoff_initial_ms doubling up to
// backoff_max_ms), or after the provider's Retry-After / retry-after-ms when it sends one (capped at
// backoff_max_ms). Other answers are final. timeout_s bounds each attempt.
//
// Errors (every message names what happened, and never contains the API key — any occurrence of it
// in a provider's answer is replaced by "***" — nor the image):
//   kFailedPrecondition  no url configured; an invalid url; 401/403/404, other 4xx, 3xx: check the
//                        key, url or model;
//   kUnprocessable       the provider refused this request (400, 413, 422), or answered with no text
//                        (e.g. finish_reason "length": max_tokens too small, or a refusal);
//   kUnavailable         429, 5xx, timeouts or network errors after the last attempt ("captioning
//                        provider answered 500 after 4 attempts: ..."), or no concurrency slot within
//                        timeout_s;
//   kInternal            a 2xx reply that is not JSON or not a chat completion;
//   kInvalidArgument     empty image bytes, a MIME type other than image/jpeg, png, webp or gif, or
//                        max_tokens < 1.
//
// Concurrency: at most max_concurrency HTTP requests of one client are in flight at once (a slot
// is held per attempt, not during backoff); a call waits at most timeout_s for a slot. The limit is
// per client object, so a process should create one client and share it.
// Circuit breaker (circuit_breaker.h, provider_http.h): after kBreakerFailures calls in a row failed
// on every attempt (429, 5xx, timeout, network), calls are refused at once for max(backoff_max_ms,
// the provider's Retry-After) clamped to 1 s..5 min, then one trial call decides; per client too.
//
// Logging (core/logging.h): "caption_attempt" (debug), "caption_retry" and "caption_failed" (warn)
// with attempt, HTTP status or error, delay; never the key, the prompt or the image.
//
// Thread-safety: DescribeImage may be called from many threads at once; each attempt uses its own
// libcurl handle.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/result.h"
#include "providers/circuit_breaker.h"
#include "providers/concurrency_limiter.h"

namespace iris {

struct CaptionRequest {
  int max_tokens = 50;
  std::string prompt;                         // empty: the configured captions.prompt
  std::optional<nlohmann::json> json_schema;  // set: ask for a JSON reply following this schema
  std::string json_schema_name = "reply";     // its name in response_format ([a-zA-Z0-9_-], <= 64 chars)
};

// One image of a multi-image request, sent after its label (a text part; none when the label is empty).
struct LabelledImage {
  std::string label;       // e.g. "Section s3:"; the reply can refer to the image by it
  std::string_view bytes;  // the encoded image (JPEG or PNG as a rule)
  std::string_view mime;   // its media type
};

struct CaptionResult {
  std::string text;   // trimmed, never empty
  std::string model;  // as reported by the provider (the configured model when it does not say)
  int attempts = 0;   // HTTP requests made, 1 when the first one succeeded
  std::optional<int> prompt_tokens;
  std::optional<int> completion_tokens;
  std::string finish_reason;  // e.g. "stop", "length"; empty when the provider does not say
};

class ChatCompletionsClient {
 public:
  explicit ChatCompletionsClient(CaptionsConfig config);
  ChatCompletionsClient(const ChatCompletionsClient&) = delete;
  ChatCompletionsClient& operator=(const ChatCompletionsClient&) = delete;

  // False when captions.url is empty.
  bool configured() const { return !config_.url.empty(); }

  // `image` is the encoded image (JPEG or PNG as a rule) and `mime` its media type.
  Result<CaptionResult> DescribeImage(std::string_view image, std::string_view mime,
                                      const CaptionRequest& request) const;
  // One request about several images: the prompt, then each image after its label, in the order given
  // (at least one image; each must be a supported type). Same errors and retries as DescribeImage.
  Result<CaptionResult> DescribeImages(std::span<const LabelledImage> images, const CaptionRequest& request) const;

  const CaptionsConfig& config() const { return config_; }

 private:
  std::chrono::milliseconds NextDelay(int retry) const;

  CaptionsConfig config_;
  std::string endpoint_;  // {url}/chat/completions
  mutable ConcurrencyLimiter limiter_;
  mutable CircuitBreaker breaker_;
  mutable std::mutex rng_mu_;
  mutable std::mt19937_64 rng_;
};

}  // namespace iris
