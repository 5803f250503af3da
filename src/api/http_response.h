// HttpResponse: what a route handler returns on success: a status, a content type, a body and
// extra headers. A plain value (copy/move freely); the Router writes it to the wire. Error
// responses are not built by hand: handlers return a non-OK Status and http_errors.h maps it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace iris::api {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(const nlohmann::json& value, int status = 200) {
    return {status, "application/json", value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
  }
  static HttpResponse Text(std::string body, std::string content_type, int status = 200) {
    return {status, std::move(content_type), std::move(body), {}};
  }
};

}  // namespace iris::api
