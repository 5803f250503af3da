// RedactedUrl: a connection URL fit for logs, error messages and `iris config`: the password of
// "scheme://user:password@host" and any "password=..." parameter become "***".
#pragma once

#include <string>
#include <string_view>

namespace iris {

std::string RedactedUrl(std::string_view url);

}  // namespace iris
