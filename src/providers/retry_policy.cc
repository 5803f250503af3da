#include "providers/retry_policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <ctime>

#include "core/ascii_text.h"

namespace iris {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMaxDelayMs = 24LL * 3600 * 1000;  // anything longer is treated as a day

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Exactly `width` digits at s[pos..].
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  std::string_view d = s.substr(pos, width);
  if (!AllDigits(d)) return std::nullopt;
  int v = 0;
  std::from_chars(d.data(), d.data() + d.size(), v);
  return v;
}

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (fixed layout, English names, no locale).
std::optional<std::time_t> ParseImfFixdate(std::string_view s) {
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  auto day = Digits(s, 5, 2);
  auto year = Digits(s, 12, 4);
  auto hour = Digits(s, 17, 2);
  auto minute = Digits(s, 20, 2);
  auto second = Digits(s, 23, 2);
  if (month == kMonths.end() || !day || !year || !hour || !minute || !second) return std::nullopt;
  if (*day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = static_cast<int>(month - kMonths.begin());
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return timegm(&tm);
}

}  // namespace

bool IsRetryableHttpStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

milliseconds BackoffDelay(int retry, int initial_ms, int max_ms, std::mt19937_64& rng) {
  const std::int64_t max = std::max(0, max_ms);
  std::int64_t cap = std::max(0, initial_ms);
  for (int i = 1; i < retry && cap < max; ++i) cap *= 2;
  cap = std::min(cap, max);
  if (cap == 0) return milliseconds(0);
  return milliseconds(std::uniform_int_distribution<std::int64_t>(0, cap)(rng));
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now) {
  value = TrimHttpWhitespace(value);
  if (AllDigits(value)) {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || seconds > kMaxDelayMs / 1000) return milliseconds(kMaxDelayMs);
    return milliseconds(seconds * 1000);
  }
  std::optional<std::time_t> when = ParseImfFixdate(value);
  if (!when) return std::nullopt;
  auto delay = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(*when) - now);
  return std::clamp(delay, milliseconds(0), milliseconds(kMaxDelayMs));
}

std::optional<milliseconds> ParseRetryAfterMs(std::string_view value) {
  value = TrimHttpWhitespace(value);
  double ms = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc() || end != value.data() + value.size() || !(ms >= 0)) return std::nullopt;
  return milliseconds(static_cast<std::int64_t>(std::min(ms, static_cast<double>(kMaxDelayMs))));
}

}  // namespace iris
