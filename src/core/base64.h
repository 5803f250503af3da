// Standard base64 (RFC 4648, with padding). Decode rejects anything that is not canonical
// base64 (returns std::nullopt) so user input can be validated with it. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace iris {

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace iris
