#include "api/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include "api/admission_queue.h"
#include "api/exchange.h"
#include "api/http_errors.h"
#include "api/request_head.h"
#include "api/router.h"
#include "api/socket_stream.h"
#include "core/ascii_text.h"
#include "core/logging.h"

namespace iris::api {
namespace {

constexpr std::size_t kKeepAliveMaxRequests = 1000;
// Health probes waiting for the probe lane's worker; beyond it, 503 (a prober this far behind is
// better told at once).
constexpr std::size_t kProbeQueue = 64;
constexpr std::chrono::seconds kWriteTimeout{5};
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

// httplib's accept loop gives each accepted socket to its TaskQueue. Ours runs the task at once on
// the accept thread, where process_and_close_socket hands the socket to the receiver without
// blocking; shutdown() is called when the accept loop ends.
class HandOffQueue : public httplib::TaskQueue {
 public:
  explicit HandOffQueue(std::function<void()> on_shutdown) : on_shutdown_(std::move(on_shutdown)) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {
    if (on_shutdown_) on_shutdown_();
    on_shutdown_ = nullptr;
  }

 private:
  std::function<void()> on_shutdown_;
};

std::string ErrorResponseText(int status, std::string_view reason_phrase, std::string_view detail) {
  std::string body = ErrorBody(detail);
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase) +
                     "\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n";
  if (NeedsRetryAfter(status)) text += "Retry-After: " + std::to_string(kRetryAfterSeconds) + "\r\n";
  text += "X-Request-Id: " + NewRequestId() + "\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" + body;
  return text;
}

// RFC 9112 6.3: Content-Length values that cannot be parsed or that differ make the body's length
// unknowable; the request must be refused and the connection closed (httplib would use the first).
bool HasBadContentLength(const httplib::Headers& headers) {
  std::optional<std::uint64_t> length;
  auto [begin, end] = headers.equal_range("Content-Length");
  for (auto it = begin; it != end; ++it) {
    std::string_view value = TrimHttpWhitespace(it->second);
    std::uint64_t parsed = 0;
    auto [stop, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || ec != std::errc() || stop != value.data() + value.size()) return true;
    if (length && *length != parsed) return true;
    length = parsed;
  }
  return false;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
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
        {"iris_http_open_connections",
         "Client connections held by the receiver (idle or still sending a request)",
         MetricType::kGauge,
         {{{}, static_cast<double>(receiver_ ? receiver_->open_connections() : 0)}}},
        {"iris_http_queued_connections",
         "Received requests waiting for a worker",
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
  set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;  // the listening socket being made (httplib calls this only for it)
  });
  set_keep_alive_timeout(config_.keep_alive_timeout_s);
  set_keep_alive_max_count(kKeepAliveMaxRequests);
  set_read_timeout(config_.read_timeout_s, 0);
  set_payload_max_length(static_cast<std::size_t>(config_.max_body_bytes));
  new_task_queue = [this] { return new HandOffQueue([this] { StopReceivingAndWorkers(); }); };
  InstallHandlers();
}

HttpServer::~HttpServer() { StopReceivingAndWorkers(); }

void HttpServer::StopReceivingAndWorkers() {
  if (receiver_) receiver_->Stop();  // hands over requests already here, closes the rest
  if (workers_) workers_->shutdown();
  if (probe_workers_) probe_workers_->shutdown();
}

void HttpServer::InstallHandlers() {
  // Fills in the JSON body of every error the HTTP layer produced itself; a handler's own error
  // already has its body. Returning Handled makes httplib recompute Content-Length.
  set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    Exchange* ex = CurrentExchange();
    if (ex && ex->body_too_large) {
      res.status = 413;
      res.body.clear();
      ex->close_connection = true;
    } else if (ex && ex->request_timed_out) {
      res.status = 408;
      res.body.clear();
      ex->close_connection = true;
    }
    if (ex && !ex->head_parsed) {
      // httplib could not parse the request line or header fields (400, 414): what follows on the
      // connection cannot be framed, so it is closed after the answer.
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
      std::string detail = res.status == 408 ? "request not received within " + std::to_string(config_.read_timeout_s) +
                                                   " s of its first byte (server.read_timeout_s)"
                                             : DetailForHttpStatus(res.status, req.method, req.path, id);
      res.set_content(ErrorBody(detail), "application/json");
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

  // Runs after the head is parsed and before the body is read or a route runs.
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    Exchange* ex = CurrentExchange();
    if (!ex || !ex->bad_framing) {
      if (!filter_ || !filter_->Intercept(req, res)) return httplib::Server::HandlerResponse::Unhandled;
      // The body was not read: whatever follows on the connection cannot be framed.
      if (ex && (req.get_header_value<std::uint64_t>("Content-Length") > 0 || req.has_header("Transfer-Encoding"))) {
        ex->close_connection = true;
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    ex->close_connection = true;
    res.status = 400;
    res.set_content(ErrorBody("malformed HTTP request: Content-Length is unparseable or given twice with different "
                              "values"),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
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
  set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    Exchange* ex = CurrentExchange();
    if (filter_) filter_->Decorate(req, res);
    if (ex && ex->context.request_id().empty()) ex->context.set_request_id(NewRequestId());
    ReplaceHeader(res, "X-Request-Id", ex ? ex->context.request_id() : NewRequestId());
    // Stored originals are client bytes: a browser must not sniff them into HTML or script.
    ReplaceHeader(res, "X-Content-Type-Options", "nosniff");
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
  // Never the query string, bodies or headers: they may carry image URLs with tokens, user data or
  // API keys (only the key's public id is logged).
  LogInfo("http.request",
          {{"request_id", ex ? ex->context.request_id() : ""},
           {"method", req.method},
           {"path", req.path},
           {"route", route},
           {"status", res.status},
           {"duration_ms", std::round(seconds * 1e6) / 1e3},
           {"bytes_in", bytes_in},
           {"bytes_out", res.body.empty() ? res.content_length_ : res.body.size()},
           {"key_id", ex && !ex->context.key_id().empty() ? nlohmann::json(ex->context.key_id()) : nlohmann::json()},
           {"stages", ex ? ex->context.StagesJson() : nlohmann::json::object()}});
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    port = bind_to_any_port(host);
    if (port <= 0) return Unavailable("cannot listen on " + host + " (any port)");
  } else if (!bind_to_port(host, port)) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port) + " (address in use or not local?)");
  }
  // httplib 0.11 listens with a backlog of 5: a burst of connections beyond it has its SYNs dropped
  // and each waits a 1 s retransmission. Listening again only raises the backlog.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  return port;
}

