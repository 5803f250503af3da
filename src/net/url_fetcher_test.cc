#include "net/url_fetcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace iris {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// An httplib server on 127.0.0.1 and an ephemeral port, listening in a background thread.
// Handlers that stall must poll stopping() so the destructor can end them promptly.
class LoopbackServer {
 public:
  LoopbackServer() {
    server_.set_keep_alive_timeout(1);
    // Counted before routing, so the count is up to date by the time the client sees an answer.
    server_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
      ++requests_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  ~LoopbackServer() {
    stopping_ = true;
    if (thread_.joinable()) {
      while (!server_.is_running()) std::this_thread::sleep_for(1ms);
      server_.stop();
      thread_.join();
    }
  }

  httplib::Server& routes() { return server_; }

  // Binds and starts serving; call after adding routes.
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }

  int port() const { return port_; }
  int requests() const { return requests_; }
  bool stopping() const { return stopping_; }
  std::string Url(const std::string& host, const std::string& path) const {
    return "http://" + host + ":" + std::to_string(port_) + path;
  }

  // Sleeps in small steps until `d` passed or the server is stopping.
  void SleepUnlessStopping(std::chrono::milliseconds d) const {
    auto until = Clock::now() + d;
    while (!stopping_ && Clock::now() < until) std::this_thread::sleep_for(5ms);
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> stopping_{false};
};

// A bare listening socket that never accepts: after a refused fetch, an empty accept queue proves
// that no TCP connection was even attempted.
class SilentListener {
 public:
  explicit SilentListener(int family) {
    fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
      v4->sin_family = AF_INET;
      v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(*v4);
    } else {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
      v6->sin6_family = AF_INET6;
      v6->sin6_addr = in6addr_loopback;
      len = sizeof(*v6);
    }
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~SilentListener() { close(fd_); }

  int port() const { return port_; }
  bool SawConnection() const {
    int conn = accept(fd_, nullptr, nullptr);
    if (conn < 0) return false;
    close(conn);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

FetchOptions AllowLocalhost() {
  FetchOptions o;
  o.allow_hosts = {"localhost"};
  return o;
}

void ExpectRefusedAddress(const Result<FetchedResource>& r, const std::string& address_class) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(address_class), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("ingest.fetch_allow_hosts"), std::string::npos) << r.status().message();
}

// Default options except a short time limit, so a regression fails fast instead of waiting on a
// listener that never answers.
FetchOptions DefaultsWithShortTimeout() {
  FetchOptions o;
  o.timeout_s = 2;
  return o;
}

TEST(UrlFetcherTest, DefaultOptionsRefuseLoopbackBeforeConnecting) {
  SilentListener v4(AF_INET);
  UrlFetcher fetcher(DefaultsWithShortTimeout());
  const std::string port = std::to_string(v4.port());
  struct Case {
    std::string url;
    std::string address_class;
  };
  for (const Case& c : std::vector<Case>{{"http://127.0.0.1:" + port + "/", "loopback"},
                                         {"http://localhost:" + port + "/", "loopback"},
                                         {"http://LOCALHOST:" + port + "/", "loopback"},
                                         {"http://127.1:" + port + "/", "loopback"},
                                         {"http://2130706433:" + port + "/", "loopback"},
                                         {"http://0x7f.0.0.1:" + port + "/", "loopback"},
                                         {"http://[::ffff:127.0.0.1]:" + port + "/", "loopback"},
                                         {"http://0.0.0.0:" + port + "/", "unspecified"}}) {
    auto r = fetcher.Fetch(c.url);
    SCOPED_TRACE(c.url);
    ExpectRefusedAddress(r, c.address_class);
    EXPECT_FALSE(v4.SawConnection());
  }
}

TEST(UrlFetcherTest, DefaultOptionsRefuseIpv6LoopbackBeforeConnecting) {
  SilentListener v6(AF_INET6);
  UrlFetcher fetcher(DefaultsWithShortTimeout());
  ExpectRefusedAddress(fetcher.Fetch("http://[::1]:" + std::to_string(v6.port()) + "/"), "loopback");
  EXPECT_FALSE(v6.SawConnection());
}

TEST(UrlFetcherTest, CloudMetadataAndPrivateAddressesRefusedBeforeConnect) {
  // Refusal happens in the socket callback, so the message names the address class; a connection
  // attempt would instead end in a connect error or a timeout (these addresses are unroutable here).
  FetchOptions o;
  o.connect_timeout_s = 30;
  o.timeout_s = 60;
  UrlFetcher fetcher(o);
  auto metadata = fetcher.Fetch("http://169.254.169.254/latest/meta-data");
  ExpectRefusedAddress(metadata, "link-local");
  EXPECT_NE(metadata.status().message().find("169.254.169.254"), std::string::npos);
  ExpectRefusedAddress(fetcher.Fetch("http://10.0.0.1/"), "private");
  ExpectRefusedAddress(fetcher.Fetch("http://100.64.1.1/"), "carrier-grade NAT");
  ExpectRefusedAddress(fetcher.Fetch("http://[fd00::1]/"), "private");
  ExpectRefusedAddress(fetcher.Fetch("http://[fe80::1]/"), "link-local");
  ExpectRefusedAddress(fetcher.Fetch("https://192.168.1.1/x.png"), "private");
}

TEST(UrlFetcherTest, AllowedHostServesBodyAndContentType) {
  LoopbackServer server;
  const std::string image("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  server.routes().Get("/img", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(image, "image/png");
    res.set_header("X-Seen-Agent", req.get_header_value("User-Agent"));
  });
  server.Start();
  UrlFetcher fetcher(AllowLocalhost());
  auto r = fetcher.Fetch(server.Url("localhost", "/img"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, image);
  EXPECT_EQ(r->content_type, "image/png");
  EXPECT_EQ(r->http_status, 200);
  EXPECT_EQ(r->final_url, server.Url("localhost", "/img"));

  // Exact host match only: an allowed name does not allow its address or other names.
  EXPECT_FALSE(fetcher.Fetch(server.Url("127.0.0.1", "/img")).ok());
  FetchOptions by_ip;
  by_ip.allow_hosts = {"127.0.0.1"};
  auto r2 = UrlFetcher(by_ip).Fetch(server.Url("127.0.0.1", "/img"));
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->body, image);
  FetchOptions upper;
  upper.allow_hosts = {"LocalHost"};
  EXPECT_TRUE(UrlFetcher(upper).Fetch(server.Url("localhost", "/img")).ok());
}

