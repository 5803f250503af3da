#include "api/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <thread>

#include "api/admission_queue.h"
#include "api/exchange.h"
#include "api/http_errors.h"
#include "api/router.h"
#include "api/socket_stream.h"
#include "core/logging.h"

namespace iris::api {
namespace {

constexpr std::size_t kKeepAliveMaxRequests = 1000;
// How often a waiting connection re-checks for shutdown and for connections queued behind it.
constexpr std::chrono::milliseconds kWaitSlice{25};
// An idle keep-alive connection gives its worker up to a queued connection after this long.
constexpr std::chrono::milliseconds kYieldAfterIdle{20};
// When a body was cut off (too large), how long to keep discarding what the client still sends
// so that closing does not reset the connection before it reads the 413.
constexpr std::chrono::milliseconds kDrainAfterAbort{1000};
constexpr std::size_t kDrainAfterAbortBytes = 64u << 20;

// Bounded label values: unknown methods collapse into OTHER.
std::string MethodLabel(const std::string& method) {
  static const std::set<std::string> kKnown = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  return kKnown.count(method) ? method : "OTHER";
}

void ReplaceHeader(httplib::Response& res, const std::string& name, const std::string& value) {
  res.headers.erase(name);
  res.set_header(name, value);
}

void CloseSocket(int fd, bool drain) {
  ::shutdown(fd, SHUT_WR);
  char buf[16 * 1024];
  if (drain) {
    auto deadline = std::chrono::steady_clock::now() + kDrainAfterAbort;
    std::size_t drained = 0;
    while (drained < kDrainAfterAbortBytes) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
  } else {
    // Discard what already arrived (e.g. a pipelined request we will not serve) so close()
    // sends FIN rather than a reset.
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
  }
  ::close(fd);
}

}  // namespace

int EffectiveWorkerThreads(const ServerConfig& config) {
  if (config.worker_threads > 0) return config.worker_threads;
  int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(8, 4 * std::max(hw, 1));
}

HttpServer::HttpServer(const ServerConfig& config, MetricsRegistry& metrics)
    : config_(config),
      worker_threads_(EffectiveWorkerThreads(config)),
      requests_total_(metrics.Counter("iris_http_requests_total", "HTTP requests answered, by route template",
                                      {"method", "route", "status"})),
      request_duration_(metrics.Histogram("iris_http_request_duration_seconds",
                                          "Time from a request's first byte to its last response byte",
                                          {"method", "route"})),
      in_flight_(metrics.Gauge("iris_http_requests_in_flight", "HTTP requests being served now")),
      rejected_total_(metrics.Counter("iris_http_rejected_total",
                                      "Connections refused with 503 before being read, by reason", {"reason"})) {
  metrics.AddCollector([this] {
    return std::vector<CollectedMetric>{
        {"iris_http_queued_connections",
         "Accepted connections waiting for a worker",
         MetricType::kGauge,
         {{{}, static_cast<double>(queued_connections_.load())}}},
        {"iris_http_worker_threads",
         "HTTP worker threads",
         MetricType::kGauge,
         {{{}, static_cast<double>(worker_threads_)}}},
    };
  });
  // Responses are written as header + body: without TCP_NODELAY, Nagle plus the client's delayed ACK
  // adds ~40 ms to every keep-alive request.
  set_tcp_nodelay(true);
  // httplib 0.11's default sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently share its traffic; a port in use must be a start-up error instead.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  set_keep_alive_timeout(config_.keep_alive_timeout_s);
  set_keep_alive_max_count(kKeepAliveMaxRequests);
  set_read_timeout(config_.read_timeout_s, 0);
  set_payload_max_length(static_cast<std::size_t>(config_.max_body_bytes));
  new_task_queue = [this] {
    return new AdmissionQueue(static_cast<std::size_t>(worker_threads_),
                              static_cast<std::size_t>(config_.max_queued_connections), queued_connections_,
                              [this] { rejected_total_.Increment({"queue_full"}); });
  };
  InstallHandlers();
}

HttpServer::~HttpServer() = default;

void HttpServer::InstallHandlers() {
  // Fills in the JSON body of every error the HTTP layer produced itself; a handler's own error
  // already has its body. Returning Handled makes httplib recompute Content-Length.
  set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    Exchange* ex = CurrentExchange();
    if (ex && ex->body_too_large) {
      res.status = 413;
      res.body.clear();
      ex->close_connection = true;
    }
    if (res.status == 404 && res.body.empty() && !(ex && ex->routed) && allowed_methods_) {
      auto methods = allowed_methods_(req.path);
      if (!methods.empty()) {
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
        res.status = 405;
        ReplaceHeader(res, "Allow", allow);
      }
    }
    if (res.body.empty() && !res.content_provider_) {
      std::string id = ex ? ex->context.request_id() : std::string();
      res.set_content(ErrorBody(DetailForHttpStatus(res.status, req.method, req.path, id)), "application/json");
    }
    if (NeedsRetryAfter(res.status) && !res.has_header("Retry-After")) {
      res.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Handlers run by Router never throw (it catches); this covers httplib's own code paths.
  set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    Exchange* ex = CurrentExchange();
    std::string id = ex ? ex->context.request_id() : NewRequestId();
    std::string cause = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      cause = e.what();
    } catch (...) {
    }
    WriteResponse(ErrorResponse(Internal(cause), id), res);
  });

  set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto length = req.get_header_value<std::uint64_t>("Content-Length");
    if (length > static_cast<std::uint64_t>(config_.max_body_bytes)) {
      if (Exchange* ex = CurrentExchange()) ex->close_connection = true;
      res.status = 413;
      return 413;
    }
    return 100;
  });

  // Runs on every response just before it is written.
  set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    Exchange* ex = CurrentExchange();
    if (ex && ex->context.request_id().empty()) ex->context.set_request_id(NewRequestId());
    ReplaceHeader(res, "X-Request-Id", ex ? ex->context.request_id() : NewRequestId());
    if (shutting_down_.load() || (ex && ex->close_connection)) {
      res.headers.erase("Keep-Alive");
      ReplaceHeader(res, "Connection", "close");
    }
  });

  set_logger([this](const httplib::Request& req, const httplib::Response& res) { RecordExchange(req, res); });
}

