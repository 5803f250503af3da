#include "providers/concurrency_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace iris {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ConcurrencyLimiter, WaitIsBoundedWhenFull) {
  ConcurrencyLimiter limiter(2);
  auto a = limiter.Acquire(0ms);
  auto b = limiter.Acquire(0ms);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(limiter.in_use(), 2);
  const auto start = Clock::now();
  EXPECT_FALSE(limiter.Acquire(100ms));
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, 95ms);
  EXPECT_LT(waited, 1s);
}

TEST(ConcurrencyLimiter, SlotIsGivenBackOnDestruction) {
  ConcurrencyLimiter limiter(1);
  {
    auto slot = limiter.Acquire(0ms);
    ASSERT_TRUE(slot);
    auto moved = std::move(*slot);
    EXPECT_EQ(limiter.in_use(), 1);
  }
  EXPECT_EQ(limiter.in_use(), 0);
  EXPECT_TRUE(limiter.Acquire(0ms));
  EXPECT_EQ(ConcurrencyLimiter(0).limit(), 1);
}

TEST(ConcurrencyLimiter, WaiterGetsTheFreedSlot) {
  ConcurrencyLimiter limiter(1);
  auto held = limiter.Acquire(0ms);
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    held.reset();
  });
  const auto start = Clock::now();
  auto slot = limiter.Acquire(5s);
  EXPECT_TRUE(slot);
  EXPECT_LT(Clock::now() - start, 2s);
  releaser.join();
}

TEST(ConcurrencyLimiter, NeverMoreThanTheLimit) {
  ConcurrencyLimiter limiter(3);
  std::atomic<int> now{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto slot = limiter.Acquire(10s);
        ASSERT_TRUE(slot);
        int n = ++now;
        for (int p = peak; n > p && !peak.compare_exchange_weak(p, n);) {
        }
        std::this_thread::sleep_for(1ms);
        --now;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(peak, 3);
  EXPECT_EQ(limiter.in_use(), 0);
}

}  // namespace
}  // namespace iris
