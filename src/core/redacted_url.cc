#include "core/redacted_url.h"

#include <algorithm>

namespace iris {

std::string RedactedUrl(std::string_view url) {
  std::string out(url);
  // scheme://user:password@host... -> scheme://user:***@host...
  const std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const std::size_t authority_end = std::min(out.find_first_of("/?", scheme + 3), out.size());
    const std::size_t at = out.rfind('@', authority_end);
    const std::size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret or key=value form "password=secret"
  for (std::size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    const std::size_t start = pos + 9;
    std::size_t end = out.find_first_of("& ", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

}  // namespace iris
