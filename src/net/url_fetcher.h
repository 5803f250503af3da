// UrlFetcher: downloads an image URL given by a client, with the limits a server needs against
// server-side request forgery (SSRF) and resource exhaustion.
//
// What Fetch guarantees:
//  * Only http:// and https:// URLs, also on every redirect hop. URLs with credentials
//    (user:pass@host) are refused: they are a classic way to disguise the real host.
//  * Redirects (301, 302, 303, 307, 308) are followed here, not by libcurl, at most
//    max_redirects times; relative Location headers are resolved against the current URL.
//  * Every socket is checked against AddressPolicy just before it is created, on the address
//    actually about to be connected to (after DNS, on every hop). A non-public address is refused
//    before connect() unless the URL's host is listed in allow_hosts. This defeats DNS rebinding
//    and redirects to internal services. Proxies (including *_proxy environment variables) are
//    never used, so they cannot bypass the check.
//  * The body never exceeds max_bytes: a larger Content-Length is refused before the body is read,
//    and a chunked or lying server is cut off as soon as the received (decoded) bytes exceed it.
//    gzip/deflate are accepted because the limit counts decoded bytes.
//  * timeout_s bounds the whole fetch, all hops together, including servers that stall mid-body.
//  * Error bodies are never read or echoed.
//
// Errors: kInvalidArgument for a bad or refused URL, a refused address, too many redirects, a
// non-2xx answer, a connection/DNS/TLS failure or a timeout; kTooLarge over max_bytes. With
// transient_errors_unavailable, timeouts, connection failures and HTTP 408/429/5xx are kUnavailable.
//
// Thread-safety: Fetch is const and may be called from many threads at once; each call uses its
// own libcurl easy handle. libcurl's global state is initialised once, thread-safely, on first use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace iris {

struct FetchOptions {
  std::int64_t max_bytes = 40ll << 20;  // decoded body limit
  double timeout_s = 20;                // whole fetch, redirects included
  double connect_timeout_s = 5;         // per connection attempt (never more than the time left)
  int max_redirects = 5;
  // Host names or IP literals (case-insensitive, exact; IPv6 with or without brackets) whose
  // addresses may be non-public, e.g. an image store on the private network. The exemption is
  // judged per hop by that hop's URL host; a redirect from an allowed host to another is checked.
  std::vector<std::string> allow_hosts;
  std::string user_agent = "iris/0.1";
  // For background work that retries: failures worth another attempt later (timeouts, connection
  // and DNS failures, HTTP 408, 429 and 5xx) are kUnavailable instead of kInvalidArgument.
  bool transient_errors_unavailable = false;
  // CURLOPT_RESOLVE entries "host:port:addr" that pin DNS answers; for tests of DNS answers.
  std::vector<std::string> resolve_overrides;
};

// The options the [ingest] configuration section asks for (max_image_bytes, fetch_*).
FetchOptions FetchOptionsFromConfig(const IngestConfig& ingest);

struct FetchedResource {
  std::string body;
  std::string content_type;  // as sent by the server (may be empty); not trusted for decoding
  std::string final_url;     // after redirects
  int http_status = 0;       // the final 2xx status
};

class UrlFetcher {
 public:
  explicit UrlFetcher(FetchOptions options);

  Result<FetchedResource> Fetch(std::string_view url) const;

  const FetchOptions& options() const { return options_; }

 private:
  FetchOptions options_;
  std::vector<std::string> normalized_allow_hosts_;  // lower case, no brackets, no trailing dot
};

}  // namespace iris
