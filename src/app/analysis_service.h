// AnalysisService: the seed's task-list analysis over one image, the same for POST /analyze_image/,
// POST /analyze_image_upload/, `iris analyze` and `iris caption-folder`: the image is decoded once
// (stage "decode"), the tasks share detections and crops (ops::AnalysisContext), and results are
// cached by content hash when analysis.cache_results is on (ops::OperationRegistry).
// Errors: the decode failure of the image (as the ingestor reports it); every task failure is a
// per-task result instead. Thread-safety: every method is thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/trace.h"
#include "ingest/image_ingestor.h"
#include "ops/analysis_services.h"
#include "ops/analyzer.h"
#include "ops/operation_registry.h"

namespace iris::app {

class AnalysisService {
 public:
  AnalysisService(const ops::OperationRegistry& operations, const ops::AnalysisServices& services)
      : operations_(operations), services_(services) {}

  Result<ops::TaskRun> Run(const IngestedImage& image, const std::vector<ops::AnalysisTask>& tasks, Trace& trace) const;
  // GET /available_operations/: every operation with its targets and parameters.
  nlohmann::json Describe() const { return operations_.Describe(); }

 private:
  const ops::OperationRegistry& operations_;
  const ops::AnalysisServices& services_;
};

}  // namespace iris::app