TEST(UrlFetcherTest, SendsConfiguredUserAgentAndNoProxy) {
  LoopbackServer server;
  std::string agent;
  server.routes().Get("/img", [&](const httplib::Request& req, httplib::Response& res) {
    agent = req.get_header_value("User-Agent");
    res.set_content("real", "image/png");
  });
  server.Start();
  LoopbackServer proxy;  // would answer every request if the environment's proxy were honoured
  proxy.routes().Get(R"(.*)",
                     [](const httplib::Request&, httplib::Response& res) { res.set_content("proxy", "image/png"); });
  proxy.Start();
  const std::string proxy_url = proxy.Url("127.0.0.1", "");
  setenv("http_proxy", proxy_url.c_str(), 1);
  setenv("HTTP_PROXY", proxy_url.c_str(), 1);
  setenv("ALL_PROXY", proxy_url.c_str(), 1);
  FetchOptions o;
  o.allow_hosts = {"images.test"};
  o.resolve_overrides = {"images.test:" + std::to_string(server.port()) + ":127.0.0.1"};
  o.user_agent = "iris-test/9";
  auto r = UrlFetcher(o).Fetch(server.Url("images.test", "/img"));
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  unsetenv("ALL_PROXY");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "real");
  EXPECT_EQ(agent, "iris-test/9");
  EXPECT_EQ(proxy.requests(), 0);
}

TEST(UrlFetcherTest, RedirectFromAllowedHostToLoopbackIsRefused) {
  LoopbackServer internal;
  internal.routes().Get(
      "/secret", [](const httplib::Request&, httplib::Response& res) { res.set_content("secret", "text/plain"); });
  internal.Start();
  LoopbackServer allowed;
  allowed.routes().Get("/go", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(internal.Url("127.0.0.1", "/secret"), 302);
  });
  allowed.Start();
  auto r = UrlFetcher(AllowLocalhost()).Fetch(allowed.Url("localhost", "/go"));
  ExpectRefusedAddress(r, "loopback");
  EXPECT_EQ(allowed.requests(), 1);
  EXPECT_EQ(internal.requests(), 0);
}

