// The HTTP face of errors. Every error body Iris sends is JSON {"detail": "..."}.
//  - HttpStatusFor maps iris::StatusCode to an HTTP status (see core/status.h).
//  - ErrorResponse turns a non-OK Status into that response: 429/503 carry Retry-After; a 500
//    hides its cause from the client ("internal error (request id X)") and logs it instead.
//  - DetailForHttpStatus gives the detail for errors raised by the HTTP layer itself (unknown
//    route, body too large, malformed request...), where there is no Status.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/http_response.h"
#include "core/status.h"

namespace iris::api {

// Seconds a client should wait before retrying a 429 or 503.
inline constexpr int kRetryAfterSeconds = 1;

int HttpStatusFor(StatusCode code);

// `request_id` goes into the detail of a 500 and into the log line of its real cause.
HttpResponse ErrorResponse(const Status& status, std::string_view request_id);

// {"detail": detail} as text.
std::string ErrorBody(std::string_view detail);

// Whether responses with this status carry Retry-After.
bool NeedsRetryAfter(int http_status);

// Detail for an error produced by the HTTP layer (no handler ran). `method` and `path` are the
// request's, used in 404/405 texts.
std::string DetailForHttpStatus(int http_status, std::string_view method, std::string_view path,
                                std::string_view request_id);

}  // namespace iris::api
