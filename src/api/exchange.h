// Exchange: the server's record of the one request a worker thread is serving right now: its
// RequestContext, when its first byte arrived, and how the connection must end. HttpServer
// creates one per request on the worker's stack and publishes it to that thread through
// ScopedExchange, so httplib's callbacks (route handler, error handler, post-routing handler,
// logger), which only see the httplib::Request, reach the same record. Internal to api/; route
// code sees only RequestContext. Not shared between threads.
#pragma once

#include <chrono>

#include "api/request_context.h"

namespace iris::api {

struct Exchange {
  RequestContext context;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool close_connection = false;   // answer with Connection: close, then close the socket
  bool body_too_large = false;     // the body passed max_body_bytes; answer 413
  bool request_timed_out = false;  // the body did not arrive before the request's deadline; answer 408
  bool routed = false;             // a Router handler ran (so a 404 is the handler's, not "no route")
  bool head_parsed = false;        // httplib parsed the request line and header fields
  bool bad_framing = false;        // Content-Length unparseable or given twice differently; answer 400
};

// The exchange being served on this thread, or nullptr.
Exchange* CurrentExchange();

class ScopedExchange {
 public:
  explicit ScopedExchange(Exchange& exchange);
  ~ScopedExchange();
  ScopedExchange(const ScopedExchange&) = delete;
  ScopedExchange& operator=(const ScopedExchange&) = delete;

 private:
  Exchange* previous_;
};

}  // namespace iris::api
