#include "regions/section_filter.h"

#include <algorithm>
#include <limits>

#include "vision/color_names.h"
#include "vision/color_space.h"

namespace iris::regions {
namespace {

bool PositionHolds(const Section& s, const std::string& position, int width, int height) {
  const double cx = s.bbox.center_x() / std::max(width, 1), cy = s.bbox.center_y() / std::max(height, 1);
  if (position == "left") return cx < 0.5;
  if (position == "right") return cx > 0.5;
  if (position == "top") return cy < 0.5;
  if (position == "bottom") return cy > 0.5;
  if (position == "centre") return cx > 0.25 && cx < 0.75 && cy > 0.25 && cy < 0.75;
  return true;  // largest, smallest: ranking only
}

std::vector<std::string> Filter(const SectionMap& map, const NormalisedPrompt& prompt, bool positions,
                                double max_delta_e, double min_share) {
  std::vector<std::string> kept;
  for (std::size_t i = 1; i < map.sections.size(); ++i) {
    const Section& s = map.sections[i];
    if (!prompt.objects.empty() &&
        std::find(prompt.objects.begin(), prompt.objects.end(), s.label) == prompt.objects.end()) {
      continue;
    }
    const bool colours = std::all_of(prompt.colors.begin(), prompt.colors.end(), [&](const std::string& c) {
      return ColorDistance(s, c, min_share) <= max_delta_e;
    });
    if (!colours) continue;
    if (positions && !std::all_of(prompt.positions.begin(), prompt.positions.end(),
                                  [&](const std::string& p) { return PositionHolds(s, p, map.width, map.height); })) {
      continue;
    }
    kept.push_back(s.id);
  }
  return kept;
}

}  // namespace

double ColorTermDistance(const SectionColor& colour, const std::string& term) {
  if (colour.name == term) return 0;
  for (const auto& entry : ColorPalette()) {
    if (entry.name == term) return DeltaE2000(Vec3{colour.lab[0], colour.lab[1], colour.lab[2]}, Srgb8ToLab(entry.rgb));
  }
  return std::numeric_limits<double>::max();
}

double ColorDistance(const Section& section, const std::string& term, double min_share) {
  double best = std::numeric_limits<double>::max();
  for (const auto& c : section.colors) {
    if (c.share >= min_share) best = std::min(best, ColorTermDistance(c, term));
  }
  return best;
}

std::vector<std::string> FilterSections(const SectionMap& map, const NormalisedPrompt& prompt,
                                        const SectionFilterOptions& options) {
  return Filter(map, prompt, /*positions=*/true, options.max_delta_e, options.min_share);
}

std::vector<std::string> RelaxedFilter(const SectionMap& map, const NormalisedPrompt& prompt,
                                       const SectionFilterOptions& options) {
  return Filter(map, prompt, /*positions=*/false, options.relaxed_max_delta_e, options.relaxed_min_share);
}

}  // namespace iris::regions
