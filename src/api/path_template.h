// PathTemplate: an OpenAPI path template ("/tasks/{task_id}/results") compiled to the regular
// expression httplib routes with, plus the names of its parameters in order. A parameter matches
// one non-empty path segment ([^/]+); everything else matches literally, except that a trailing
// '/' is optional: "/embeddings/count" also matches "/embeddings/count/", and "/analyze_image/"
// also matches "/analyze_image" (FastAPI, which the seeds ran on, accepts both). Immutable after Parse;
// thread-safe to share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris::api {

class PathTemplate {
 public:
  // InvalidArgument for a template that does not start with '/', has an unclosed or empty
  // "{}", a parameter name other than [A-Za-z0-9_]+, or a repeated parameter name.
  static Result<PathTemplate> Parse(std::string_view path_template);

  const std::string& text() const { return text_; }
  const std::string& regex() const { return regex_; }
  const std::vector<std::string>& param_names() const { return param_names_; }

 private:
  std::string text_;
  std::string regex_;
  std::vector<std::string> param_names_;
};

}  // namespace iris::api
