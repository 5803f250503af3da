// RateLimiter: one token bucket per API key id. A key limited to R requests a minute has a bucket of R
// tokens (so it may burst R requests) refilled continuously at R/60 tokens a second; a request takes
// one token, and when none is left it is refused with the whole seconds until one is back (>= 1), the
// Retry-After of the 429 (docs/security.md). The buckets live in the process: each `iris serve`
// counts on its own, and a restart refills them. A limit of 0 means unlimited (no bucket kept).
//
// Time is passed in (steady clock), so tests need no sleeps.
// Thread-safety: Take may be called from any number of threads (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace iris::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // nullopt: admitted (a token was taken). Otherwise the seconds to wait, at least 1.
  std::optional<int> Take(std::string_view key_id, std::int64_t per_minute, Clock::time_point now = Clock::now());

  // Drops the bucket of a key (after a revoke, or when its limit changed).
  void Forget(std::string_view key_id);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t per_minute = 0;
    Clock::time_point updated;
  };
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace iris::auth
