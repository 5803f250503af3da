#include "api/request_head.h"

#include <charconv>

#include "core/ascii_text.h"

namespace iris::api {
namespace {

// Where the request line starts: empty lines before it are skipped (RFC 9112 2.2), as httplib does.
std::size_t RequestLineStart(std::string_view bytes) {
  std::size_t start = 0;
  while (start < bytes.size() && (bytes[start] == '\r' || bytes[start] == '\n')) ++start;
  return start;
}

}  // namespace

std::optional<std::size_t> FindHeadEnd(std::string_view bytes) {
  const std::size_t start = RequestLineStart(bytes);
  // The head ends at the first line that is empty ("\n" or "\r\n") after the request line.
  std::size_t line_begin = start;
  for (std::size_t i = start; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    std::size_t length = i - line_begin;
    bool empty = length == 0 || (length == 1 && bytes[line_begin] == '\r');
    if (empty && line_begin > start) return i + 1;
    line_begin = i + 1;
  }
  return std::nullopt;
}

BodyFraming ReadBodyFraming(std::string_view head) {
  BodyFraming framing;
  std::size_t pos = head.find('\n');  // skip the request line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    std::size_t begin = pos + 1;
    pos = head.find('\n', begin);
    std::string_view line = head.substr(begin, pos == std::string_view::npos ? std::string_view::npos : pos - begin);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = TrimHttpWhitespace(line.substr(0, colon));
    std::string_view value = TrimHttpWhitespace(line.substr(colon + 1));
    if (EqualsIgnoreAsciiCase(name, "Content-Length")) {
      std::uint64_t length = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty() ||
          (framing.content_length && *framing.content_length != length)) {
        framing.malformed = true;
      } else {
        framing.content_length = length;
      }
    } else if (EqualsIgnoreAsciiCase(name, "Transfer-Encoding")) {
      framing.chunked = true;
    } else if (EqualsIgnoreAsciiCase(name, "Expect") && EqualsIgnoreAsciiCase(value, "100-continue")) {
      framing.expect_continue = true;
    }
  }
  if (framing.malformed) framing.content_length.reset();
  return framing;
}

bool IsHealthProbe(std::string_view bytes) {
  std::string_view line = bytes.substr(RequestLineStart(bytes));
  line = line.substr(0, line.find('\n'));
  std::string_view target;
  for (std::string_view method : {"GET ", "HEAD "}) {
    if (line.substr(0, method.size()) == method) target = line.substr(method.size());
  }
  if (target.empty()) return false;
  const std::size_t end = target.find_first_of(" ?");
  if (end == std::string_view::npos) return false;  // no protocol version: not a whole request line
  const std::string_view path = target.substr(0, end);
  return path == "/healthz" || path == "/readyz";
}

}  // namespace iris::api
