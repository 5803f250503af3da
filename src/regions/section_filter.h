// FilterSections: the seed's filter step. Keeps the sections (never the root) that agree with every
// term of a normalised prompt; RelaxedFilter is the retry used when nothing passes.
//
// Rules (thresholds in SectionFilterOptions, documented in docs/process-image.md):
//   * object terms: the section's label is one of them ("foreground" sections never match one);
//   * colour terms: for each term, one of the section's dominant colours with share >= min_share
//     lies within CIEDE2000 max_delta_e of the term's palette colour (or has its name);
//   * position terms: left/right/top/bottom by the box centre against the image's halves, centre by
//     the middle half on both axes; largest/smallest do not filter (the matcher ranks by them);
//   * material and other terms do not filter locally (they need an image-text model).
// Relaxed: position terms are dropped, colour thresholds become relaxed_* (object terms stay: a
// prompt naming an object that is not there matches nothing). A prompt without object, colour or
// position terms keeps every section but the root.
// Output keeps map order. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "regions/prompt.h"
#include "regions/section.h"

namespace iris::regions {

struct SectionFilterOptions {
  double max_delta_e = 25;
  double min_share = 0.1;
  double relaxed_max_delta_e = 40;
  double relaxed_min_share = 0.05;
};

std::vector<std::string> FilterSections(const SectionMap& map, const NormalisedPrompt& prompt,
                                        const SectionFilterOptions& options = {});
std::vector<std::string> RelaxedFilter(const SectionMap& map, const NormalisedPrompt& prompt,
                                       const SectionFilterOptions& options = {});

// CIEDE2000 between a colour and a colour term's palette colour (0 when the names are equal); a large
// number for an unknown term.
double ColorTermDistance(const SectionColor& colour, const std::string& term);
// The closest ColorTermDistance among the section's colours with share >= min_share.
double ColorDistance(const Section& section, const std::string& term, double min_share);

}  // namespace iris::regions