void HttpServer::RecordExchange(const httplib::Request& req, const httplib::Response& res) {
  Exchange* ex = CurrentExchange();
  double seconds = ex ? std::chrono::duration<double>(std::chrono::steady_clock::now() - ex->start).count() : 0.0;
  std::string route = ex && !ex->context.route().empty() ? ex->context.route() : "unmatched";
  std::string method = MethodLabel(req.method);
  requests_total_.Increment({method, route, std::to_string(res.status)});
  request_duration_.Observe({method, route}, seconds);
  if (!LogEnabled(LogLevel::kInfo)) return;
  // Multipart bodies are parsed into req.files and leave req.body empty: count what was sent.
  std::size_t bytes_in = req.body.size();
  if (bytes_in == 0 && req.has_header("Content-Length")) {
    bytes_in = static_cast<std::size_t>(std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10));
  }
  // Never the query string or bodies: they may carry image URLs with tokens or user data.
  LogInfo("http.request", {{"request_id", ex ? ex->context.request_id() : ""},
                           {"method", req.method},
                           {"path", req.path},
                           {"route", route},
                           {"status", res.status},
                           {"duration_ms", std::round(seconds * 1e6) / 1e3},
                           {"bytes_in", bytes_in},
                           {"bytes_out", res.body.empty() ? res.content_length_ : res.body.size()},
                           {"stages", ex ? ex->context.StagesJson() : nlohmann::json::object()}});
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    int bound = bind_to_any_port(host);
    if (bound <= 0) return Unavailable("cannot listen on " + host + " (any port)");
    return bound;
  }
  if (!bind_to_port(host, port)) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port) + " (address in use or not local?)");
  }
  return port;
}

