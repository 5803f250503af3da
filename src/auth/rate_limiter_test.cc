#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace iris::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiter, ABucketHoldsOneMinutesWorthThenRefillsSteadily) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("k", 3, t0), std::nullopt) << i;
  // 3 a minute: one token every 20 s.
  EXPECT_EQ(limiter.Take("k", 3, t0), 20);
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(5)), 15);
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(20)), std::nullopt);
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(20)), 20);
  // Refill never goes past the bucket's size.
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(3600)), std::nullopt);
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(3600)), std::nullopt);
  EXPECT_EQ(limiter.Take("k", 3, t0 + seconds(3600)), std::nullopt);
  EXPECT_TRUE(limiter.Take("k", 3, t0 + seconds(3600)).has_value());
}

TEST(RateLimiter, RetryAfterIsAtLeastOneSecond) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  // 6000 a minute: a token every 10 ms; the wait still rounds up to 1 s.
  for (int i = 0; i < 6000; ++i) ASSERT_EQ(limiter.Take("fast", 6000, t0), std::nullopt);
  EXPECT_EQ(limiter.Take("fast", 6000, t0), 1);
  EXPECT_EQ(limiter.Take("fast", 6000, t0 + milliseconds(10)), std::nullopt);
}

TEST(RateLimiter, KeysAreCountedApartAndZeroIsUnlimited) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(limiter.Take("a", 1, t0), std::nullopt);
  EXPECT_TRUE(limiter.Take("a", 1, t0).has_value());
  EXPECT_EQ(limiter.Take("b", 1, t0), std::nullopt);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(limiter.Take("free", 0, t0), std::nullopt);
  // A changed limit starts a fresh bucket; Forget does too.
  EXPECT_EQ(limiter.Take("a", 2, t0), std::nullopt);
  EXPECT_EQ(limiter.Take("a", 2, t0), std::nullopt);
  EXPECT_TRUE(limiter.Take("a", 2, t0).has_value());
  limiter.Forget("a");
  EXPECT_EQ(limiter.Take("a", 2, t0), std::nullopt);
}

}  // namespace
}  // namespace iris::auth
