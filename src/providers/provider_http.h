// ProviderHttp: what the OpenAI-compatible provider clients (chat completions for captions, image edits for
// product shots) share: one POST with libcurl, the retry loop around it, and the texts that quote a
// provider's answer without leaking the API key.
//
// PostWithRetries: POSTs to call.endpoint; HTTP 429, 500, 502, 503, 504, network errors and timeouts get
// up to call.max_retries more attempts, each after an exponential backoff with full jitter
// (retry_policy.h), or after the provider's Retry-After / retry-after-ms when it sends one (capped at
// backoff_max_ms). A concurrency slot of call.limiter is held per attempt (not during backoff); a call
// waits at most timeout_s for one. The body is set per attempt by call.set_body (a JSON string, or a
// curl_mime that the returned holder keeps alive). Redirects are not followed (the key would go to
// another host); the usual *_proxy environment variables are honoured. "Authorization: Bearer KEY" is
// sent only when a key is set. With call.breaker (circuit_breaker.h), a call whose attempts all failed
// with 429, 5xx, a timeout or a network error counts against the provider; once the breaker is open,
// calls are refused at once (kUnavailable, "circuit open") without contacting the provider.
//
// Errors (every message names the provider by call.noun and the settings by call.section, and never
// contains the API key: any occurrence of it in an answer is replaced by "***"):
//   kFailedPrecondition  401/403 (check <section>.api_key), 404 (check url and model), other 4xx, 3xx;
//   kUnprocessable       400, 413, 422: the provider refused this request;
//   kUnavailable         429, 5xx, timeouts or network errors after the last attempt, no slot in time, or
//                        the breaker open;
//   kInternal            a 2xx reply over max_reply_bytes, or libcurl refusing an option.
// A 2xx answer is returned as is (the caller validates it) with the number of attempts made.
//
// Logging: "<log_prefix>_attempt" (debug), "<log_prefix>_retry" and "<log_prefix>_failed" (warn) with
// attempt, HTTP status or error and delay; never the key or the body sent.
//
// Thread-safety: PostWithRetries may run on many threads at once (one curl handle per attempt); the
// limiter and next_delay must be thread-safe. The text helpers are pure.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "providers/circuit_breaker.h"
#include "providers/concurrency_limiter.h"

namespace iris::provider_http {

std::string_view Trim(std::string_view s);
std::string FormatSeconds(double s);
// "1 attempt", "4 attempts".
std::string Attempts(int n);
// Every occurrence of `key` replaced by "***" (nothing when key is empty).
std::string Redact(std::string text, const std::string& key);
// Control characters become spaces; text longer than 300 characters is cut with "...".
std::string Clip(std::string_view text);
// The human-readable part of an error answer: OpenAI's {"error": {"message": ...}} (also as the first
// element of an array, as Gemini sends it), {"error": "..."}, {"message"|"detail": "..."}, or the body
// itself; redacted and clipped.
std::string ProviderMessage(const std::string& body, const std::string& key);

// What one HTTP attempt brought back.
struct Exchange {
  CURLcode rc = CURLE_OK;
  std::string error;  // libcurl's text for rc
  long status = 0;
  std::string body;
  bool too_large = false;
  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<std::chrono::milliseconds> retry_after_ms;
};

// The breaker settings both provider clients use: open after kBreakerFailures failed calls in a row,
// for max(backoff_max_ms, Retry-After) clamped to [1 s, 5 min].
inline constexpr int kBreakerFailures = 5;
CircuitBreaker::Settings BreakerSettings(int backoff_max_ms);

struct Call {
  std::string noun;        // "captioning provider", "image-generation provider"
  std::string section;     // "captions", "generation": the settings named in messages
  std::string log_prefix;  // "caption", "image_edit"
  std::string endpoint;
  std::vector<std::string> headers;  // besides Authorization, e.g. "Content-Type: application/json"
  std::string api_key;
  double timeout_s = 60;
  int max_retries = 3;
  int backoff_max_ms = 8000;
  std::size_t max_reply_bytes = 4 << 20;
  // Sets the request body on a fresh handle; returns what must stay alive until the attempt ends (any
  // non-null pointer), or nullptr when an option could not be set.
  std::function<std::shared_ptr<void>(CURL*)> set_body;
  ConcurrencyLimiter* limiter = nullptr;
  CircuitBreaker* breaker = nullptr;  // optional
  std::function<std::chrono::milliseconds(int retry)> next_delay;
  std::string model;  // logged with each attempt
};

struct Answer {
  Exchange exchange;  // a 2xx answer
  int attempts = 0;
};

Result<Answer> PostWithRetries(const Call& call);

// Logs a 2xx answer that `parse` refused as "<log_prefix>_failed".
void LogRefusedAnswer(const Call& call, const Answer& answer, const Status& error);

// PostWithRetries, then `parse` on the 2xx body (a refusal is logged and returned as is); the result's
// `attempts` is set to the number of HTTP requests made.
template <typename T, typename Parse>
Result<T> PostAndParse(const Call& call, const Parse& parse) {
  IRIS_ASSIGN_OR_RETURN(Answer answer, PostWithRetries(call));
  Result<T> parsed = parse(answer.exchange.body);
  if (!parsed.ok()) {
    LogRefusedAnswer(call, answer, parsed.status());
    return parsed.status();
  }
  parsed->attempts = answer.attempts;
  return parsed;
}

}  // namespace iris::provider_http
