// AnalyseSections: the local analysis of each section (no VLM): its type (the label), its dominant
// colours over the masked pixels (vision/dominant_colors.h, k = 3, Lab k-means, up to max_samples
// pixels sampled evenly from the mask) and its visual elements: the label, the colour names with a
// share of at least 0.15, and where it sits in the image ("left"/"right", "top"/"bottom", "centre").
// Fills type, colors and visual_elements of every section in `built`.
// Errors: InvalidArgument when the image size differs from the map's. Thread-safe (no shared state).
#pragma once

#include "image/rgb_image.h"
#include "regions/section_builder.h"

namespace iris::regions {

struct SectionAnalysisOptions {
  int colors = 3;
  int max_samples = 4096;
  double element_share = 0.15;
};

Status AnalyseSections(const RgbImage& image, BuiltSections& built, const SectionAnalysisOptions& options = {});

// Position words for a box in a width x height image: "left"/"right" when its centre is in the
// outer third, likewise "top"/"bottom"; "centre" when both are in the middle third.
std::vector<std::string> PositionWords(const SectionBox& box, int width, int height);

}  // namespace iris::regions
