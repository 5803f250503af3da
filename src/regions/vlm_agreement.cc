#include "regions/vlm_agreement.h"

#include <algorithm>

namespace iris::regions {
namespace {

bool Contains(const std::vector<std::string>& terms, const std::string& term) {
  return std::find(terms.begin(), terms.end(), term) != terms.end();
}

}  // namespace

bool HasVlmTerms(const NormalisedPrompt& prompt) {
  return !prompt.objects.empty() || !prompt.colors.empty() || !prompt.materials.empty() || !prompt.other.empty();
}

double VlmAgreement(const NormalisedPrompt& prompt, const VlmSectionAnalysis& analysis,
                    const std::vector<std::string>& class_names) {
  std::string words = analysis.type;
  for (const auto& element : analysis.visual_elements) words += " " + element;
  const NormalisedPrompt named = NormalisePrompt(words, class_names);
  int judged = 0, agreed = 0;
  const auto count = [&](const std::vector<std::string>& asked, const std::vector<std::string>& said) {
    for (const auto& term : asked) {
      ++judged;
      agreed += Contains(said, term) ? 1 : 0;
    }
  };
  count(prompt.objects, named.objects);
  count(prompt.colors, named.colors);
  count(prompt.materials, named.materials);
  count(prompt.other, named.other);
  return judged == 0 ? 0.0 : static_cast<double>(agreed) / judged;
}

std::vector<std::string> FilterByVlm(const std::vector<std::string>& kept, const NormalisedPrompt& prompt,
                                     const std::map<std::string, VlmSectionAnalysis>& analyses,
                                     const std::map<std::string, VlmSectionAnalysis>& fallback,
                                     const std::vector<std::string>& class_names) {
  if (prompt.materials.empty() && prompt.other.empty()) return kept;
  std::vector<std::string> named;
  for (const auto& id : kept) {
    const VlmSectionAnalysis* analysis = nullptr;
    if (auto it = analyses.find(id); it != analyses.end()) {
      analysis = &it->second;
    } else if (auto local = fallback.find(id); local != fallback.end()) {
      analysis = &local->second;
    } else {
      continue;
    }
    std::string words = analysis->type;
    for (const auto& element : analysis->visual_elements) words += " " + element;
    const NormalisedPrompt said = NormalisePrompt(words, class_names);
    const bool names_one = std::any_of(prompt.materials.begin(), prompt.materials.end(),
                                       [&](const std::string& t) { return Contains(said.materials, t); }) ||
                           std::any_of(prompt.other.begin(), prompt.other.end(),
                                       [&](const std::string& t) { return Contains(said.other, t); });
    if (names_one) named.push_back(id);
  }
  return named.empty() ? kept : named;
}

}  // namespace iris::regions
