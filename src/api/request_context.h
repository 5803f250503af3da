// RequestContext: what a route handler knows about the request it serves, besides the
// httplib::Request itself: the request id (echoed in X-Request-Id and written in every log line),
// the matched route template and its path parameters, and the id of the API key that authenticated
// it (public: logged instead of the key). It is also the request's Trace
// (core/trace.h): the per-stage timing breakdown (decode, inference, index, storage, fetch...) that
// ends up in the request's log line, so a handler passes it as the Trace of the service it calls.
// One RequestContext per request, owned by the server for the request's lifetime. Stage timing is
// thread-safe (a handler may time work it fans out); the rest is set before the handler runs and
// read-only afterwards.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/trace.h"

namespace iris::api {

// True if a client-supplied X-Request-Id may be used as is: [A-Za-z0-9._-]{1,64}.
bool IsValidRequestId(std::string_view id);

// A fresh random id: 16 lower-case hex characters.
std::string NewRequestId();

class RequestContext : public Trace {
 public:
  RequestContext() = default;
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  const std::string& request_id() const { return request_id_; }
  void set_request_id(std::string id) { request_id_ = std::move(id); }

  // The route template ("/tasks/{task_id}"); empty when no route matched.
  const std::string& route() const { return route_; }
  void set_route(std::string route) { route_ = std::move(route); }

  // The public id of the API key the request presented and passed with; empty when none.
  const std::string& key_id() const { return key_id_; }
  void set_key_id(std::string id) { key_id_ = std::move(id); }

  // Path parameter by name ("task_id"); empty if the route has no such parameter.
  std::string PathParam(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& path_params() const { return path_params_; }
  void set_path_params(std::map<std::string, std::string, std::less<>> params) { path_params_ = std::move(params); }

 private:
  std::string request_id_;
  std::string route_;
  std::string key_id_;
  std::map<std::string, std::string, std::less<>> path_params_;
};

}  // namespace iris::api