TEST(UrlFetcherTest, RelativeRedirectsAreFollowed) {
  LoopbackServer server;
  server.routes().Get("/a/start", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("next", 301);  // relative to /a/
  });
  server.routes().Get("/a/next",
                      [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/img", 307); });
  server.routes().Get("/img",
                      [](const httplib::Request&, httplib::Response& res) { res.set_content("pixels", "image/jpeg"); });
  server.Start();
  auto r = UrlFetcher(AllowLocalhost()).Fetch(server.Url("localhost", "/a/start"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "pixels");
  EXPECT_EQ(r->content_type, "image/jpeg");
  EXPECT_EQ(r->final_url, server.Url("localhost", "/img"));
}

TEST(UrlFetcherTest, RedirectChainLongerThanMaxIsRefused) {
  LoopbackServer server;
  server.routes().Get(R"(/r/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    int n = std::stoi(req.matches[1]);
    if (n == 0) {
      res.set_content("end", "image/png");
    } else {
      res.set_redirect("/r/" + std::to_string(n - 1), 302);
    }
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.max_redirects = 2;
  UrlFetcher fetcher(o);
  auto ok = fetcher.Fetch(server.Url("localhost", "/r/2"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body, "end");
  auto r = fetcher.Fetch(server.Url("localhost", "/r/3"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("too many redirects"), std::string::npos) << r.status().message();
}

TEST(UrlFetcherTest, RedirectToOtherSchemeIsRefused) {
  LoopbackServer server;
  server.routes().Get(
      "/ftp", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("ftp://localhost/x.png", 302); });
  server.routes().Get(
      "/file", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("file:///etc/passwd", 302); });
  server.Start();
  UrlFetcher fetcher(AllowLocalhost());
  for (const char* path : {"/ftp", "/file"}) {
    auto r = fetcher.Fetch(server.Url("localhost", path));
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("only http:// and https://"), std::string::npos) << r.status().message();
  }
}

TEST(UrlFetcherTest, DnsRebindingToLoopbackIsRefused) {
  LoopbackServer server;
  server.routes().Get(
      "/", [](const httplib::Request&, httplib::Response& res) { res.set_content("internal", "image/png"); });
  server.Start();
  FetchOptions o;
  o.resolve_overrides = {"images.test:" + std::to_string(server.port()) + ":127.0.0.1"};
  auto r = UrlFetcher(o).Fetch(server.Url("images.test", "/"));
  ExpectRefusedAddress(r, "loopback");
  EXPECT_NE(r.status().message().find("images.test"), std::string::npos);
  EXPECT_EQ(server.requests(), 0);

  o.allow_hosts = {"images.test"};  // the override really points at the server
  auto allowed = UrlFetcher(o).Fetch(server.Url("images.test", "/"));
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(allowed->body, "internal");
}

TEST(UrlFetcherTest, ContentLengthOverLimitIsTooLarge) {
  LoopbackServer server;
  server.routes().Get(R"(/bytes/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(std::string(std::stoul(req.matches[1]), 'x'), "image/png");
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.max_bytes = 4096;
  UrlFetcher fetcher(o);
  auto r = fetcher.Fetch(server.Url("localhost", "/bytes/4097"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge) << r.status().ToString();
  auto exact = fetcher.Fetch(server.Url("localhost", "/bytes/4096"));
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->body.size(), 4096u);
}

TEST(UrlFetcherTest, DeclaredLengthOverLimitIsRefusedBeforeTheBody) {
  LoopbackServer server;
  server.routes().Get("/huge", [&](const httplib::Request&, httplib::Response& res) {
    // Declares 1 GB, then sends nothing: only the Content-Length check can answer before the timeout.
    res.set_content_provider(size_t{1} << 30, "image/png", [&](size_t, size_t, httplib::DataSink&) {
      server.SleepUnlessStopping(10s);
      return false;
    });
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.max_bytes = 1 << 20;
  o.timeout_s = 5;
  auto r = UrlFetcher(o).Fetch(server.Url("localhost", "/huge"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge) << r.status().ToString();
}

TEST(UrlFetcherTest, EndlessChunkedBodyIsCutOffAsTooLarge) {
  LoopbackServer server;
  std::atomic<size_t> sent{0};
  server.routes().Get("/endless", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("image/png", [&](size_t, httplib::DataSink& sink) {
      if (server.stopping() || sent > (64u << 20)) return false;
      std::string chunk(8192, 'y');
      sent += chunk.size();
      return sink.write(chunk.data(), chunk.size());
    });
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.max_bytes = 100000;
  auto r = UrlFetcher(o).Fetch(server.Url("localhost", "/endless"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge) << r.status().ToString();
  EXPECT_LT(sent.load(), 64u << 20) << "the fetcher read the whole endless body";
}

// gzip of 256 KiB of zero bytes (289 bytes on the wire), and of "hello gzip".
std::string GzipOfZeros() {
  std::string out(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xed\xc1\x31\x01\x00\x00\x00\xc2\xa0\xf5\x4f\xed\x6d\x07\xa0", 25);
  out.append(254, '\0');
  out.append("\xde\x00\x22\xea\x0e\xe2\x00\x00\x04\x00", 10);
  return out;
}
const std::string kGzipHello(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x48\xcd\xc9\xc9\x57\x48\xaf\xca\x2c\x00\x00\x19\x6a\xd2\xdf\x0a\x00"
    "\x00\x00",
    30);

TEST(UrlFetcherTest, SizeLimitCountsDecodedGzipBytes) {
  LoopbackServer server;
  std::string accept_encoding;
  server.routes().Get("/bomb", [&](const httplib::Request& req, httplib::Response& res) {
    accept_encoding = req.get_header_value("Accept-Encoding");
    res.set_header("Content-Encoding", "gzip");
    res.set_content(GzipOfZeros(), "image/png");
  });
  server.routes().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(kGzipHello, "text/plain");
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.max_bytes = 64 << 10;  // far above the 289 compressed bytes, far below the 256 KiB decoded
  UrlFetcher fetcher(o);
  auto hello = fetcher.Fetch(server.Url("localhost", "/hello"));
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_EQ(hello->body, "hello gzip");
  auto bomb = fetcher.Fetch(server.Url("localhost", "/bomb"));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), StatusCode::kTooLarge) << bomb.status().ToString();
  EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
}

TEST(UrlFetcherTest, StallingServerTimesOut) {
  LoopbackServer server;
  server.routes().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("image/png", [&](size_t offset, httplib::DataSink& sink) {
      if (offset == 0) return sink.write("head", 4);  // headers and a first chunk, then nothing
      server.SleepUnlessStopping(50ms);
      return !server.stopping();
    });
  });
  server.routes().Get("/trickle", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("image/png", [&](size_t, httplib::DataSink& sink) {
      server.SleepUnlessStopping(100ms);
      return !server.stopping() && sink.write("z", 1);
    });
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.timeout_s = 1;
  UrlFetcher fetcher(o);
  for (const char* path : {"/stall", "/trickle"}) {
    auto start = Clock::now();
    auto r = fetcher.Fetch(server.Url("localhost", path));
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("timed out after 1 s"), std::string::npos) << r.status().message();
    EXPECT_GE(elapsed, 0.9) << path;
    EXPECT_LT(elapsed, 3.0) << path;  // the deadline is enforced, not merely reported
  }
}

TEST(UrlFetcherTest, TimeLimitCoversAllRedirectHops) {
  LoopbackServer server;
  server.routes().Get(R"(/slow/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    server.SleepUnlessStopping(400ms);
    int n = std::stoi(req.matches[1]);
    if (n == 0) {
      res.set_content("late", "image/png");
    } else {
      res.set_redirect("/slow/" + std::to_string(n - 1), 302);
    }
  });
  server.Start();
  FetchOptions o = AllowLocalhost();
  o.timeout_s = 1;  // each hop alone is well within it; four hops are not
  auto start = Clock::now();
  auto r = UrlFetcher(o).Fetch(server.Url("localhost", "/slow/3"));
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("timed out after 1 s"), std::string::npos) << r.status().message();
  EXPECT_LT(elapsed, 3.0);
}

TEST(UrlFetcherTest, ErrorStatusIsInvalidArgumentWithoutBody) {
  LoopbackServer server;
  server.routes().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("SECRET-INTERNAL-DETAIL", "text/plain");
  });
  server.routes().Get("/broken", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("SECRET-INTERNAL-DETAIL", "text/plain");
  });
  server.Start();
  UrlFetcher fetcher(AllowLocalhost());
  auto missing = fetcher.Fetch(server.Url("localhost", "/missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "image URL answered HTTP 404");
  auto broken = fetcher.Fetch(server.Url("localhost", "/broken"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().message(), "image URL answered HTTP 500");
}

TEST(UrlFetcherTest, TransientFailuresAreUnavailableWhenAskedForRetries) {
  LoopbackServer server;
  for (int code : {404, 408, 429, 500, 503}) {
    server.routes().Get(std::string("/").append(std::to_string(code)),
                        [code](const httplib::Request&, httplib::Response& res) { res.status = code; });
  }
  server.Start();
  FetchOptions options = AllowLocalhost();
  options.transient_errors_unavailable = true;
  UrlFetcher fetcher(options);
  EXPECT_EQ(fetcher.Fetch(server.Url("localhost", "/404")).status().code(), StatusCode::kInvalidArgument);
  for (const char* path : {"/408", "/429", "/500", "/503"}) {
    auto r = fetcher.Fetch(server.Url("localhost", path));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << path;
  }
  int closed_port = 0;
  {
    SilentListener gone(AF_INET);
    closed_port = gone.port();
  }
  options.allow_hosts = {"127.0.0.1"};
  auto refused = UrlFetcher(options).Fetch("http://127.0.0.1:" + std::to_string(closed_port) + "/x.png");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status().ToString();
  // A refused address is never worth retrying.
  FetchOptions strict;
  strict.transient_errors_unavailable = true;
  EXPECT_EQ(UrlFetcher(strict).Fetch(server.Url("localhost", "/503")).status().code(), StatusCode::kInvalidArgument);
}

TEST(UrlFetcherTest, NonHttpAndMalformedUrlsAreInvalidArgument) {
  UrlFetcher fetcher(AllowLocalhost());
  for (const char* url :
       {"ftp://localhost/x.png", "file:///etc/passwd", "gopher://localhost:70/_GET", "", "not a url", "http://",
        "//localhost/x", "localhost/x.png", "http://user:pw@localhost/x", "http://exa mple.com/"}) {
    auto r = fetcher.Fetch(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url << ": " << r.status().ToString();
  }
  EXPECT_NE(fetcher.Fetch("file:///etc/passwd").status().message().find("only http:// and https://"),
            std::string::npos);
}

TEST(UrlFetcherTest, ConnectionRefusedReportsCurlReason) {
  int closed_port = 0;
  {
    SilentListener gone(AF_INET);
    closed_port = gone.port();
  }
  FetchOptions o;
  o.allow_hosts = {"127.0.0.1"};
  auto r = UrlFetcher(o).Fetch("http://127.0.0.1:" + std::to_string(closed_port) + "/x.png");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("could not fetch"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("onnect"), std::string::npos) << r.status().message();
}

TEST(UrlFetcherTest, ConcurrentFetchesShareOneFetcher) {
  LoopbackServer server;
  server.routes().Get(R"(/n/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("body-" + req.matches[1].str(), "image/png");
  });
  server.Start();
  const UrlFetcher fetcher(AllowLocalhost());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  // 4 threads: httplib's listen backlog is 5, more simultaneous connects wait for SYN retries.
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string id = std::to_string(t * 100 + i);
        auto r = fetcher.Fetch(server.Url("localhost", "/n/" + id));
        if (r.ok() && r->body == "body-" + id) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 40);
}

TEST(UrlFetcherTest, OptionsFromIngestConfig) {
  IngestConfig ingest;
  ingest.max_image_bytes = 123;
  ingest.fetch_timeout_s = 7;
  ingest.fetch_connect_timeout_s = 2;
  ingest.fetch_max_redirects = 1;
  ingest.fetch_allow_hosts = {"images.internal"};
  FetchOptions o = FetchOptionsFromConfig(ingest);
  EXPECT_EQ(o.max_bytes, 123);
  EXPECT_EQ(o.timeout_s, 7);
  EXPECT_EQ(o.connect_timeout_s, 2);
  EXPECT_EQ(o.max_redirects, 1);
  EXPECT_EQ(o.allow_hosts, std::vector<std::string>{"images.internal"});
}

}  // namespace
}  // namespace iris
