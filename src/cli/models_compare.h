// `iris models compare A B --images DIR [--labels L1,L2,...] [--per-image] [--json FILE]`: what
// switching from model A to model B (e.g. a model and its int8 variant) changes on the images of a
// folder -- per-image cosine, top-10 neighbour agreement, zero-shot label agreement
// (app/model_comparison_service.h) -- printed as a small table. Models are catalog names (installed)
// or --local-models folders. Exit status: 0 compared, 1 the comparison failed (a model missing, an
// image that does not decode), 2 usage (fewer than 2 images), 3 configuration.
#pragma once

#include <string>
#include <vector>

#include "cli/config_flags.h"

namespace iris::cli {

struct ModelsCompareArgs {
  std::string model_a, model_b;
  std::string images;
  std::vector<std::string> labels;  // empty: ModelComparisonService::DefaultLabels, when both read text
  bool per_image = false;
  std::string json_out;
};

int RunModelsCompare(const ConfigFlags& flags, const ModelsCompareArgs& args);

}  // namespace iris::cli
