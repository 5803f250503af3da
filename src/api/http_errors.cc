#include "api/http_errors.h"

#include <nlohmann/json.hpp>

#include "core/logging.h"

namespace iris::api {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnsupportedMedia:
      return 415;
    case StatusCode::kUnprocessable:
      return 422;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kStorageFull:
      return 507;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ErrorBody(std::string_view detail) {
  return nlohmann::json{{"detail", detail}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool NeedsRetryAfter(int http_status) { return http_status == 429 || http_status == 503; }

namespace {
std::string InternalDetail(std::string_view request_id) {
  return "internal error (request id " + std::string(request_id) + ")";
}
}  // namespace

HttpResponse ErrorResponse(const Status& status, std::string_view request_id) {
  Status effective = status.ok() ? Internal("error response built from an OK status") : status;
  int http = HttpStatusFor(effective.code());
  std::string detail = effective.message();
  if (http == 500) {
    // The cause may name files, hosts or library internals: log it, tell the client only the id.
    LogError("http.internal_error", {{"request_id", request_id}, {"cause", effective.ToString()}});
    detail = InternalDetail(request_id);
  }
  HttpResponse response{http, "application/json", ErrorBody(detail), {}, {}};
  if (NeedsRetryAfter(http)) response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return response;
}

std::string DetailForHttpStatus(int http_status, std::string_view method, std::string_view path,
                                std::string_view request_id) {
  std::string m(method), p(path);
  switch (http_status) {
    case 400:
      return "malformed HTTP request";
    case 404:
      return "no route for " + m + " " + p;
    case 405:
      return "method " + m + " is not allowed for " + p;
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 416:
      return "requested range not satisfiable";
    case 503:
      return "server unavailable, retry later";
    case 500:
      return InternalDetail(request_id);
    default:
      return "HTTP error " + std::to_string(http_status);
  }
}

}  // namespace iris::api
