#include "providers/circuit_breaker.h"

#include <gtest/gtest.h>

#include <chrono>

namespace iris {
namespace {

using namespace std::chrono_literals;
using Clock = CircuitBreaker::Clock;

CircuitBreaker::Settings ThreeFailuresTenSeconds() {
  CircuitBreaker::Settings s;
  s.failures_to_open = 3;
  s.cool_down = 10s;
  s.min_cool_down = 1s;
  s.max_cool_down = 60s;
  return s;
}

void Fail(CircuitBreaker& breaker, Clock::time_point now, std::optional<Clock::duration> retry_after = {}) {
  auto admission = breaker.Admit(nullptr, now);
  ASSERT_TRUE(admission.has_value());
  admission->Failed(retry_after, "answered 503 after 4 attempts", now);
}

TEST(CircuitBreakerTest, OpensAfterTheConfiguredFailuresInARowAndSaysForHowLong) {
  CircuitBreaker breaker(ThreeFailuresTenSeconds());
  const Clock::time_point t0 = Clock::now();
  Fail(breaker, t0);
  Fail(breaker, t0);
  EXPECT_FALSE(breaker.open());
  Fail(breaker, t0);
  EXPECT_TRUE(breaker.open());
  CircuitBreaker::Refusal refusal{};
  EXPECT_FALSE(breaker.Admit(&refusal, t0 + 4s).has_value());
  EXPECT_EQ(refusal.open_for, 6s);
  EXPECT_EQ(refusal.failed_calls, 3);
  EXPECT_EQ(refusal.last_error, "answered 503 after 4 attempts");
}

TEST(CircuitBreakerTest, ASuccessOrAnAnswerResetsTheCount) {
  CircuitBreaker breaker(ThreeFailuresTenSeconds());
  const Clock::time_point t0 = Clock::now();
  Fail(breaker, t0);
  Fail(breaker, t0);
  { auto ok = breaker.Admit(nullptr, t0); }  // destroyed without Failed(): a success
  Fail(breaker, t0);
  Fail(breaker, t0);
  EXPECT_FALSE(breaker.open());
  auto neutral = breaker.Admit(nullptr, t0);
  ASSERT_TRUE(neutral.has_value());
  neutral->Neutral();  // no slot: neither a success nor a failure
  Fail(breaker, t0);
  EXPECT_TRUE(breaker.open());
}

TEST(CircuitBreakerTest, AfterTheCoolDownOneTrialCallDecides) {
  CircuitBreaker breaker(ThreeFailuresTenSeconds());
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 3; ++i) Fail(breaker, t0);
  auto trial = breaker.Admit(nullptr, t0 + 10s);
  ASSERT_TRUE(trial.has_value());
  CircuitBreaker::Refusal refusal{};
  EXPECT_FALSE(breaker.Admit(&refusal, t0 + 10s).has_value()) << "only one trial at a time";
  EXPECT_EQ(refusal.open_for, Clock::duration::zero());
  trial->Failed({}, "timed out", t0 + 11s);  // fails: open again, for a whole cool-down
  EXPECT_FALSE(breaker.Admit(nullptr, t0 + 20s).has_value());
  auto second = breaker.Admit(nullptr, t0 + 21s);
  ASSERT_TRUE(second.has_value());
  second.reset();  // succeeds: closed
  EXPECT_FALSE(breaker.open());
  EXPECT_TRUE(breaker.Admit(nullptr, t0 + 21s).has_value());
  EXPECT_TRUE(breaker.Admit(nullptr, t0 + 21s).has_value());
}

TEST(CircuitBreakerTest, RetryAfterLengthensTheCoolDownWithinTheBounds) {
  CircuitBreaker breaker(ThreeFailuresTenSeconds());
  const Clock::time_point t0 = Clock::now();
  Fail(breaker, t0);
  Fail(breaker, t0);
  Fail(breaker, t0, 30s);
  CircuitBreaker::Refusal refusal{};
  EXPECT_FALSE(breaker.Admit(&refusal, t0).has_value());
  EXPECT_EQ(refusal.open_for, 30s);

  CircuitBreaker capped(ThreeFailuresTenSeconds());
  for (int i = 0; i < 3; ++i) Fail(capped, t0, 3600s);
  EXPECT_FALSE(capped.Admit(&refusal, t0).has_value());
  EXPECT_EQ(refusal.open_for, 60s);

  CircuitBreaker::Settings tiny = ThreeFailuresTenSeconds();
  tiny.cool_down = 0s;
  CircuitBreaker floored(tiny);
  for (int i = 0; i < 3; ++i) Fail(floored, t0);
  EXPECT_FALSE(floored.Admit(&refusal, t0).has_value());
  EXPECT_EQ(refusal.open_for, 1s);
}

}  // namespace
}  // namespace iris
