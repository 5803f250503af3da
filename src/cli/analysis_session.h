// AnalysisSession: what `iris analyze` and `iris caption-folder` need to run analysis operations
// in-process, opened from the configuration exactly as `iris serve` opens it (same data dir, so
// the result cache is shared with a server on the same machine, same models, classifiers and
// captioning provider). Reads a local image file (or fetches an http(s) URL with the server's
// limits) and runs a task list on it with the same AnalysisService as the HTTP routes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/services.h"
#include "core/result.h"
#include "ops/analyzer.h"

namespace iris::cli {

struct ImageAnalysis {
  nlohmann::ordered_json reply;  // {"image_url": ..., "results": {...}} as the HTTP API answers
  int task_errors = 0;           // tasks whose status is "error"
};

class AnalysisSession {
 public:
  static Result<std::unique_ptr<AnalysisSession>> Open(const Config& config);

  // `image` is a file path or an http(s) URL. Errors: the image cannot be read, fetched or decoded.
  Result<ImageAnalysis> Analyze(const std::string& image, const std::vector<ops::AnalysisTask>& tasks);

 private:
  std::shared_ptr<app::Services> services_;
};

// Parses "TYPE" or "TYPE:key=value,key=value" (values are JSON when they parse as JSON -- numbers,
// true/false, arrays like ["person","tie"] -- and strings otherwise; commas inside [] or quotes do
// not split). The operation_id is the type, with "_2", "_3"... for repeats of a type.
Result<std::vector<ops::AnalysisTask>> ParseTaskSpecs(const std::vector<std::string>& specs);

}  // namespace iris::cli
