#include "providers/concurrency_limiter.h"

#include <algorithm>

namespace iris {

ConcurrencyLimiter::ConcurrencyLimiter(int limit) : limit_(std::max(1, limit)) {}

std::optional<ConcurrencyLimiter::Slot> ConcurrencyLimiter::Acquire(std::chrono::steady_clock::duration wait) {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, wait, [this] { return in_use_ < limit_; })) return std::nullopt;
  ++in_use_;
  return Slot(this);
}

int ConcurrencyLimiter::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

void ConcurrencyLimiter::Release() {
  {
    std::lock_guard lock(mu_);
    --in_use_;
  }
  freed_.notify_one();
}

}  // namespace iris
