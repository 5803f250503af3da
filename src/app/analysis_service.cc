#include "app/analysis_service.h"

namespace iris::app {

Result<ops::TaskRun> AnalysisService::Run(const IngestedImage& image, const std::vector<ops::AnalysisTask>& tasks,
                                          Trace& trace) const {
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(trace, "decode");
    IRIS_ASSIGN_OR_RETURN(pixels, image.Full());
  }
  ops::AnalysisContext context(services_, pixels, image.hashes().sha256);
  ScopedStage stage(trace, "analysis");
  return ops::RunTasks(operations_, context, tasks);
}

}  // namespace iris::app
