#include "regions/section_matcher.h"

#include <algorithm>
#include <cmath>

#include "regions/section_filter.h"

namespace iris::regions {
namespace {

struct Ranked {
  ScoredSection scored;
  std::int64_t box_area = 0;
  std::size_t order = 0;
};

bool Better(const Ranked& a, const Ranked& b) {
  if (a.scored.score != b.scored.score) return a.scored.score > b.scored.score;
  if (a.box_area != b.box_area) return a.box_area > b.box_area;
  return a.order < b.order;
}

double PositionScore(const Section& s, const std::string& position, const SectionMap& map, std::int64_t min_area,
                     std::int64_t max_area) {
  const double cx = s.bbox.center_x() / std::max(map.width, 1), cy = s.bbox.center_y() / std::max(map.height, 1);
  const auto area = static_cast<double>(std::max<std::int64_t>(s.bbox.area(), 1));
  if (position == "left") return 1 - cx;
  if (position == "right") return cx;
  if (position == "top") return 1 - cy;
  if (position == "bottom") return cy;
  if (position == "centre") return std::max(0.0, 1 - std::hypot(cx - 0.5, cy - 0.5) / 0.70710678);
  if (position == "largest") return area / static_cast<double>(std::max<std::int64_t>(max_area, 1));
  if (position == "smallest") return static_cast<double>(std::max<std::int64_t>(min_area, 1)) / area;
  return 0;
}

double Score(const Section& s, const NormalisedPrompt& prompt, const SectionMap& map, std::int64_t min_area,
             std::int64_t max_area, const std::vector<std::map<std::string, double>>& extra_parts) {
  double sum = 0;
  int parts = 0;
  for (const auto& part : extra_parts) {
    const auto it = part.find(s.id);
    sum += it == part.end() ? 0 : it->second;
    ++parts;
  }
  if (!prompt.objects.empty()) {
    sum += s.score;
    ++parts;
  }
  for (const auto& colour : prompt.colors) {
    double best = 0;
    for (const auto& c : s.colors)
      best = std::max(best, c.share * std::max(0.0, 1 - ColorTermDistance(c, colour) / 50));
    sum += best;
    ++parts;
  }
  for (const auto& position : prompt.positions) {
    sum += PositionScore(s, position, map, min_area, max_area);
    ++parts;
  }
  if (parts == 0) {
    const double image = static_cast<double>(std::max(map.width, 1)) * std::max(map.height, 1);
    return std::sqrt(static_cast<double>(s.bbox.area()) / image) * s.score;
  }
  return sum / parts;
}

}  // namespace

SectionMatch MatchSections(const SectionMap& map, const std::vector<std::string>& kept, const NormalisedPrompt& prompt,
                           int group_size, const std::vector<std::map<std::string, double>>& extra_parts) {
  std::vector<std::pair<const Section*, std::size_t>> sections;  // with its position in the map
  for (const auto& id : kept) {
    if (const Section* s = map.Find(id)) sections.emplace_back(s, static_cast<std::size_t>(s - map.sections.data()));
  }
  std::int64_t min_area = 0, max_area = 0;
  for (const auto& [s, order] : sections) {
    min_area = min_area == 0 ? s->bbox.area() : std::min(min_area, s->bbox.area());
    max_area = std::max(max_area, s->bbox.area());
  }
  SectionMatch match;
  std::vector<Ranked> ranked;
  for (const auto& [s, order] : sections) {
    ranked.push_back({{s->id, Score(*s, prompt, map, min_area, max_area, extra_parts)}, s->bbox.area(), order});
    match.scored.push_back(ranked.back().scored);
  }
  std::vector<Ranked> winners;
  const auto group = static_cast<std::size_t>(std::max(group_size, 1));
  for (std::size_t from = 0; from < ranked.size(); from += group) {
    const auto end = ranked.begin() + static_cast<std::ptrdiff_t>(std::min(ranked.size(), from + group));
    winners.push_back(*std::min_element(ranked.begin() + static_cast<std::ptrdiff_t>(from), end, Better));
    match.group_best.push_back(winners.back().scored);
  }
  if (!winners.empty()) match.best = std::min_element(winners.begin(), winners.end(), Better)->scored;
  return match;
}

}  // namespace iris::regions
