// AccessControl: the RequestFilter (http_server.h) that guards `iris serve` (docs/security.md).
//
// API keys (app/key_service.h) come from "Authorization: Bearer <key>" or "X-API-Key: <key>"
// (another Authorization scheme counts as no key). With mode:
//   kRequired  no key -> 401 + WWW-Authenticate: Bearer; a malformed, unknown or revoked key -> 401;
//   kOptional  no key -> let through; a key that is sent is checked all the same (so a mistake shows
//              on loopback before it is deployed);
//   kOff       keys are not looked at.
// A valid key of read scope on a route of RouteAccess::kWrite -> 403; a key over its rate limit ->
// 429 + Retry-After (whole seconds, >= 1). Routes marked Public() never need a key; requests to no
// route need one like any other (an unauthenticated client learns nothing about the routes).
// Every refusal is JSON {"detail"} and is logged (auth.refused) with the key's public id, never the key.
//
// CORS (server.cors_origins, exact origins or "*"): for an allowed Origin a preflight (OPTIONS with
// Access-Control-Request-Method) is answered 204 with the allowed methods, headers (Authorization,
// X-API-Key, Content-Type, X-Request-Id) and Max-Age, without a key; every response to that origin
// carries Access-Control-Allow-Origin and Vary: Origin. Other origins get no CORS header at all.
//
// Ownership: shares the KeyService; borrows the Router (the App outlives the server's filter).
// Thread-safety: Intercept and Decorate run concurrently on worker threads; state is read-only
// after construction (KeyService is thread-safe).
#pragma once

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/router.h"
#include "app/key_service.h"
#include "core/config.h"

namespace iris::api {

enum class AuthMode { kOff, kOptional, kRequired };

// server.auth resolved against server.host: "auto" is kRequired unless the host is loopback
// (auth/listen_address.h), where it is kOptional.
AuthMode EffectiveAuthMode(const ServerConfig& config);
const char* AuthModeName(AuthMode mode);

class AccessControl : public RequestFilter {
 public:
  AccessControl(AuthMode mode, std::vector<std::string> cors_origins, const Router& router,
                std::shared_ptr<app::KeyService> keys);

  bool Intercept(const httplib::Request& req, httplib::Response& res) override;
  void Decorate(const httplib::Request& req, httplib::Response& res) override;

 private:
  // The Access-Control-Allow-Origin value for this request's Origin; empty when none applies.
  std::string AllowedOrigin(const httplib::Request& req) const;
  bool AnswerPreflight(const httplib::Request& req, httplib::Response& res) const;
  bool CheckKey(const httplib::Request& req, httplib::Response& res, const RouteSpec* route,
                const std::optional<std::string>& presented);

  const AuthMode mode_;
  const std::vector<std::string> cors_origins_;
  const Router& router_;
  std::shared_ptr<app::KeyService> keys_;
};

}  // namespace iris::api