void HttpServer::Serve() { listen_after_bind(); }

void HttpServer::BeginShutdown() {
  shutting_down_.store(true);
  stop();  // closes the listening socket: new connections are refused by the kernel
}

std::string HttpServer::RejectionResponse() const {
  std::string body = ErrorBody("server overloaded: too many connections waiting, retry later");
  return "HTTP/1.1 503 Service Unavailable\r\n"
         "Content-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) +
         "\r\n"
         "Retry-After: " +
         std::to_string(kRetryAfterSeconds) +
         "\r\n"
         "X-Request-Id: " +
         NewRequestId() +
         "\r\n"
         "Connection: close\r\n\r\n" +
         body;
}

HttpServer::WaitResult HttpServer::WaitForRequest(int fd, bool first_request) const {
  auto start = std::chrono::steady_clock::now();
  auto timeout =
      first_request ? std::chrono::seconds(config_.read_timeout_s) : std::chrono::seconds(config_.keep_alive_timeout_s);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 0);
    if (r > 0) return WaitResult::kReadable;  // data, or the peer closed (httplib then sees EOF)
    if (r < 0 && errno != EINTR) return WaitResult::kClose;
    // A connection accepted before shutdown began is served only if its request is already here.
    if (shutting_down_.load()) return WaitResult::kClose;
    auto idle = std::chrono::steady_clock::now() - start;
    if (idle >= timeout) return WaitResult::kClose;
    if (!first_request && idle >= kYieldAfterIdle && queued_connections_.load() > 0) return WaitResult::kClose;
    r = ::poll(&p, 1, static_cast<int>(kWaitSlice.count()));
    if (r > 0) return WaitResult::kReadable;
  }
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  if (AdmissionQueue::RejectingOnThisThread()) {
    LogWarn("http.rejected", {{"reason", "queue_full"}, {"queued", queued_connections_.load()}});
    rejecter_.Reject(sock, RejectionResponse());
    return false;
  }
  SocketStream stream(sock, std::chrono::seconds(config_.read_timeout_s), std::chrono::seconds(5));
  bool ok = true;
  bool drain = false;
  for (std::size_t served = 0; served < kKeepAliveMaxRequests; ++served) {
    if (!stream.HasBufferedInput() && WaitForRequest(sock, served == 0) == WaitResult::kClose) break;
    Exchange exchange;
    ScopedExchange scope(exchange);
    stream.DisarmBodyLimit();
    active_requests_.fetch_add(1);
    bool counted_in_flight = false;
    bool close = served + 1 == kKeepAliveMaxRequests || shutting_down_.load();
    bool connection_closed = false;
    ok = process_request(stream, close, connection_closed, [&](httplib::Request& req) {
      // Headers are parsed: the request exists from here on.
      // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3), as
      // `curl -X POST URL` sends it; without this, httplib would wait for the client to close.
      if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
        req.headers.emplace("Content-Length", "0");
      }
      // httplib would apply the parsed Range to every 2xx answer itself, building multipart bodies
      // in memory (thousands of "0-" ranges multiply a blob). Routes that serve ranges read the
      // Range header, which stays in req.headers, and answer it themselves (api/byte_range.h).
      req.ranges.clear();
      std::string client_id = req.get_header_value("X-Request-Id");
      exchange.context.set_request_id(IsValidRequestId(client_id) ? client_id : NewRequestId());
      stream.ArmBodyLimit(static_cast<std::size_t>(config_.max_body_bytes), &exchange.body_too_large);
      in_flight_.Add({}, 1);
      counted_in_flight = true;
    });
    if (counted_in_flight) in_flight_.Add({}, -1);
    active_requests_.fetch_sub(1);
    if (exchange.body_too_large) drain = true;
    if (!ok || connection_closed || close || exchange.close_connection || shutting_down_.load()) break;
  }
  CloseSocket(sock, drain);
  return ok;
}

}  // namespace iris::api
