#include "regions/section_builder.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace iris::regions {
namespace {

using Mask = std::vector<std::uint8_t>;

struct Candidate {
  Section section;
  Mask mask;
};

SectionBox BoxOf(const Detection& d, int width, int height) {
  const int x0 = std::clamp(static_cast<int>(std::floor(d.x0)), 0, width);
  const int y0 = std::clamp(static_cast<int>(std::floor(d.y0)), 0, height);
  const int x1 = std::clamp(static_cast<int>(std::ceil(d.x1)), 0, width);
  const int y1 = std::clamp(static_cast<int>(std::ceil(d.y1)), 0, height);
  return {x0, y0, x1 - x0, y1 - y0};
}

// The extent of the non-zero pixels (empty box when there are none).
SectionBox Extent(const Mask& mask, int width, int height) {
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (!mask[static_cast<std::size_t>(y) * width + x]) continue;
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  return x1 < 0 ? SectionBox{} : SectionBox{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

std::int64_t Count(const Mask& mask) { return std::count(mask.begin(), mask.end(), std::uint8_t{1}); }

Mask BoxMask(const SectionBox& box, int width, int height, const Mask* within, double refine_fill) {
  Mask mask(static_cast<std::size_t>(width) * height, 0);
  std::int64_t inside = 0;
  for (int y = box.y; y < box.y + box.height; ++y) {
    for (int x = box.x; x < box.x + box.width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      mask[i] = 1;
      if (within && (*within)[i]) ++inside;
    }
  }
  if (within && box.area() > 0 && static_cast<double>(inside) >= refine_fill * static_cast<double>(box.area())) {
    for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = mask[i] && (*within)[i];
  }
  return mask;
}

// 4-connected components of `mask`, each as its own mask, largest first.
std::vector<Mask> Components(const Mask& mask, int width, int height, std::int64_t min_pixels) {
  std::vector<int> label(mask.size(), -1);
  std::vector<Mask> parts;
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < mask.size(); ++start) {
    if (!mask[start] || label[start] >= 0) continue;
    const int id = static_cast<int>(parts.size());
    Mask part(mask.size(), 0);
    std::int64_t n = 0;
    stack.push_back(start);
    label[start] = id;
    while (!stack.empty()) {
      const std::size_t i = stack.back();
      stack.pop_back();
      part[i] = 1;
      ++n;
      const int x = static_cast<int>(i % width), y = static_cast<int>(i / width);
      const auto visit = [&](int nx, int ny) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) return;
        const std::size_t j = static_cast<std::size_t>(ny) * width + nx;
        if (mask[j] && label[j] < 0) {
          label[j] = id;
          stack.push_back(j);
        }
      };
      visit(x - 1, y);
      visit(x + 1, y);
      visit(x, y - 1);
      visit(x, y + 1);
    }
    parts.push_back(n >= min_pixels ? std::move(part) : Mask{});
  }
  std::erase_if(parts, [](const Mask& m) { return m.empty(); });
  std::stable_sort(parts.begin(), parts.end(), [](const Mask& a, const Mask& b) { return Count(a) > Count(b); });
  return parts;
}

Candidate FromMask(Mask mask, int width, int height, std::string source, std::string label) {
  Candidate c;
  c.section.source = std::move(source);
  c.section.label = std::move(label);
  c.section.bbox = Extent(mask, width, height);
  c.mask = std::move(mask);
  return c;
}

std::vector<Detection> ByScore(std::vector<Detection> found) {
  std::stable_sort(found.begin(), found.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  return found;
}

}  // namespace

BuiltSections BuildSections(const SectionInputs& in, const SectionBuildOptions& options) {
  const int w = in.width, h = in.height;
  const auto pixels = static_cast<std::int64_t>(w) * h;
  std::vector<Candidate> candidates;
  candidates.push_back(FromMask(Mask(static_cast<std::size_t>(pixels), 1), w, h, "image", "image"));

  const Mask* foreground = nullptr;
  if (in.foreground && static_cast<std::int64_t>(in.foreground->size()) == pixels) {
    const double share =
        static_cast<double>(Count(*in.foreground)) / static_cast<double>(std::max<std::int64_t>(pixels, 1));
    if (share >= options.min_foreground && share <= options.max_foreground) {
      foreground = in.foreground;
      candidates.push_back(FromMask(*foreground, w, h, "foreground", "foreground"));
      auto parts =
          Components(*foreground, w, h, static_cast<std::int64_t>(options.min_part * static_cast<double>(pixels)));
      if (parts.size() >= 2) {
        for (auto& part : parts) candidates.push_back(FromMask(std::move(part), w, h, "foreground", "foreground part"));
      }
    }
  }
  const auto add_detections = [&](const std::vector<Detection>& found, const char* source) {
    for (const auto& d : ByScore(found)) {
      Candidate c;
      c.section.source = source;
      c.section.label = d.label.empty() ? std::string(source) : d.label;
      c.section.score = d.score;
      c.section.bbox = BoxOf(d, w, h);
      c.mask = BoxMask(c.section.bbox, w, h, foreground, options.refine_fill);
      candidates.push_back(std::move(c));
    }
  };
  add_detections(in.objects, "object");
  add_detections(in.faces, "face");
  std::erase_if(candidates, [&](const Candidate& c) { return c.section.bbox.area() < options.min_box; });

  BuiltSections built;
  built.map.width = w;
  built.map.height = h;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Section& s = candidates[i].section;
    s.id = std::to_string(i);
    s.id.insert(s.id.begin(), 's');
    s.area = Count(candidates[i].mask);
    s.mask = EncodeMaskRle(candidates[i].mask, w, h);
    s.type = s.label;
  }
  // Parents: the smallest bigger box that contains this one.
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    Section& s = candidates[i].section;
    std::size_t parent = 0;
    for (std::size_t j = 1; j < candidates.size(); ++j) {
      const Section& p = candidates[j].section;
      if (j == i || p.bbox.area() <= s.bbox.area() || BoxContainment(s.bbox, p.bbox) < options.containment) continue;
      if (parent == 0 || p.bbox.area() < candidates[parent].section.bbox.area()) parent = j;
    }
    s.parent = candidates[parent].section.id;
    candidates[parent].section.children.push_back(s.id);
  }
  for (auto& c : candidates) {
    built.map.sections.push_back(std::move(c.section));
    built.masks.push_back(std::move(c.mask));
  }
  return built;
}

}  // namespace iris::regions
