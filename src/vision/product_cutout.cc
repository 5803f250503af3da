#include "vision/product_cutout.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "image/resample.h"

namespace iris {
namespace {

constexpr float kSureBackground = 0.05f;  // alpha below this: only background shows

// Never above alpha: a larger alpha would leave part of the backdrop in the colour (a darker edge).
float Remap(float alpha) { return std::clamp((alpha - kSureBackground) / (1 - kSureBackground), 0.0f, 1.0f); }

// Labels the 4-connected parts of `on`; returns each part's pixel count (label i+1 -> counts[i]).
std::vector<int> LabelParts(const std::vector<std::uint8_t>& on, int width, int height, std::vector<int>& labels) {
  labels.assign(on.size(), 0);
  std::vector<int> counts;
  std::vector<int> stack;
  for (int start = 0; start < static_cast<int>(on.size()); ++start) {
    if (!on[start] || labels[start]) continue;
    const int label = static_cast<int>(counts.size()) + 1;
    int count = 0;
    labels[start] = label;
    stack.push_back(start);
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      ++count;
      const int x = p % width, y = p / width;
      const std::array<std::pair<int, int>, 4> next = {{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}}};
      for (auto [nx, ny] : next) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const int q = ny * width + nx;
        if (on[q] && !labels[q]) {
          labels[q] = label;
          stack.push_back(q);
        }
      }
    }
    counts.push_back(count);
  }
  return counts;
}

// The mean colour of the sure-background pixels per cell of a grid, empty cells filled from their
// neighbours (then from the whole image, then white).
class BackgroundGrid {
 public:
  BackgroundGrid(const RgbImage& image, const std::vector<float>& alpha) {
    cell_ = std::max(8, std::max(image.width, image.height) / 24);
    cols_ = (image.width + cell_ - 1) / cell_;
    rows_ = (image.height + cell_ - 1) / cell_;
    sums_.assign(static_cast<std::size_t>(cols_) * rows_, {0, 0, 0, 0});
    for (int y = 0; y < image.height; ++y) {
      const std::uint8_t* row = image.row(y);
      for (int x = 0; x < image.width; ++x) {
        if (alpha[static_cast<std::size_t>(y) * image.width + x] >= kSureBackground) continue;
        auto& s = sums_[static_cast<std::size_t>(y / cell_) * cols_ + x / cell_];
        s[0] += row[3 * x];
        s[1] += row[3 * x + 1];
        s[2] += row[3 * x + 2];
        s[3] += 1;
      }
    }
    Fill();
  }

  // The estimated background colour at pixel (x, y), bilinear between cell centres.
  std::array<float, 3> At(int x, int y) const {
    const float gx = std::clamp((x + 0.5f) / cell_ - 0.5f, 0.0f, static_cast<float>(cols_ - 1));
    const float gy = std::clamp((y + 0.5f) / cell_ - 0.5f, 0.0f, static_cast<float>(rows_ - 1));
    const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
    const int x1 = std::min(x0 + 1, cols_ - 1), y1 = std::min(y0 + 1, rows_ - 1);
    const float fx = gx - x0, fy = gy - y0;
    std::array<float, 3> out{};
    for (int c = 0; c < 3; ++c) {
      const float top = Mean(x0, y0, c) * (1 - fx) + Mean(x1, y0, c) * fx;
      const float bottom = Mean(x0, y1, c) * (1 - fx) + Mean(x1, y1, c) * fx;
      out[c] = top * (1 - fy) + bottom * fy;
    }
    return out;
  }

 private:
  float Mean(int cx, int cy, int c) const { return means_[(static_cast<std::size_t>(cy) * cols_ + cx) * 3 + c]; }

