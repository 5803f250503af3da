#include "api/request_context.h"

#include <random>

namespace iris::api {

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  // Per-thread generator: no lock on the request path; ids need to be unique, not secret.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = generator();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) id[static_cast<std::size_t>(i)] = kHex[bits & 0xf];
  return id;
}

std::string RequestContext::PathParam(std::string_view name) const {
  auto it = path_params_.find(name);
  return it == path_params_.end() ? std::string() : it->second;
}

}  // namespace iris::api
