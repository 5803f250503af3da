#include "api/byte_range.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "core/ascii_text.h"

namespace iris::api {
namespace {

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

// 1*DIGIT, saturating; nullopt when empty or not all digits.
std::optional<std::uint64_t> ParseDigits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (kSaturated - digit) / 10 ? kSaturated : value * 10 + digit;
  }
  return value;
}

ByteRangeAnswer Full(std::uint64_t total) { return {ByteRangeAnswer::Kind::kFull, 0, total}; }
ByteRangeAnswer Unsatisfiable() { return {ByteRangeAnswer::Kind::kUnsatisfiable, 0, 0}; }

// One range-spec ("a-b", "a-" or "-n") against `total` bytes.
ByteRangeAnswer ResolveSpec(std::string_view spec, std::uint64_t total) {
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return Full(total);  // malformed: ignored
  if (dash == 0) {                                         // suffix-range
    const auto suffix = ParseDigits(spec.substr(1));
    if (!suffix) return Full(total);
    if (*suffix == 0 || total == 0) return Unsatisfiable();
    const std::uint64_t length = std::min(*suffix, total);
    return {ByteRangeAnswer::Kind::kPartial, total - length, length};
  }
  const auto first = ParseDigits(spec.substr(0, dash));
  if (!first) return Full(total);
  std::uint64_t last = kSaturated;
  if (dash + 1 < spec.size()) {
    const auto parsed = ParseDigits(spec.substr(dash + 1));
    if (!parsed || *parsed < *first) return Full(total);  // invalid int-range: ignored
    last = *parsed;
  }
  if (*first >= total) return Unsatisfiable();
  last = std::min(last, total - 1);
  return {ByteRangeAnswer::Kind::kPartial, *first, last - *first + 1};
}

}  // namespace

ByteRangeAnswer ResolveByteRange(std::string_view header, std::uint64_t total_length) {
  header = TrimHttpWhitespace(header);
  const std::size_t equals = header.find('=');
  if (equals == std::string_view::npos ||
      !EqualsIgnoreAsciiCase(TrimHttpWhitespace(header.substr(0, equals)), "bytes")) {
    return Full(total_length);
  }
  std::string_view set = header.substr(equals + 1);
  std::string_view only;
  int specs = 0;
  for (;;) {
    const std::size_t comma = set.find(',');
    const std::string_view element = TrimHttpWhitespace(set.substr(0, comma));
    if (!element.empty()) {
      if (++specs > 1) return Full(total_length);  // several ranges: ignored (see the header)
      only = element;
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs == 0) return Full(total_length);
  return ResolveSpec(only, total_length);
}

std::string ContentRangeValue(const ByteRangeAnswer& answer, std::uint64_t total_length) {
  const std::string total = std::to_string(total_length);
  switch (answer.kind) {
    case ByteRangeAnswer::Kind::kPartial:
      return "bytes " + std::to_string(answer.offset) + "-" + std::to_string(answer.offset + answer.length - 1) + "/" +
             total;
    case ByteRangeAnswer::Kind::kUnsatisfiable:
      return "bytes */" + total;
    case ByteRangeAnswer::Kind::kFull:
      break;
  }
  return "";
}

}  // namespace iris::api
