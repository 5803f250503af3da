// IsValidUtf8: whether a byte string is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates U+D800..U+DFFF, nothing beyond U+10FFFF, no truncated sequence). For identifiers that
// are stored as bytes but shown in JSON: an invalid one would be listed with U+FFFD in its place,
// and the listed id would then name nothing. Pure function; never allocates; thread-safe.
#pragma once

#include <string_view>

namespace iris {

bool IsValidUtf8(std::string_view text);

}  // namespace iris
