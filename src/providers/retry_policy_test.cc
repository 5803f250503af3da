#include "providers/retry_policy.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryPolicy, RetryableStatuses) {
  for (long s : {429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableHttpStatus(s)) << s;
  for (long s : {200, 301, 400, 401, 403, 404, 408, 413, 422, 501, 505}) EXPECT_FALSE(IsRetryableHttpStatus(s)) << s;
}

TEST(RetryPolicy, BackoffIsFullJitterUnderADoublingCap) {
  std::mt19937_64 rng(42);
  for (int retry = 1; retry <= 6; ++retry) {
    const std::int64_t cap = std::min<std::int64_t>(100LL << (retry - 1), 1000);
    std::int64_t lo = cap, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const std::int64_t d = BackoffDelay(retry, 100, 1000, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, cap) << "retry " << retry;
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Spread over the whole range, not a fixed delay.
    EXPECT_LT(lo, cap / 10) << "retry " << retry;
    EXPECT_GT(hi, cap * 9 / 10) << "retry " << retry;
  }
  EXPECT_EQ(BackoffDelay(1, 0, 1000, rng).count(), 0);
  EXPECT_EQ(BackoffDelay(3, 100, 0, rng).count(), 0);
  EXPECT_LE(BackoffDelay(60, 100, 8000, rng).count(), 8000);  // no overflow on many retries
}

TEST(RetryPolicy, RetryAfterSeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(ParseRetryAfter("3", now), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), milliseconds(24LL * 3600 * 1000));
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("-1", now));
  EXPECT_FALSE(ParseRetryAfter("1.5", now));
  EXPECT_FALSE(ParseRetryAfter("soon", now));
}

TEST(RetryPolicy, RetryAfterHttpDate) {
  // 1994-11-06T08:49:37Z is 784111777 s after the epoch.
  const auto date = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", date - seconds(7)), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", date + seconds(7)), milliseconds(0));  // past
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", date), milliseconds(60000));
  EXPECT_FALSE(ParseRetryAfter("Sun, 06 Foo 1994 08:49:37 GMT", date));
  EXPECT_FALSE(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", date));  // obsolete RFC 850 form
  EXPECT_FALSE(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 UTC", date));
}

TEST(RetryPolicy, RetryAfterMs) {
  EXPECT_EQ(ParseRetryAfterMs("250"), milliseconds(250));
  EXPECT_EQ(ParseRetryAfterMs("20.7"), milliseconds(20));
  EXPECT_FALSE(ParseRetryAfterMs("-3"));
  EXPECT_FALSE(ParseRetryAfterMs("12ms"));
  EXPECT_FALSE(ParseRetryAfterMs(""));
}

}  // namespace
}  // namespace iris
