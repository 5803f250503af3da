#include "api/router.h"

#include <algorithm>
#include <exception>
#include <span>
#include <string_view>
#include <vector>

#include "api/exchange.h"
#include "api/http_errors.h"
#include "core/logging.h"

namespace iris::api {
namespace {

const std::vector<std::string>& KnownMethods() {
  static const std::vector<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  return kMethods;
}

// Runs the handler; every failure, thrown or returned, becomes an HttpResponse.
HttpResponse Invoke(const RouteHandler& handler, const httplib::Request& req, RequestContext& ctx) {
  try {
    Result<HttpResponse> result = handler(req, ctx);
    if (result.ok()) return std::move(result).value();
    return ErrorResponse(result.status(), ctx.request_id());
  } catch (const std::exception& e) {
    return ErrorResponse(Internal(std::string("exception in route handler: ") + e.what()), ctx.request_id());
  } catch (...) {
    return ErrorResponse(Internal("unknown exception in route handler"), ctx.request_id());
  }
}

// The whole remainder is written in one provider call: httplib checks for shutdown only between
// calls, so a body already started is finished rather than cut off when shutdown begins. Memory
// stays one chunk, and each chunk is read only after the previous one reached the socket.
void SetStreamedContent(std::shared_ptr<const StreamedBody> stream, const std::string& content_type,
                        httplib::Response& out) {
  const auto length = static_cast<std::size_t>(stream->length);
  out.set_content_provider(length, content_type, [stream](std::size_t offset, std::size_t, httplib::DataSink& sink) {
    std::vector<char> chunk(std::min<std::uint64_t>(kStreamChunkBytes, stream->length));
    for (std::uint64_t at = offset; at < stream->length;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), stream->length - at));
      Status read = stream->read(at, std::span<char>(chunk.data(), n));
      if (!read.ok()) {
        const Exchange* exchange = CurrentExchange();
        LogError("http.stream_failed", {{"request_id", exchange ? exchange->context.request_id() : ""},
                                        {"offset", at},
                                        {"error", read.ToString()}});
        return false;  // the client sees a short body and a closed connection
      }
      if (!sink.write(chunk.data(), n)) return false;  // the client went away
      at += n;
    }
    return true;
  });
}

}  // namespace

const char* RouteAccessName(RouteAccess access) {
  switch (access) {
    case RouteAccess::kPublic:
      return "public";
    case RouteAccess::kRead:
      return "read";
    case RouteAccess::kWrite:
      return "write";
    case RouteAccess::kByMethod:
      break;
  }
  return "by-method";
}

void WriteResponse(const HttpResponse& response, httplib::Response& out) {
  out.status = response.status;
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  if (response.stream && response.stream->length > 0) {
    SetStreamedContent(response.stream, response.content_type, out);
  } else if (response.stream || !response.body.empty() || !response.content_type.empty()) {
    out.set_content(response.body, response.content_type);
  }
}

Status Router::Add(RouteSpec spec, RouteHandler handler) {
  if (std::find(KnownMethods().begin(), KnownMethods().end(), spec.method) == KnownMethods().end()) {
    return InvalidArgument("route " + spec.path + ": unsupported method '" + spec.method + "'");
  }
  IRIS_ASSIGN_OR_RETURN(PathTemplate path, PathTemplate::Parse(spec.path));
  for (const auto& existing : specs_) {
    if (existing.method == spec.method && existing.path == spec.path) {
      return InvalidArgument("route " + spec.method + " " + spec.path + " is registered twice");
    }
  }
  for (const auto& name : path.param_names()) {
    bool listed = std::any_of(spec.parameters.begin(), spec.parameters.end(),
                              [&](const ParameterSpec& p) { return p.in == "path" && p.name == name; });
    if (!listed) spec.parameters.push_back({name, "path", "", true, {{"type", "string"}}});
  }

  if (spec.access == RouteAccess::kByMethod) {
    spec.access = spec.method == "GET" ? RouteAccess::kRead : RouteAccess::kWrite;
  }

  std::string route = spec.path;
  std::vector<std::string> names = path.param_names();
  httplib::Server::Handler wrapped = [handler = std::move(handler), route, names](const httplib::Request& req,
                                                                                  httplib::Response& res) {
    Exchange* exchange = CurrentExchange();
    RequestContext fallback;  // only when a handler runs outside HttpServer's connection loop
    RequestContext& ctx = exchange ? exchange->context : fallback;
    if (ctx.request_id().empty()) ctx.set_request_id(NewRequestId());
    if (exchange) exchange->routed = true;
    ctx.set_route(route);
    std::map<std::string, std::string, std::less<>> params;
    // req.path (and so each match) is already percent-decoded by httplib.
    for (std::size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i) {
      params[names[i]] = req.matches[i + 1].str();
    }
    ctx.set_path_params(std::move(params));
    WriteResponse(Invoke(handler, req, ctx), res);
  };

  const std::string& regex = path.regex();
  if (spec.method == "GET")
    server_.Get(regex, std::move(wrapped));
  else if (spec.method == "POST")
    server_.Post(regex, std::move(wrapped));
  else if (spec.method == "PUT")
    server_.Put(regex, std::move(wrapped));
  else if (spec.method == "PATCH")
    server_.Patch(regex, std::move(wrapped));
  else
    server_.Delete(regex, std::move(wrapped));

  compiled_.push_back({spec.method, std::regex(regex), specs_.size()});
  specs_.push_back(std::move(spec));
  return {};
}

std::vector<std::string> Router::AllowedMethods(const std::string& path) const {
  std::vector<std::string> methods;
  for (const auto& c : compiled_) {
    if (!std::regex_match(path, c.pattern)) continue;
    if (std::find(methods.begin(), methods.end(), c.method) == methods.end()) methods.push_back(c.method);
    if (c.method == "GET" && std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
      methods.push_back("HEAD");
    }
  }
  return methods;
}

const RouteSpec* Router::Find(const std::string& method, const std::string& path) const {
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : std::string_view(method);
  for (const auto& c : compiled_) {
    if (c.method == wanted && std::regex_match(path, c.pattern)) return &specs_[c.spec];
  }
  return nullptr;
}

}  // namespace iris::api