  void Fill() {
    const std::size_t n = sums_.size();
    means_.assign(n * 3, 255.0f);
    std::vector<bool> known(n, false);
    std::array<double, 4> total{0, 0, 0, 0};
    for (std::size_t i = 0; i < n; ++i) {
      if (sums_[i][3] == 0) continue;
      for (int c = 0; c < 3; ++c) means_[i * 3 + c] = static_cast<float>(sums_[i][c] / sums_[i][3]);
      for (int c = 0; c < 4; ++c) total[c] += sums_[i][c];
      known[i] = true;
    }
    if (total[3] == 0) return;  // no background anywhere: white
    for (bool changed = true; changed;) {
      changed = false;
      std::vector<bool> next = known;
      for (int cy = 0; cy < rows_; ++cy) {
        for (int cx = 0; cx < cols_; ++cx) {
          const std::size_t i = static_cast<std::size_t>(cy) * cols_ + cx;
          if (known[i]) continue;
          std::array<float, 3> sum{};
          int m = 0;
          for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
              const int nx = cx + dx, ny = cy + dy;
              if (nx < 0 || ny < 0 || nx >= cols_ || ny >= rows_) continue;
              const std::size_t j = static_cast<std::size_t>(ny) * cols_ + nx;
              if (!known[j]) continue;
              for (int c = 0; c < 3; ++c) sum[c] += means_[j * 3 + c];
              ++m;
            }
          }
          if (m == 0) continue;
          for (int c = 0; c < 3; ++c) means_[i * 3 + c] = sum[c] / m;
          next[i] = true;
          changed = true;
        }
      }
      known = std::move(next);
    }
  }

  int cell_ = 8, cols_ = 1, rows_ = 1;
  std::vector<std::array<double, 4>> sums_;  // r, g, b, count
  std::vector<float> means_;
};

std::uint8_t ToByte(float v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

KeptForegroundResult KeptForeground(const ForegroundMask& mask, double min_part_fraction) {
  KeptForegroundResult out;
  out.alpha = mask.alpha;
  const std::vector<std::uint8_t> on = mask.Binary(0.5f);
  std::vector<int> labels;
  const std::vector<int> counts = LabelParts(on, mask.width, mask.height, labels);
  const int largest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  std::vector<bool> keep(counts.size() + 1, false);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    keep[i + 1] = counts[i] >= std::max(1.0, min_part_fraction * largest);
    (keep[i + 1] ? out.parts_kept : out.parts_dropped) += 1;
  }
  PixelBox box{mask.width, mask.height, 0, 0};
  for (int y = 0; y < mask.height; ++y) {
    for (int x = 0; x < mask.width; ++x) {
      const std::size_t p = static_cast<std::size_t>(y) * mask.width + x;
      if (!labels[p]) continue;
      if (!keep[labels[p]]) {
        out.alpha[p] = 0;
        continue;
      }
      box = {std::min(box.x0, x), std::min(box.y0, y), std::max(box.x1, x + 1), std::max(box.y1, y + 1)};
    }
  }
  if (out.parts_kept == 0) {
    out.box = {};
    std::fill(out.alpha.begin(), out.alpha.end(), 0.0f);
    return out;
  }
  const int margin = std::max(2, static_cast<int>(std::lround(0.02 * std::max(box.width(), box.height()))));
  const PixelBox keep_box{std::max(0, box.x0 - margin), std::max(0, box.y0 - margin),
                          std::min(mask.width, box.x1 + margin), std::min(mask.height, box.y1 + margin)};
  for (int y = 0; y < mask.height; ++y) {
    for (int x = 0; x < mask.width; ++x) {
      if (x < keep_box.x0 || x >= keep_box.x1 || y < keep_box.y0 || y >= keep_box.y1) {
        out.alpha[static_cast<std::size_t>(y) * mask.width + x] = 0;
      }
    }
  }
  out.box = box;
  return out;
}

Result<RgbImage> CompositeOnWhite(const RgbImage& image, const std::vector<float>& alpha, bool despill) {
  if (image.empty() || image.pixels.size() != image.stride() * image.height) {
    return InvalidArgument("composite: empty or malformed image");
  }
  if (alpha.size() != static_cast<std::size_t>(image.width) * image.height) {
    return InvalidArgument("composite: the alpha is not the image's size");
  }
  std::optional<BackgroundGrid> grid;
  if (despill) grid.emplace(image, alpha);
  RgbImage out{image.width, image.height, std::vector<std::uint8_t>(image.pixels.size(), 255)};
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* in = image.row(y);
    std::uint8_t* o = out.row(y);
    for (int x = 0; x < image.width; ++x) {
      const float a = Remap(alpha[static_cast<std::size_t>(y) * image.width + x]);
      if (a <= 0) continue;  // pure white
      if (!despill) {
        for (int c = 0; c < 3; ++c) o[3 * x + c] = ToByte(a * in[3 * x + c] + (1 - a) * 255.0f);
        continue;
      }
      const std::array<float, 3> b = grid->At(x, y);
      for (int c = 0; c < 3; ++c) {
        const float v = in[3 * x + c] + (1 - a) * (255.0f - b[c]);
        o[3 * x + c] = ToByte(std::clamp(v, (1 - a) * 255.0f, 255.0f));
      }
    }
  }
  return out;
}

