// ConcurrencyLimiter: a counting semaphore with a bounded wait, to cap how many calls to an
// external provider are in flight at once. Acquire returns a Slot (RAII: the slot is given back
// when the Slot is destroyed) or nullopt when no slot became free within the wait.
//
// Waiters are not queued in arrival order (a condition variable decides), which is fine for the
// small limits used here. Thread-safe; the limiter must outlive its Slots.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace iris {

class ConcurrencyLimiter {
 public:
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release();
    }

   private:
    friend class ConcurrencyLimiter;
    explicit Slot(ConcurrencyLimiter* owner) : owner_(owner) {}
    ConcurrencyLimiter* owner_;
  };

  // `limit` below 1 counts as 1.
  explicit ConcurrencyLimiter(int limit);
  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  // Waits at most `wait` for a free slot.
  std::optional<Slot> Acquire(std::chrono::steady_clock::duration wait);

  int limit() const { return limit_; }
  int in_use() const;

 private:
  void Release();

  const int limit_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  int in_use_ = 0;
};

}  // namespace iris
