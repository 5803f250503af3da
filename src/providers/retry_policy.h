// Retry timing for calls to external HTTP providers: which answers are worth another attempt,
// exponential backoff with full jitter, and the Retry-After header.
//
//  * IsRetryableHttpStatus: 429 (rate limited) and 500, 502, 503, 504 (the provider or a gateway
//    in front of it failed). Every other status is final: repeating the same request would get
//    the same answer.
//  * BackoffDelay(retry): "full jitter" (uniform in [0, min(max, initial * 2^(retry-1))]), so
//    clients that failed together do not retry together.
//  * ParseRetryAfter: the two forms of RFC 9110 §10.2.3, delay-seconds ("120") and an HTTP date
//    ("Wed, 21 Oct 2015 07:28:00 GMT", IMF-fixdate), plus OpenAI's "retry-after-ms" value form
//    (milliseconds, may be fractional) through ParseRetryAfterMs. Unparseable values give nullopt
//    (the caller falls back to its backoff); dates in the past give 0.
//
// Pure functions (BackoffDelay draws from the caller's generator); thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace iris {

bool IsRetryableHttpStatus(long status);

// Delay before retry number `retry` (1 = the first retry). initial_ms/max_ms below 0 count as 0.
std::chrono::milliseconds BackoffDelay(int retry, int initial_ms, int max_ms, std::mt19937_64& rng);

// A Retry-After header value as a delay from `now`.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// A retry-after-ms header value (OpenAI): milliseconds, integer or decimal.
std::optional<std::chrono::milliseconds> ParseRetryAfterMs(std::string_view value);

}  // namespace iris
