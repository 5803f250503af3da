// HttpResponse: what a route handler returns on success: a status, a content type, a body and
// extra headers. A plain value (copy/move freely); the Router writes it to the wire. Error
// responses are not built by hand: handlers return a non-OK Status and http_errors.h maps it.
//
// A body too large to hold in memory is streamed instead: `stream` set (HttpResponse::Streamed)
// means `body` is ignored, Content-Length is stream->length, and after the headers the Router's
// writer calls stream->read for consecutive chunks of at most kStreamChunkBytes, each written to
// the socket before the next is read. A read error after the headers are sent can only cut the
// connection (the client sees a short body). HEAD gets the headers and no read at all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace iris::api {

inline constexpr std::size_t kStreamChunkBytes = 64 * 1024;

struct StreamedBody {
  std::uint64_t length = 0;
  // Fills `out` with the body's bytes at [offset, offset + out.size()) (offset from the body's
  // start). Called from the worker thread writing the response, after the handler returned: it must
  // own (or share) whatever it reads from.
  std::function<Status(std::uint64_t offset, std::span<char> out)> read;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const StreamedBody> stream;  // set: the body is streamed (see above)

  static HttpResponse Json(const nlohmann::json& value, int status = 200) {
    return {status, "application/json", value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, {}};
  }
  static HttpResponse Text(std::string body, std::string content_type, int status = 200) {
    return {status, std::move(content_type), std::move(body), {}, {}};
  }
  static HttpResponse Streamed(StreamedBody body, std::string content_type, int status = 200) {
    return {status, std::move(content_type), {}, {}, std::make_shared<const StreamedBody>(std::move(body))};
  }
};

}  // namespace iris::api
