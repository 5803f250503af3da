#include "regions/image_text.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace iris::regions {

std::map<std::string, double> RelativeImageTextScores(const std::map<std::string, double>& cosines,
                                                      double logit_scale) {
  std::map<std::string, double> out;
  if (cosines.empty()) return out;
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& [id, cosine] : cosines) best = std::max(best, cosine);
  // exp(scale * (c - best)) is the softmax probability divided by the largest one.
  for (const auto& [id, cosine] : cosines) out[id] = std::exp(logit_scale * (cosine - best));
  return out;
}

bool NeedsImageText(const NormalisedPrompt& prompt) { return !prompt.materials.empty() || !prompt.other.empty(); }

std::vector<std::string> FilterByImageText(const std::vector<std::string>& kept,
                                           const std::map<std::string, double>& relative, double min_relative) {
  std::vector<std::string> out;
  for (const auto& id : kept) {
    const auto it = relative.find(id);
    if (it == relative.end() || it->second >= min_relative) out.push_back(id);
  }
  return out;
}

}  // namespace iris::regions
