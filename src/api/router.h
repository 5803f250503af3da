// Router: the one way routes are added to the server. Each route is registered on the httplib
// server AND recorded with its documentation, from which /openapi.json is generated, so a route
// cannot exist undocumented. Paths are OpenAPI templates ("/tasks/{task_id}"); parameters reach
// the handler by name through RequestContext::PathParam. A handler returns Result<HttpResponse>:
// a non-OK Status becomes the JSON error of http_errors.h, and an exception escaping a handler
// becomes a 500 (cause logged with the request id). Modules add their routes from their own files
// (api/routes_*.cc) at start-up.
// Each route also says what an API key needs to call it (RouteAccess, docs/security.md): by default
// GET is a read and every other method a write; a POST that only computes and stores nothing is
// marked ComputeOnly() (a read), and the few routes anyone may call (health probes, the console's
// files, the API docs) Public().
// Thread-safety: Add() only during start-up, before the server listens; handlers then run
// concurrently on worker threads, and the read-only accessors may be called from any of them.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "api/http_response.h"
#include "api/path_template.h"
#include "api/request_context.h"
#include "core/result.h"

namespace iris::api {

// What calling a route needs when API keys are in force (api/access_control.h).
enum class RouteAccess {
  kByMethod,  // until Router::Add resolves it: GET -> kRead, any other method -> kWrite
  kPublic,    // no key needed, ever
  kRead,      // any valid key (read or write scope)
  kWrite,     // a key of write scope: the route stores, changes or deletes something
};

// "public", "read" or "write" (kByMethod: "by-method").
const char* RouteAccessName(RouteAccess access);

struct ParameterSpec {
  std::string name;
  std::string in = "query";  // "path", "query" or "header"
  std::string description;
  bool required = false;  // path parameters are always required
  nlohmann::json schema = {{"type", "string"}};
};

struct RequestBodySpec {
  std::string content_type = "application/json";  // e.g. "multipart/form-data"
  nlohmann::json schema = nlohmann::json::object();
  std::string description;
  bool required = true;
};

struct ResponseSpec {
  int status = 200;
  std::string description;
  std::string content_type = "application/json";  // empty: no body
  nlohmann::json schema = nlohmann::json::object();
};

// A route's method, path and documentation. Built fluently:
//   RouteSpec::Get("/tasks/{task_id}").Summary("...").Tag("tasks").Returns(200, "The task", schema)
struct RouteSpec {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // OpenAPI template
  std::string summary;
  std::string description;
  std::string tag;
  std::vector<ParameterSpec> parameters;        // path parameters not listed here are added as strings
  std::vector<RequestBodySpec> request_bodies;  // one per accepted content type
  std::vector<ResponseSpec> responses;          // error responses ({"detail"}) are documented for all
  bool documented = true;  // false: served but left out of /openapi.json (aliases such as a path without its slash)
  RouteAccess access = RouteAccess::kByMethod;

  static RouteSpec Make(std::string method, std::string path) {
    RouteSpec spec;
    spec.method = std::move(method);
    spec.path = std::move(path);
    return spec;
  }
  static RouteSpec Get(std::string path) { return Make("GET", std::move(path)); }
  static RouteSpec Post(std::string path) { return Make("POST", std::move(path)); }
  static RouteSpec Put(std::string path) { return Make("PUT", std::move(path)); }
  static RouteSpec Patch(std::string path) { return Make("PATCH", std::move(path)); }
  static RouteSpec Delete(std::string path) { return Make("DELETE", std::move(path)); }

  // An alias of a documented route: served, not listed in /openapi.json.
  RouteSpec& Undocumented() {
    documented = false;
    return *this;
  }
  // A POST (or other non-GET) route that computes an answer and stores nothing: a read-only key may call it.
  RouteSpec& ComputeOnly() {
    access = RouteAccess::kRead;
    return *this;
  }
  // Callable without a key even when keys are required (health probes, the console's static files).
  RouteSpec& Public() {
    access = RouteAccess::kPublic;
    return *this;
  }
  RouteSpec& Summary(std::string text) {
    summary = std::move(text);
    return *this;
  }
  RouteSpec& Description(std::string text) {
    description = std::move(text);
    return *this;
  }
  RouteSpec& Tag(std::string name) {
    tag = std::move(name);
    return *this;
  }
  RouteSpec& Param(ParameterSpec p) {
    parameters.push_back(std::move(p));
    return *this;
  }
  RouteSpec& Query(std::string name, std::string text, nlohmann::json schema = {{"type", "string"}},
                   bool is_required = false) {
    return Param({std::move(name), "query", std::move(text), is_required, std::move(schema)});
  }
  RouteSpec& Body(std::string content_type, nlohmann::json schema, std::string text = "", bool is_required = true) {
    request_bodies.push_back({std::move(content_type), std::move(schema), std::move(text), is_required});
    return *this;
  }
  RouteSpec& Returns(int status, std::string text, std::string content_type = "application/json",
                     nlohmann::json schema = nlohmann::json::object()) {
    responses.push_back({status, std::move(text), std::move(content_type), std::move(schema)});
    return *this;
  }
};

using RouteHandler = std::function<Result<HttpResponse>(const httplib::Request&, RequestContext&)>;

class Router {
 public:
  explicit Router(httplib::Server& server) : server_(server) {}
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // InvalidArgument for an unknown method, a bad path template, or a (method, path) pair that is
  // already registered.
  Status Add(RouteSpec spec, RouteHandler handler);

  const std::vector<RouteSpec>& routes() const { return specs_; }

  // Methods some route accepts for this concrete path ("GET", "HEAD", "POST"...); empty if no
  // route's template matches it. For 405 answers and their Allow header.
  std::vector<std::string> AllowedMethods(const std::string& path) const;

  // The route a request with this method ("HEAD" finds the GET route) and concrete path reaches,
  // the first registered that matches, as httplib picks it; nullptr if none.
  const RouteSpec* Find(const std::string& method, const std::string& path) const;

 private:
  struct Compiled {
    std::string method;
    std::regex pattern;
    std::size_t spec;  // index into specs_
  };
  httplib::Server& server_;
  std::vector<RouteSpec> specs_;
  std::vector<Compiled> compiled_;
};

// Writes a handler's response (or the error for its Status) into httplib's response; a streamed
// body (HttpResponse::stream) becomes an httplib content provider with a Content-Length.
void WriteResponse(const HttpResponse& response, httplib::Response& out);

}  // namespace iris::api
