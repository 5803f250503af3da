#include "regions/section_analysis.h"

#include <cmath>

#include "vision/dominant_colors.h"

namespace iris::regions {
namespace {

// Up to max_samples masked pixels, evenly spaced in scan order, packed into a near-square image
// (small enough that DominantColors uses every sample as is).
RgbImage MaskedSamples(const RgbImage& image, const std::vector<std::uint8_t>& mask, int max_samples) {
  std::int64_t inside = 0;
  for (std::uint8_t m : mask) inside += m ? 1 : 0;
  if (inside == 0) return {};
  const std::int64_t step = std::max<std::int64_t>(1, (inside + max_samples - 1) / max_samples);
  std::vector<std::uint8_t> picked;
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    if (seen++ % step != 0) continue;
    const std::uint8_t* p = image.pixels.data() + i * 3;
    picked.insert(picked.end(), p, p + 3);
  }
  const auto n = static_cast<int>(picked.size() / 3);
  const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int rows = (n + side - 1) / side;
  for (int i = n; i < side * rows; ++i) {  // pad the last row by repeating samples
    const std::size_t from = static_cast<std::size_t>(i % n) * 3;
    picked.insert(picked.end(), picked.begin() + static_cast<std::ptrdiff_t>(from),
                  picked.begin() + static_cast<std::ptrdiff_t>(from + 3));
  }
  return RgbImage{side, rows, std::move(picked)};
}

}  // namespace

std::vector<std::string> PositionWords(const SectionBox& box, int width, int height) {
  std::vector<std::string> words;
  const double cx = box.center_x() / std::max(width, 1), cy = box.center_y() / std::max(height, 1);
  if (cx < 1.0 / 3) words.push_back("left");
  if (cx > 2.0 / 3) words.push_back("right");
  if (cy < 1.0 / 3) words.push_back("top");
  if (cy > 2.0 / 3) words.push_back("bottom");
  if (words.empty()) words.push_back("centre");
  return words;
}

Status AnalyseSections(const RgbImage& image, BuiltSections& built, const SectionAnalysisOptions& options) {
  if (image.width != built.map.width || image.height != built.map.height) {
    return InvalidArgument("section analysis: the image is not the size of the section map");
  }
  DominantColorOptions colour_options;
  colour_options.k = options.colors;
  for (std::size_t i = 0; i < built.map.sections.size(); ++i) {
    Section& s = built.map.sections[i];
    s.type = s.label;
    s.visual_elements = {s.label};
    s.colors.clear();
    const RgbImage samples = MaskedSamples(image, built.masks[i], options.max_samples);
    if (!samples.empty()) {
      IRIS_ASSIGN_OR_RETURN(const auto colours, DominantColors(samples, colour_options));
      for (const auto& c : colours) {
        s.colors.push_back({c.name, c.hex, c.share, c.lab});
        if (c.share >= options.element_share) s.visual_elements.push_back(c.name);
      }
    }
    if (i > 0) {
      for (auto& word : PositionWords(s.bbox, image.width, image.height)) s.visual_elements.push_back(std::move(word));
    }
  }
  return Status::Ok();
}

}  // namespace iris::regions
