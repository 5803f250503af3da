#include "api/path_template.h"

#include <algorithm>
#include <cstring>

namespace iris::api {

Result<PathTemplate> PathTemplate::Parse(std::string_view path_template) {
  PathTemplate t;
  t.text_ = std::string(path_template);
  if (path_template.empty() || path_template.front() != '/') {
    return InvalidArgument("route path '" + t.text_ + "' must start with '/'");
  }
  for (std::size_t i = 0; i < path_template.size(); ++i) {
    char c = path_template[i];
    if (c == '{') {
      auto close = path_template.find('}', i);
      if (close == std::string_view::npos) return InvalidArgument("route path '" + t.text_ + "' has an unclosed '{'");
      std::string name(path_template.substr(i + 1, close - i - 1));
      bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char n) {
        return (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9') || n == '_';
      });
      if (!valid) return InvalidArgument("route path '" + t.text_ + "' has an invalid parameter name '" + name + "'");
      if (std::find(t.param_names_.begin(), t.param_names_.end(), name) != t.param_names_.end()) {
        return InvalidArgument("route path '" + t.text_ + "' repeats parameter '" + name + "'");
      }
      t.param_names_.push_back(name);
      t.regex_ += "([^/]+)";
      i = close;
    } else if (c == '}') {
      return InvalidArgument("route path '" + t.text_ + "' has an unmatched '}'");
    } else {
      if (std::strchr(".^$|()[]*+?\\", c) != nullptr) t.regex_ += '\\';
      t.regex_ += c;
    }
  }
  // Both forms of every path are served, as FastAPI (the seeds) redirects one to the other.
  if (t.text_.size() > 1) {
    if (t.text_.back() == '/') t.regex_.pop_back();
    t.regex_ += "/?";
  }
  return t;
}

}  // namespace iris::api
