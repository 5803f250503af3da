// Whether the address `iris serve` listens on is reachable only from this machine. With
// server.auth = auto, API keys are required unless it is (docs/security.md).
// Loopback: "localhost" (any case, with or without a trailing dot), 127.0.0.0/8, ::1 (also as
// "[::1]") and IPv4-mapped ::ffff:127.x.y.z. Everything else is not, including 0.0.0.0 and "::"
// (every interface) and host names (never resolved here).
// Pure function: thread-safe.
#pragma once

#include <string_view>

namespace iris::auth {

bool IsLoopbackListenHost(std::string_view host);

}  // namespace iris::auth
