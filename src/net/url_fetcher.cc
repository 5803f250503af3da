#include "net/url_fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <new>
#include <optional>

#include "core/ascii_text.h"
#include "net/address_policy.h"
#include "net/curl_handles.h"
#include "net/http_url.h"

namespace iris {
namespace {

using Clock = std::chrono::steady_clock;

std::string NormalizeHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return AsciiLower(host);
}

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

std::string SockaddrText(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof(buf));
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Everything one request/response exchange (one hop) needs in libcurl's callbacks.
struct Hop {
  CURL* easy = nullptr;
  std::int64_t max_bytes = 0;
  bool host_allowed = false;

  // Set by OpenSocket when it refuses an address.
  std::optional<AddressClass> refused_class;
  std::string refused_address;

  // Set by OnHeader / OnBody.
  std::string location;
  std::int64_t declared_length = -1;
  long status = 0;
  bool body_unwanted = false;  // non-2xx answer: transfer stopped after the headers on purpose
  bool too_large = false;
  bool out_of_memory = false;  // the body buffer could not be reserved
  std::string body;
};

// Body limits up to this are reserved in full when the first body byte arrives (see OnBody).
constexpr size_t kMaxUpfrontReserve = size_t{1} << 30;

// Called by libcurl for every socket it wants, with the address it is about to connect to (after
// DNS and CURLOPT_RESOLVE). Returning CURL_SOCKET_BAD refuses it before anything is sent; libcurl
// then tries the host's other addresses, if any.
curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* hop = static_cast<Hop*>(clientp);
  AddressClass cls = ClassifySockaddr(&address->addr, address->addrlen);
  if (purpose != CURLSOCKTYPE_IPCXN) cls = AddressClass::kReserved;  // only outgoing IP connections
  if (!IsPublic(cls) && !hop->host_allowed) {
    hop->refused_class = cls;
    hop->refused_address = SockaddrText(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t OnHeader(char* data, size_t size, size_t count, void* userdata) {
  auto* hop = static_cast<Hop*>(userdata);
  const size_t len = size * count;
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {  // a new response (after a 1xx interim one): forget the last
    hop->location.clear();
    hop->declared_length = -1;
    return len;
  }
  line = TrimHttpWhitespace(line);
  if (line.empty()) {  // end of this response's headers
    long status = 0;
    curl_easy_getinfo(hop->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200) return len;  // 1xx: the real answer follows
    hop->status = status;
    if (status >= 300) {  // redirects and errors: the body is of no use, do not wait for it
      hop->body_unwanted = true;
      return 0;
    }
    if (hop->declared_length > hop->max_bytes) {
      hop->too_large = true;
      return 0;
    }
    if (hop->declared_length > 0) {
      try {
        hop->body.reserve(static_cast<size_t>(hop->declared_length));
      } catch (const std::bad_alloc&) {
        hop->out_of_memory = true;
        return 0;
      }
    }
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = AsciiLower(TrimHttpWhitespace(line.substr(0, colon)));
  std::string_view value = TrimHttpWhitespace(line.substr(colon + 1));
  if (name == "location") {
    hop->location = std::string(value);
  } else if (name == "content-length") {
    std::int64_t n = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && end == value.data() + value.size()) hop->declared_length = n;
    if (ec == std::errc::result_out_of_range) hop->declared_length = INT64_MAX;
  }
  return len;
}

// Receives decoded body bytes; aborts as soon as they would exceed the limit.
size_t OnBody(char* data, size_t size, size_t count, void* userdata) {
  auto* hop = static_cast<Hop*>(userdata);
  const size_t len = size * count;
  if (static_cast<std::int64_t>(hop->body.size() + len) > hop->max_bytes) {
    hop->too_large = true;
    return 0;
  }
  if (hop->body.size() + len > hop->body.capacity()) {
    // Reserve the whole limit once instead of growing by doubling: the reservation is address space,
    // and only the pages the body fills become resident, so a body costs its own size. Doubling cost
    // up to twice that (a 40 MiB limit held 64 MiB, plus the old buffer during each copy). Limits
    // over kMaxUpfrontReserve grow by doubling, never past the limit.
    const size_t limit = static_cast<size_t>(hop->max_bytes);
    const size_t wanted = limit <= kMaxUpfrontReserve
                              ? limit
                              : std::min(limit, std::max(hop->body.size() + len, 2 * hop->body.capacity()));
    try {
      hop->body.reserve(wanted);
    } catch (const std::bad_alloc&) {
      hop->out_of_memory = true;
      return 0;
    }
  }
  hop->body.append(data, len);
  return len;
}

// Configures `c` for one GET of `url` (after a reset, so nothing of the previous hop leaks into
// this one) and performs it. Every option matters for safety, so a rejected one is
// CURLE_FAILED_INIT and nothing is sent.
CURLcode PerformHop(CURL* c, const std::string& url, const std::string& user_agent, curl_slist* resolve,
                    long timeout_ms, long connect_ms, char* error, Hop* hop) {
  curl_easy_reset(c);
  bool ok = true;
  ok &= curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;  // Fetch follows, re-checking each hop
  // "" disables proxies, *_proxy environment variables included: a proxy would connect for us,
  // past OpenSocket.
  ok &= curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str()) == CURLE_OK;
  // Safe because OnBody counts decoded bytes, so a compression bomb still stops at max_bytes.
  ok &= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate") == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, hop) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_HEADERDATA, hop) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, hop) == CURLE_OK;
  if (resolve != nullptr) ok &= curl_easy_setopt(c, CURLOPT_RESOLVE, resolve) == CURLE_OK;
  if (!ok) return CURLE_FAILED_INIT;
  return curl_easy_perform(c);
}

Status RefusedAddress(const HttpUrl& url, const Hop& hop) {
  return InvalidArgument("refused to fetch " + QuoteForMessage(url.spec()) + ": host '" + url.host() + "' is at " +
                         hop.refused_address + ", a " + std::string(AddressClassName(*hop.refused_class)) +
                         " address; to allow it, add the host to ingest.fetch_allow_hosts");
}

}  // namespace

FetchOptions FetchOptionsFromConfig(const IngestConfig& ingest) {
  FetchOptions o;
  o.max_bytes = ingest.max_image_bytes;
  o.timeout_s = ingest.fetch_timeout_s;
  o.connect_timeout_s = ingest.fetch_connect_timeout_s;
  o.max_redirects = ingest.fetch_max_redirects;
  o.allow_hosts = ingest.fetch_allow_hosts;
  return o;
}

UrlFetcher::UrlFetcher(FetchOptions options) : options_(std::move(options)) {
  for (const std::string& h : options_.allow_hosts) normalized_allow_hosts_.push_back(NormalizeHost(h));
}

Result<FetchedResource> UrlFetcher::Fetch(std::string_view url_text) const {
  if (options_.timeout_s <= 0 || options_.max_bytes < 0 || options_.max_redirects < 0) {
    return Internal("UrlFetcher: timeout_s must be > 0, max_bytes and max_redirects >= 0");
  }
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl could not be initialised");
  IRIS_ASSIGN_OR_RETURN(HttpUrl url, HttpUrl::Parse(url_text));

  std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
  if (!easy) return Internal("libcurl could not create a handle");
  std::unique_ptr<curl_slist, CurlSlistDeleter> resolve;
  for (const std::string& entry : options_.resolve_overrides) {
    curl_slist* grown = curl_slist_append(resolve.get(), entry.c_str());
    if (grown == nullptr) return Internal("out of memory");
    static_cast<void>(resolve.release());  // not lost: grown is the same head, or the new list
    resolve.reset(grown);
  }

  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.timeout_s));
  const auto failure = [this](std::string message) {
    return options_.transient_errors_unavailable ? Unavailable(std::move(message))
                                                 : InvalidArgument(std::move(message));
  };
  const Status timed_out =
      failure("timed out after " + FormatSeconds(options_.timeout_s) + " s fetching " + QuoteForMessage(url_text));
  for (int redirects = 0;; ++redirects) {
    const auto remaining_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining_ms <= 0) return timed_out;
    const long connect_ms =
        std::clamp(static_cast<long>(options_.connect_timeout_s * 1000), 1L, static_cast<long>(remaining_ms));

    Hop hop;
    hop.easy = easy.get();
    hop.max_bytes = options_.max_bytes;
    hop.host_allowed = std::find(normalized_allow_hosts_.begin(), normalized_allow_hosts_.end(),
                                 NormalizeHost(url.host())) != normalized_allow_hosts_.end();
    char error[CURL_ERROR_SIZE] = "";

    // One handle for the whole fetch: a same-host redirect may reuse the (already checked)
    // connection.
    const CURLcode rc = PerformHop(easy.get(), url.spec(), options_.user_agent, resolve.get(),
                                   static_cast<long>(remaining_ms), connect_ms, error, &hop);
    if (rc == CURLE_FAILED_INIT) return Internal("libcurl rejected a fetch option (libcurl 7.85 or newer is required)");
    if (rc != CURLE_OK && hop.refused_class) return RefusedAddress(url, hop);
    if (hop.out_of_memory) {
      return Unavailable("not enough memory to receive the image at " + QuoteForMessage(url.spec()) + ", retry later");
    }
    if (hop.too_large) {
      return TooLarge("image URL body is larger than the limit of " + std::to_string(options_.max_bytes) +
                      " bytes: " + QuoteForMessage(url.spec()));
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      if (Clock::now() >= deadline - std::chrono::milliseconds(50)) return timed_out;
      return failure("connection timed out after " + FormatSeconds(options_.connect_timeout_s) + " s fetching " +
                     QuoteForMessage(url.spec()));
    }
    if (rc != CURLE_OK && !hop.body_unwanted) {
      return failure("could not fetch " + QuoteForMessage(url.spec()) + ": " +
                     (error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc))));
    }
    // Defence in depth: the connection used (possibly a reused one) must have passed OpenSocket.
    char* primary_ip = nullptr;
    if (curl_easy_getinfo(easy.get(), CURLINFO_PRIMARY_IP, &primary_ip) == CURLE_OK && primary_ip != nullptr &&
        !hop.host_allowed) {
      std::optional<AddressClass> cls = ClassifyAddressText(primary_ip);
      if (!cls || !IsPublic(*cls)) {
        hop.refused_class = cls.value_or(AddressClass::kReserved);
        hop.refused_address = primary_ip;
        return RefusedAddress(url, hop);
      }
    }

    long status = hop.status;
    if (status == 0) curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      FetchedResource out;
      out.body = std::move(hop.body);
      char* content_type = nullptr;
      if (curl_easy_getinfo(easy.get(), CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != nullptr) {
        out.content_type = content_type;
      }
      out.final_url = url.spec();
      out.http_status = static_cast<int>(status);
      return out;
    }
    if (!IsRedirect(status) || hop.location.empty()) {
      const std::string message = "image URL answered HTTP " + std::to_string(status);
      if (status == 408 || status == 429 || status >= 500) return failure(message);
      return InvalidArgument(message);
    }
    if (redirects >= options_.max_redirects) {
      return InvalidArgument("too many redirects (more than " + std::to_string(options_.max_redirects) + ") fetching " +
                             QuoteForMessage(url_text));
    }
    Result<HttpUrl> next = url.Resolve(hop.location);
    if (!next.ok()) return next.status().WithContext("redirect from " + QuoteForMessage(url.spec()));
    url = std::move(next).value();
  }
}

}  // namespace iris