Result<RgbImage> WhiteBackgroundShot(const RgbImage& image, const ForegroundMask& mask,
                                     const WhiteBackgroundOptions& options) {
  if (image.empty()) return InvalidArgument("white background: empty image");
  if (mask.width != image.width || mask.height != image.height) {
    return InvalidArgument("white background: the mask is not the image's size");
  }
  if (options.size < 16 || !(options.fill > 0 && options.fill <= 1)) {
    return InvalidArgument("white background: size must be >= 16 and fill within (0, 1]");
  }
  KeptForegroundResult kept = KeptForeground(mask, options.min_part_fraction);
  if (kept.box.empty()) {
    return Unprocessable(
        "no product found in the image: the foreground mask is empty (a white-background shot needs "
        "a photo of the product that stands out from its background)");
  }
  const PixelBox& box = kept.box;
  const double longer = std::max(box.width(), box.height());
  const double scale = options.fill * options.size / longer;
  // The crop keeps a margin of background around the product (for the background estimate and the soft edges).
  const int margin = std::max(16, static_cast<int>(std::lround(0.08 * longer)));
  const PixelBox crop{std::max(0, box.x0 - margin), std::max(0, box.y0 - margin),
                      std::min(image.width, box.x1 + margin), std::min(image.height, box.y1 + margin)};
  RgbImage part{crop.width(), crop.height(), {}};
  part.pixels.resize(part.stride() * part.height);
  std::vector<float> part_alpha(static_cast<std::size_t>(part.width) * part.height);
  for (int y = 0; y < part.height; ++y) {
    std::copy_n(image.row(crop.y0 + y) + 3 * crop.x0, part.stride(), part.row(y));
    std::copy_n(kept.alpha.begin() + static_cast<std::ptrdiff_t>(crop.y0 + y) * image.width + crop.x0, part.width,
                part_alpha.begin() + static_cast<std::ptrdiff_t>(y) * part.width);
  }
  IRIS_ASSIGN_OR_RETURN(RgbImage on_white, CompositeOnWhite(part, part_alpha, options.despill));
  const int scaled_w = std::max(1, static_cast<int>(std::lround(part.width * scale)));
  const int scaled_h = std::max(1, static_cast<int>(std::lround(part.height * scale)));
  IRIS_ASSIGN_OR_RETURN(RgbImage scaled, Resize(on_white, scaled_w, scaled_h, {ResampleFilter::kBicubic, true}));

  // The box's centre goes to the canvas's centre.
  const double centre_x = (box.x0 + box.x1) / 2.0 - crop.x0, centre_y = (box.y0 + box.y1) / 2.0 - crop.y0;
  const int offset_x = static_cast<int>(std::lround(options.size / 2.0 - centre_x * scaled_w / part.width));
  const int offset_y = static_cast<int>(std::lround(options.size / 2.0 - centre_y * scaled_h / part.height));
  RgbImage canvas{options.size, options.size,
                  std::vector<std::uint8_t>(static_cast<std::size_t>(options.size) * options.size * 3, 255)};
  for (int y = 0; y < scaled.height; ++y) {
    const int cy = y + offset_y;
    if (cy < 0 || cy >= canvas.height) continue;
    const int x_from = std::max(0, -offset_x), x_to = std::min(scaled.width, canvas.width - offset_x);
    if (x_to <= x_from) continue;
    std::copy_n(scaled.row(y) + 3 * x_from, 3 * (x_to - x_from), canvas.row(cy) + 3 * (x_from + offset_x));
  }
  return canvas;
}

}  // namespace iris
