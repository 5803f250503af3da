// MatchSections: the seed's matcher. Scores every kept section against the prompt, picks the best
// of each group of 5 (kept order), then reduces the group winners to one best match.
//
// Score (0..1): the mean of the parts the prompt asks for --
//   object terms: the detector's confidence;
//   each colour term: max over the section's colours of share * max(0, 1 - dE2000 / 50);
//   each position term: left 1 - cx, right cx, top 1 - cy, bottom cy (centre in image fractions),
//     centre 1 - distance to the image centre / 0.7071, largest area / largest kept area,
//     smallest smallest kept area / area;
//   each of `extra_parts` (a score per section id, 0..1; a section it leaves out scores 0): one more part --
//     the relative CLIP image-text score (regions/image_text.h), the VLM agreement (regions/vlm_agreement.h);
//   with no terms at all (and no extra part): prominence, sqrt(box area / image area) * confidence.
// Ties (equal score) go to the larger box, then to the earlier section (map order): deterministic.
// Pure function; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regions/prompt.h"
#include "regions/section.h"

namespace iris::regions {

struct ScoredSection {
  std::string id;
  double score = 0;
};

struct SectionMatch {
  std::optional<ScoredSection> best;      // nullopt when nothing was kept
  std::vector<ScoredSection> scored;      // every kept section, kept order
  std::vector<ScoredSection> group_best;  // the winner of each group of group_size
};

SectionMatch MatchSections(const SectionMap& map, const std::vector<std::string>& kept, const NormalisedPrompt& prompt,
                           int group_size = 5, const std::vector<std::map<std::string, double>>& extra_parts = {});

}  // namespace iris::regions
