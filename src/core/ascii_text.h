// Small ASCII text helpers for protocol text (HTTP header fields, Range values, Retry-After):
// locale-independent, never allocate, never throw. Thread-safe (pure functions).
#pragma once

#include <string_view>

namespace iris {

// `s` without leading spaces/tabs and without trailing spaces, tabs, CR and LF (what surrounds a
// header field value, RFC 9110 5.5, plus a line ending left on it).
std::string_view TrimHttpWhitespace(std::string_view s);

// `s` without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r: C's isspace in the
// "C" locale), e.g. a model's or a file's text value.
std::string_view TrimAsciiWhitespace(std::string_view s);

// True when `a` and `b` are equal ignoring ASCII letter case ("Content-Length" == "content-length").
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

}  // namespace iris