void HttpServer::Serve() {
  workers_ = std::make_unique<AdmissionQueue>(
      static_cast<std::size_t>(worker_threads_), static_cast<std::size_t>(config_.max_queued_connections),
      queued_connections_, [this] { rejected_total_.Increment({"queue_full"}); });
  probe_workers_ = std::make_unique<AdmissionQueue>(1, kProbeQueue, queued_probes_,
                                                    [this] { rejected_total_.Increment({"probe_queue_full"}); });
  ReceiverLimits limits;
  limits.max_connections = static_cast<std::size_t>(config_.max_connections);
  limits.header_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(config_.header_timeout_s * 1000));
  limits.request_timeout = std::chrono::seconds(config_.read_timeout_s);
  limits.keep_alive_timeout = std::chrono::seconds(config_.keep_alive_timeout_s);
  limits.max_buffered_body = static_cast<std::size_t>(config_.max_body_bytes);
  limits.buffer_budget = static_cast<std::size_t>(config_.max_buffered_request_bytes);
  receiver_ = std::make_unique<RequestReceiver>(
      limits,
      [this](ReceivedRequest request) {
        const bool probe = IsHealthProbe(request.buffered);
        auto shared = std::make_shared<ReceivedRequest>(std::move(request));
        (probe ? probe_workers_ : workers_)->enqueue([this, shared, probe] {
          ServeConnection(std::move(*shared), probe);
        });
      },
      [this](int fd, int status, std::string_view detail, std::string_view reason) {
        Refuse(fd, status, detail, reason);
      });
  listen_after_bind();
  StopReceivingAndWorkers();
}

void HttpServer::Refuse(int fd, int status, std::string_view detail, std::string_view reason) {
  rejected_total_.Increment({std::string(reason)});
  LogWarn("http.rejected", {{"reason", reason}, {"status", status}});
  rejecter_.Reject(fd, ErrorResponseText(status, ReasonPhrase(status), detail));
}

void HttpServer::BeginShutdown() {
  shutting_down_.store(true);
  stop();  // closes the listening socket: new connections are refused by the kernel
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  receiver_->Adopt(ReceivedRequest{sock, {}, {}, 0});
  return true;
}

void HttpServer::ServeConnection(ReceivedRequest request, bool probe_lane) {
  const int sock = request.fd;
  if (AdmissionQueue::RejectingOnThisThread()) {
    LogWarn("http.rejected", {{"reason", "queue_full"}, {"queued", queued_connections_.load()}});
    rejecter_.Reject(sock, ErrorResponseText(503, "Service Unavailable",
                                             "server overloaded: too many requests waiting, retry later"));
    return;
  }
  SocketStream stream(sock, std::move(request.buffered), kWriteTimeout);
  auto request_start = request.first_byte;
  bool drain = false;
  for (std::size_t served = request.served_before; served < kKeepAliveMaxRequests;) {
    Exchange exchange;
    exchange.start = request_start;
    ScopedExchange scope(exchange);
    stream.SetReadDeadline(request_start + std::chrono::seconds(config_.read_timeout_s), &exchange.request_timed_out);
    stream.DisarmBodyLimit();
    active_requests_.fetch_add(1);
    bool counted_in_flight = false;
    bool close = served + 1 == kKeepAliveMaxRequests || shutting_down_.load();
    bool connection_closed = false;
    bool ok = process_request(stream, close, connection_closed, [&](httplib::Request& req) {
      // Headers are parsed: the request exists from here on.
      exchange.head_parsed = true;
      if (HasBadContentLength(req.headers)) {
        // Read no body (its length is unknown); the pre-routing handler answers 400 and closes.
        exchange.bad_framing = true;
        req.headers.erase("Content-Length");
        req.headers.erase("Transfer-Encoding");
      }
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
    ++served;
    if (exchange.body_too_large) drain = true;
    if (!ok || connection_closed || close || exchange.close_connection || shutting_down_.load()) break;
    if (!probe_lane && stream.HasCompleteHeadBuffered()) {  // a pipelined request is already here
      request_start = std::chrono::steady_clock::now();
      continue;
    }
    // Between requests the connection costs no worker: the receiver waits for the next one.
    receiver_->Adopt(ReceivedRequest{sock, stream.TakeBuffered(), {}, served});
    return;
  }
  CloseSocket(sock, drain);
}

}  // namespace iris::api
