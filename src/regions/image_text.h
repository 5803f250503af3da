// Image-text scores of sections: how well each section's crop matches the prompt according to a CLIP
// model (the app layer embeds the crops and the prompt; this file is the pure arithmetic on the cosines).
//
//   RelativeImageTextScores: softmax of the cosines over the sections with CLIP's logit scale (100, as
//     CLIP's zero-shot classification), divided by the largest probability, so the best section scores 1
//     and a section CLIP cannot tell from the best also scores about 1. Equal cosines (e.g. a prompt the
//     model knows no word of) give every section 1: the scores then change nothing.
//   NeedsImageText: the prompt has words the local filter cannot judge (materials, unknown words such
//     as a garment name or a colour word outside the palette, e.g. "crimson").
//   FilterByImageText: keeps the sections (in kept order) whose relative score is >= min_relative; a
//     section without a score is kept.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "regions/prompt.h"

namespace iris::regions {

inline constexpr double kClipLogitScale = 100;
inline constexpr double kMinRelativeImageText = 0.5;

std::map<std::string, double> RelativeImageTextScores(const std::map<std::string, double>& cosines,
                                                      double logit_scale = kClipLogitScale);

bool NeedsImageText(const NormalisedPrompt& prompt);

std::vector<std::string> FilterByImageText(const std::vector<std::string>& kept,
                                           const std::map<std::string, double>& relative,
                                           double min_relative = kMinRelativeImageText);

}  // namespace iris::regions
