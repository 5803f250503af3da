#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace iris::auth {

std::optional<int> RateLimiter::Take(std::string_view key_id, std::int64_t per_minute, Clock::time_point now) {
  if (per_minute <= 0) return std::nullopt;
  const double capacity = static_cast<double>(per_minute);
  const double per_second = capacity / 60.0;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key_id);
  if (it == buckets_.end() || it->second.per_minute != per_minute) {
    Bucket fresh;
    fresh.tokens = capacity;
    fresh.per_minute = per_minute;
    fresh.updated = now;
    if (it == buckets_.end()) {
      it = buckets_.emplace(std::string(key_id), fresh).first;
    } else {
      it->second = fresh;
    }
  }
  Bucket& bucket = it->second;
  if (now > bucket.updated) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - bucket.tokens) / per_second;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

void RateLimiter::Forget(std::string_view key_id) {
  std::lock_guard lock(mutex_);
  if (auto it = buckets_.find(key_id); it != buckets_.end()) buckets_.erase(it);
}

}  // namespace iris::auth
