// VlmAgreement: how well a vision-language model's analysis of one section (its element type and visual
// elements, e.g. {"couch", ["red", "leather", "couch"]}) agrees with the prompt. The analysis words are
// normalised like the prompt (regions/prompt.h: synonyms, plurals, colour and material terms), so "sofa"
// agrees with a prompt's "couch". The score is the fraction of the prompt's object, colour, material and other
// terms that the normalised analysis names (0..1); positions are not judged (the geometry does that).
// HasVlmTerms says whether a prompt has any term the score judges (without one the score is not used).
// FilterByVlm: when the prompt has material or other words (what the local filter cannot judge, e.g.
// "stripes", "velvet") and at least one kept section's analysis names one of them, keeps only the sections
// (in kept order) whose analysis names at least one; otherwise returns `kept` as it is. A section missing from
// `analyses` is judged on `fallback` (its local analysis), when given.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "regions/prompt.h"

namespace iris::regions {

struct VlmSectionAnalysis {
  std::string type;                          // e.g. "couch"
  std::vector<std::string> visual_elements;  // e.g. {"red", "leather", "couch"}
  bool operator==(const VlmSectionAnalysis&) const = default;
};

bool HasVlmTerms(const NormalisedPrompt& prompt);

double VlmAgreement(const NormalisedPrompt& prompt, const VlmSectionAnalysis& analysis,
                    const std::vector<std::string>& class_names);

std::vector<std::string> FilterByVlm(const std::vector<std::string>& kept, const NormalisedPrompt& prompt,
                                     const std::map<std::string, VlmSectionAnalysis>& analyses,
                                     const std::map<std::string, VlmSectionAnalysis>& fallback,
                                     const std::vector<std::string>& class_names);

}  // namespace iris::regions
