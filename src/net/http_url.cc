#include "net/http_url.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>

namespace iris {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlFreeDeleter {
  void operator()(char* p) const { curl_free(p); }
};

// Reads one part; empty when the part is absent.
std::string GetPart(CURLU* u, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, 0) != CURLUE_OK || raw == nullptr) return "";
  std::unique_ptr<char, CurlFreeDeleter> owned(raw);
  return std::string(raw);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

Result<HttpUrl> HttpUrl::Parse(std::string_view text) { return HttpUrl().Resolve(text); }

Result<HttpUrl> HttpUrl::Resolve(std::string_view reference) const {
  CurlUrlPtr u(curl_url());
  if (!u) return Internal("out of memory parsing a URL");
  // A URL with an embedded NUL would be silently truncated by the C API.
  if (reference.find('\0') != std::string_view::npos) {
    return InvalidArgument("not a valid URL: " + QuoteForMessage(reference));
  }
  if (!spec_.empty() && curl_url_set(u.get(), CURLUPART_URL, spec_.c_str(), 0) != CURLUE_OK) {
    return Internal("cannot re-parse URL " + QuoteForMessage(spec_));
  }
  // NON_SUPPORT_SCHEME: parse any scheme so the refusal below can name it.
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, std::string(reference).c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    return InvalidArgument("not a valid absolute http:// or https:// URL (" + std::string(curl_url_strerror(rc)) +
                           "): " + QuoteForMessage(reference));
  }
  HttpUrl url;
  url.scheme_ = Lower(GetPart(u.get(), CURLUPART_SCHEME));
  if (url.scheme_ != "http" && url.scheme_ != "https") {
    return InvalidArgument("only http:// and https:// URLs can be fetched (scheme " + QuoteForMessage(url.scheme_) +
                           "): " + QuoteForMessage(reference));
  }
  if (!GetPart(u.get(), CURLUPART_USER).empty() || !GetPart(u.get(), CURLUPART_PASSWORD).empty() ||
      !GetPart(u.get(), CURLUPART_OPTIONS).empty()) {
    return InvalidArgument("URLs with credentials (user:password@host) are refused");
  }
  std::string host = GetPart(u.get(), CURLUPART_HOST);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return InvalidArgument("URL has no host: " + QuoteForMessage(reference));
  url.host_ = Lower(std::move(host));
  url.spec_ = GetPart(u.get(), CURLUPART_URL);
  if (url.spec_.empty()) return InvalidArgument("not a valid URL: " + QuoteForMessage(reference));
  return url;
}

}  // namespace iris
