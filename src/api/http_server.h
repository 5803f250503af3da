// HttpServer: the httplib::Server Iris listens with. On top of httplib it provides:
//  - a RequestReceiver (request_receiver.h) that holds every connection until its request has
//    arrived — new, idle keep-alive, and slow clients cost a socket, never a worker — with a
//    whole-request deadline for headers (header_timeout_s) and body (read_timeout_s), 408 when
//    it passes, and at most max_connections open connections (503 beyond);
//  - a fixed worker pool with a bounded admission queue (admission_queue.h): complete requests
//    beyond max_queued_connections waiting for a worker get 503 JSON + Retry-After at once;
//  - a probe lane: GET/HEAD /healthz and /readyz (request_head.h IsHealthProbe) are served by a
//    worker of their own (queue of kProbeQueue, 503 beyond), one request per hand-over, so liveness
//    and readiness are answered while every request worker is held (a slow provider, long requests);
//  - its own per-request loop on the worker (pipelined requests, body limit also for chunked
//    bodies; after each response the connection goes back to the receiver);
//  - JSON bodies for every error httplib produces itself (404, 405 with Allow, 413, 400...);
//  - 400 and a closed connection for a request whose head cannot be parsed or whose Content-Length
//    is unparseable or given twice with different values (RFC 9112 6.3);
//  - X-Request-Id and X-Content-Type-Options: nosniff on every response, the http.request log line and the HTTP
//  metrics;
//  - graceful shutdown: BeginShutdown() stops accepting, closes idle connections and lets
//    requests in flight finish (answered with Connection: close); Busy() says how many remain.
//  - an optional RequestFilter (access control: api/access_control.h) that may answer a request
//    before it is routed and its body read, and adds headers to every response.
// Routes are added through a Router built on this server, before Serve(). Serve() blocks on the
// calling thread; BeginShutdown() and Busy() may be called from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/admission_queue.h"
#include "api/connection_rejecter.h"
#include "api/metrics.h"
#include "api/request_receiver.h"
#include "core/config.h"
#include "core/result.h"

namespace iris::api {

// Looks at each request before routing and at each response before it is written.
// Thread-safety: called concurrently from the worker threads.
class RequestFilter {
 public:
  virtual ~RequestFilter() = default;
  // True: `res` is the answer and no route runs (the body is not read; the connection is closed
  // after the answer if the request has one).
  virtual bool Intercept(const httplib::Request& req, httplib::Response& res) = 0;
  // Adds headers to any response (routed, intercepted or an HTTP-layer error).
  virtual void Decorate(const httplib::Request& req, httplib::Response& res) = 0;
};

// worker_threads from the config, with 0 resolved to max(8, 4 * hardware threads).
int EffectiveWorkerThreads(const ServerConfig& config);

class HttpServer : public httplib::Server {
 public:
  HttpServer(const ServerConfig& config, MetricsRegistry& metrics);
  ~HttpServer() override;

  // Used to answer 405 (with Allow) instead of 404 when the path exists with other methods.
  void set_allowed_methods(std::function<std::vector<std::string>(const std::string& path)> lookup) {
    allowed_methods_ = std::move(lookup);
  }

  // Installed during start-up, before Serve().
  void set_request_filter(std::shared_ptr<RequestFilter> filter) { filter_ = std::move(filter); }

  // Binds host:port (port 0: any free port). Returns the bound port.
  Result<int> Bind(const std::string& host, int port);
  // Accepts and serves until BeginShutdown(); returns after every connection has been closed.
  void Serve();
  void BeginShutdown();
  bool shutting_down() const { return shutting_down_.load(); }

  // Requests being served plus connections waiting for a worker (either lane).
  std::size_t Busy() const { return active_requests_.load() + queued_connections_.load() + queued_probes_.load(); }
  int worker_threads() const { return worker_threads_; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  void InstallHandlers();
  void RecordExchange(const httplib::Request& req, const httplib::Response& res);
  // Serves the received request and any pipelined after it on a worker thread, then hands the
  // connection back to the receiver (or closes it). On the probe lane it serves one request only:
  // what follows on the connection goes back to the receiver, which dispatches it by its own path.
  void ServeConnection(ReceivedRequest request, bool probe_lane);
  void Refuse(int fd, int status, std::string_view detail, std::string_view reason);
  void StopReceivingAndWorkers();

  const ServerConfig config_;
  const int worker_threads_;
  std::function<std::vector<std::string>(const std::string&)> allowed_methods_;
  std::shared_ptr<RequestFilter> filter_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<std::size_t> active_requests_{0};
  std::atomic<std::size_t> queued_connections_{0};
  std::atomic<std::size_t> queued_probes_{0};
  int listen_socket_ = -1;
  ConnectionRejecter rejecter_;
  // Created by Serve(); the receiver hands requests to the workers, so it is destroyed first.
  std::unique_ptr<AdmissionQueue> workers_;
  std::unique_ptr<AdmissionQueue> probe_workers_;  // the probe lane: one thread
  std::unique_ptr<RequestReceiver> receiver_;

  CounterFamily& requests_total_;
  HistogramFamily& request_duration_;
  GaugeFamily& in_flight_;
  CounterFamily& rejected_total_;
};

}  // namespace iris::api
