// HttpUrl: an absolute http:// or https:// URL without credentials, parsed and normalised by
// libcurl's URL API (the same parser that will fetch it, so what is checked is what is used).
// The only kind of URL UrlFetcher fetches, on the first hop and on every redirect.
//
// Refused with kInvalidArgument: text that is not an absolute URL (no scheme, malformed, empty
// host, spaces or control characters), any scheme other than http/https (file:, ftp:, gopher:,
// data:, ...), and user:password@ credentials (they disguise the real host and would leak
// secrets into logs). Messages quote at most the first 200 characters of the input.
//
// A plain value: copyable, immutable, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace iris {

class HttpUrl {
 public:
  static Result<HttpUrl> Parse(std::string_view text);

  // Resolves a redirect's Location (absolute, scheme-relative "//host/x", or relative "x", "/x")
  // against this URL; the result passes the same checks as Parse.
  Result<HttpUrl> Resolve(std::string_view reference) const;

  const std::string& spec() const { return spec_; }      // the full normalised URL
  const std::string& scheme() const { return scheme_; }  // "http" or "https"
  const std::string& host() const { return host_; }      // lower case, IPv6 without brackets

 private:
  HttpUrl() = default;

  std::string spec_;
  std::string scheme_;
  std::string host_;
};

// Text of a URL (or anything else a client sent) fit for an error message: at most 200
// characters, control characters replaced by '?', in single quotes.
std::string QuoteForMessage(std::string_view text);

}  // namespace iris
