#include "api/access_control.h"

#include <algorithm>

#include "api/exchange.h"
#include "api/http_errors.h"
#include "auth/listen_address.h"
#include "core/ascii_text.h"
#include "core/logging.h"

namespace iris::api {
namespace {

constexpr char kAllowMethods[] = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr char kAllowHeaders[] = "Authorization, X-API-Key, Content-Type, X-Request-Id";
constexpr char kExposeHeaders[] = "X-Request-Id, Retry-After, WWW-Authenticate";
constexpr char kMaxAgeSeconds[] = "600";

// The key a request presents, or nullopt. "Bearer" is matched case-insensitively (RFC 9110 11.1).
std::optional<std::string> PresentedKey(const httplib::Request& req) {
  if (req.has_header("Authorization")) {
    const std::string header = req.get_header_value("Authorization");
    std::string_view value = TrimHttpWhitespace(header);
    constexpr std::string_view kBearer = "bearer ";
    if (value.size() > kBearer.size() && EqualsIgnoreAsciiCase(value.substr(0, kBearer.size()), kBearer)) {
      return std::string(TrimHttpWhitespace(value.substr(kBearer.size())));
    }
  }
  if (req.has_header("X-API-Key")) return std::string(TrimHttpWhitespace(req.get_header_value("X-API-Key")));
  return std::nullopt;
}

void Refuse(httplib::Response& res, int status, const std::string& detail) {
  res.status = status;
  res.set_content(ErrorBody(detail), "application/json");
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"iris\"");
}

void LogRefusal(const httplib::Request& req, int status, std::string_view reason, const std::string& key_id) {
  Exchange* ex = CurrentExchange();
  LogWarn("auth.refused", {{"request_id", ex ? ex->context.request_id() : ""},
                           {"method", req.method},
                           {"path", req.path},
                           {"status", status},
                           {"reason", reason},
                           {"key_id", key_id.empty() ? nlohmann::json() : nlohmann::json(key_id)}});
}

}  // namespace

AuthMode EffectiveAuthMode(const ServerConfig& config) {
  if (config.auth == "off") return AuthMode::kOff;
  if (config.auth == "required") return AuthMode::kRequired;
  return auth::IsLoopbackListenHost(config.host) ? AuthMode::kOptional : AuthMode::kRequired;
}

const char* AuthModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kOff:
      return "off";
    case AuthMode::kOptional:
      return "optional";
    case AuthMode::kRequired:
      return "required";
  }
  return "required";
}

AccessControl::AccessControl(AuthMode mode, std::vector<std::string> cors_origins, const Router& router,
                             std::shared_ptr<app::KeyService> keys)
    : mode_(mode), cors_origins_(std::move(cors_origins)), router_(router), keys_(std::move(keys)) {}

std::string AccessControl::AllowedOrigin(const httplib::Request& req) const {
  if (cors_origins_.empty() || !req.has_header("Origin")) return {};
  const std::string origin = req.get_header_value("Origin");
  for (const auto& allowed : cors_origins_) {
    if (allowed == "*") return "*";
    if (allowed == origin) return origin;
  }
  return {};
}

bool AccessControl::AnswerPreflight(const httplib::Request& req, httplib::Response& res) const {
  if (req.method != "OPTIONS" || !req.has_header("Access-Control-Request-Method")) return false;
  if (AllowedOrigin(req).empty()) return false;  // answered as any OPTIONS request: no CORS headers
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", kAllowMethods);
  res.set_header("Access-Control-Allow-Headers", kAllowHeaders);
  res.set_header("Access-Control-Max-Age", kMaxAgeSeconds);
  return true;  // Decorate adds Access-Control-Allow-Origin and Vary
}

bool AccessControl::CheckKey(const httplib::Request& req, httplib::Response& res, const RouteSpec* route,
                             const std::optional<std::string>& presented) {
  if (!presented) {
    if (mode_ != AuthMode::kRequired) return false;
    Refuse(res, 401, "an API key is required: send Authorization: Bearer <key> or X-API-Key: <key> (iris keys create)");
    LogRefusal(req, 401, "no_key", "");
    return true;
  }
  auto checked = keys_->Check(*presented);
  if (!checked.ok()) {
    LogError("auth.check_failed", {{"error", checked.status().ToString()}});
    Refuse(res, 503, "API keys cannot be checked right now (storage unavailable); retry later");
    res.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
    return true;
  }
  switch (checked->outcome) {
    case app::KeyCheck::kMalformed:
      Refuse(res, 401, "malformed API key: expected iris_<id>_<secret> as printed by iris keys create");
      LogRefusal(req, 401, "malformed_key", "");
      return true;
    case app::KeyCheck::kUnknown:
      Refuse(res, 401, "invalid API key");
      LogRefusal(req, 401, "unknown_key", checked->key_id);
      return true;
    case app::KeyCheck::kRevoked:
      Refuse(res, 401, "API key " + checked->key_id + " has been revoked");
      LogRefusal(req, 401, "revoked_key", checked->key_id);
      return true;
    case app::KeyCheck::kValid:
      break;
  }
  const auth::ApiKeyRecord& key = checked->record;
  if (Exchange* ex = CurrentExchange()) ex->context.set_key_id(key.id);
  // A request to no route is let through to its 404/405 with any valid key.
  if (route && route->access == RouteAccess::kWrite && key.scope == auth::KeyScope::kRead) {
    Refuse(res, 403, "API key " + key.id + " is read-only; " + req.method + " " + route->path + " needs a write key");
    LogRefusal(req, 403, "read_only_key", key.id);
    return true;
  }
  if (auto retry_after = keys_->TakeRequest(key)) {
    Refuse(res, 429,
           "API key " + key.id + " is over its rate limit of " + std::to_string(key.rate_limit_per_minute) +
               " requests a minute; retry after " + std::to_string(*retry_after) + " s");
    res.set_header("Retry-After", std::to_string(*retry_after));
    LogRefusal(req, 429, "rate_limited", key.id);
    return true;
  }
  return false;
}

bool AccessControl::Intercept(const httplib::Request& req, httplib::Response& res) {
  if (AnswerPreflight(req, res)) return true;
  if (mode_ == AuthMode::kOff) return false;
  const std::optional<std::string> presented = PresentedKey(req);
  // The common loopback case (keys optional, none sent) costs no route lookup.
  if (mode_ == AuthMode::kOptional && !presented) return false;
  const RouteSpec* route = router_.Find(req.method, req.path);
  if (route && route->access == RouteAccess::kPublic) return false;
  const bool refused = CheckKey(req, res, route, presented);
  if (refused && route) {
    if (Exchange* ex = CurrentExchange()) ex->context.set_route(route->path);
  }
  return refused;
}

void AccessControl::Decorate(const httplib::Request& req, httplib::Response& res) {
  const std::string origin = AllowedOrigin(req);
  if (origin.empty()) return;
  res.set_header("Access-Control-Allow-Origin", origin);
  res.set_header("Access-Control-Expose-Headers", kExposeHeaders);
  if (origin != "*") res.set_header("Vary", "Origin");
}

}  // namespace iris::api
