#include "vision/image_quality.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "vision/color_space.h"

namespace iris {
namespace {

using namespace quality_thresholds;  // NOLINT(google-build-using-namespace): the constants of the rule

struct LumaStats {
  std::array<std::int64_t, 256> histogram{};  // rounded luma
  std::int64_t count = 0;

  void Add(int v) {
    ++histogram[v];
    ++count;
  }
  double Mean() const {
    double sum = 0;
    for (int v = 0; v < 256; ++v) sum += static_cast<double>(histogram[v]) * v;
    return count > 0 ? sum / static_cast<double>(count) / 255.0 : 0;
  }
  double Std() const {
    const double mean = Mean() * 255.0;
    double sum2 = 0;
    for (int v = 0; v < 256; ++v) sum2 += static_cast<double>(histogram[v]) * (v - mean) * (v - mean);
    return count > 0 ? std::sqrt(sum2 / static_cast<double>(count)) / 255.0 : 0;
  }
  double FractionAtMost(int level) const {
    std::int64_t n = 0;
    for (int v = 0; v <= level; ++v) n += histogram[v];
    return count > 0 ? static_cast<double>(n) / static_cast<double>(count) : 0;
  }
  double FractionAtLeast(int level) const {
    std::int64_t n = 0;
    for (int v = level; v < 256; ++v) n += histogram[v];
    return count > 0 ? static_cast<double>(n) / static_cast<double>(count) : 0;
  }
};

struct Measured {
  LumaStats all;
  LumaStats center;
  LumaPlane working;
};

// One pass over the pixels: luma histograms of the whole image and of its centre box, and the working
// plane (f x f box means over the largest multiple-of-f region, f = round(longer side / kWorkingSize)).
Measured Measure(const RgbImage& image) {
  Measured m;
  const int f = std::max(
      1, static_cast<int>(std::lround(std::max(image.width, image.height) / static_cast<double>(kWorkingSize))));
  m.working.width = image.width / f;
  m.working.height = image.height / f;
  m.working.values.assign(static_cast<std::size_t>(m.working.width) * m.working.height, 0.0f);
  const float inv_area = 1.0f / static_cast<float>(f * f);
  const int cx0 = image.width / 4, cx1 = std::max(cx0 + 1, image.width - image.width / 4);
  const int cy0 = image.height / 4, cy1 = std::max(cy0 + 1, image.height - image.height / 4);
  const int covered_width = m.working.width * f;  // columns beyond it belong to no working pixel
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* p = image.row(y);
    const bool center_row = y >= cy0 && y < cy1;
    float* work = y / f < m.working.height ? m.working.values.data() + static_cast<std::size_t>(y / f) * m.working.width
                                           : nullptr;
    for (int x = 0, phase = 0; x < image.width; ++x, p += 3) {
      const float luma = Luma601(p[0], p[1], p[2]);
      const int level = static_cast<int>(luma + 0.5f);
      m.all.Add(level);
      if (center_row && x >= cx0 && x < cx1) m.center.Add(level);
      if (work != nullptr && x < covered_width) {
        *work += luma * inv_area;
        if (++phase == f) {
          phase = 0;
          ++work;
        }
      }
    }
  }
  return m;
}

// Variance of the 4-neighbour Laplacian over the interior pixels (0 when there is no interior).
double LaplacianVariance(const LumaPlane& p) {
  if (p.width < 3 || p.height < 3) return 0;
  double sum = 0, sum2 = 0;
  for (int y = 1; y + 1 < p.height; ++y) {
    for (int x = 1; x + 1 < p.width; ++x) {
      const double v =
          static_cast<double>(p.at(x - 1, y)) + p.at(x + 1, y) + p.at(x, y - 1) + p.at(x, y + 1) - 4.0 * p.at(x, y);
      sum += v;
      sum2 += v * v;
    }
  }
  const double n = static_cast<double>(p.width - 2) * (p.height - 2);
  const double mean = sum / n;
  return std::max(0.0, sum2 / n - mean * mean);
}

// Immerkaer (1996) "Fast noise variance estimation": sigma = sqrt(pi/2) / (6 N) * sum |I * M| with
// M = [1 -2 1; -2 4 -2; 1 -2 1], which cancels smooth intensity up to second order. As proposed by Tai &
// Yang (2008), the sum skips edge pixels: the kNoiseEdgeFraction of interior pixels with the strongest
// Sobel gradient (|Gx| + |Gy|, in bins of half a level; the bin at the cut-off is kept whole), which
// would otherwise be counted as noise. Pixels whose 3x3 neighbourhood is exactly flat (a clipped sky, a
// synthetic white backdrop) are left out first: they carry no noise information and would otherwise make
// up the "flat half". (Measured on real photos with
// added Gaussian noise, excluding half of the pixels still recovers the added sigma; it mostly removes
// texture from the estimate.)
double ImmerkaerNoise(const LumaPlane& p) {
  if (p.width < 3 || p.height < 3) return 0;
  // Per gradient bin (half a luma level wide): how many pixels and their summed |I * M|. The cut-off
  // bin is found from the counts; this avoids sorting the gradients.
  constexpr int kBins = 4096;  // |Gx| + |Gy| <= 2040 on 0..255 values
  std::vector<std::int64_t> count(kBins, 0);
  std::vector<double> response(kBins, 0.0);
  for (int y = 1; y + 1 < p.height; ++y) {
    const float* up = p.values.data() + static_cast<std::size_t>(y - 1) * p.width;
    const float* mid = up + p.width;
    const float* down = mid + p.width;
    for (int x = 1; x + 1 < p.width; ++x) {
      const float a = up[x - 1], b = up[x], c = up[x + 1];
      const float d = mid[x - 1], e = mid[x], f = mid[x + 1];
      const float g = down[x - 1], h = down[x], i = down[x + 1];
      const float gradient = std::abs((c + 2 * f + i) - (a + 2 * d + g)) + std::abs((g + 2 * h + i) - (a + 2 * b + c));
      if (gradient == 0) continue;  // perfectly flat: clipped or synthetic, no noise to measure there
      const int bin = std::min(kBins - 1, static_cast<int>(gradient * 2));
      ++count[bin];
      response[bin] += std::abs(a - 2 * b + c - 2 * d + 4 * e - 2 * f + g - 2 * h + i);
    }
  }
  double n = 0;
  for (std::int64_t c : count) n += static_cast<double>(c);
  const double keep = std::max(1.0, n * (1 - kNoiseEdgeFraction));
  double kept = 0, sum = 0;
  for (int bin = 0; bin < kBins && kept < keep; ++bin) {  // whole bins, up to the one that reaches `keep`
    kept += static_cast<double>(count[bin]);
    sum += response[bin];
  }
  return kept == 0 ? 0 : std::sqrt(std::numbers::pi / 2) * sum / (6.0 * kept);
}

// `value` with `decimals` digits after the point.
std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

}  // namespace

Result<ImageQuality> AssessImageQuality(const RgbImage& image) {
  if (image.empty()) return InvalidArgument("image quality: empty image");
  if (image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("image quality: pixel buffer does not match width x height");
  }
  ImageQuality q;
  q.width = image.width;
  q.height = image.height;
  q.megapixels = static_cast<double>(image.width) * image.height / 1e6;

  const Measured m = Measure(image);
  q.brightness = m.all.Mean();
  q.contrast = m.all.Std();
  q.clipped_dark = m.all.FractionAtMost(kClippedDarkLevel);
  q.clipped_bright = m.all.FractionAtLeast(kClippedBrightLevel);
  q.center_brightness = m.center.Mean();
  q.center_clipped_dark = m.center.FractionAtMost(kClippedDarkLevel);
  q.center_clipped_bright = m.center.FractionAtLeast(kClippedBrightLevel);
  q.sharpness = LaplacianVariance(m.working);
  q.noise = ImmerkaerNoise(m.working);

  // Exposure: centre-weighted metering, so a plain white or black backdrop around a well-exposed
  // subject is not taken for over- or underexposure.
  q.metered_brightness = (1 - kCenterWeight) * q.brightness + kCenterWeight * q.center_brightness;
  const bool heavily_under = q.metered_brightness < kHeavyUnderBrightness || q.center_clipped_dark > kHeavyClipped;
  const bool heavily_over = q.metered_brightness > kHeavyOverBrightness || q.center_clipped_bright > kHeavyClipped;
  const bool under = heavily_under || q.metered_brightness < kUnderBrightness || q.center_clipped_dark > kClipped;
  const bool over = heavily_over || q.metered_brightness > kOverBrightness || q.center_clipped_bright > kClipped;
  q.exposure = under && !over ? "under" : over && !under ? "over" : "ok";

  // Grade: hard problems make it C; soft ones count.
  int hard = 0, soft = 0;
  auto problem = [&q](int& counter, const std::string& text) {
    ++counter;
    q.issues.push_back(text);
  };
  const std::string resolution =
      Fixed(q.megapixels, 3) + " MP (" + std::to_string(q.width) + "x" + std::to_string(q.height) + ")";
  if (q.megapixels < kHardMinMegapixels) {
    problem(hard, "very low resolution: " + resolution + ", below " + Fixed(kHardMinMegapixels, 2) + " MP");
  } else if (q.megapixels < kSoftMinMegapixels) {
    problem(soft, "low resolution: " + resolution + ", below " + Fixed(kSoftMinMegapixels, 2) + " MP");
  }
  if (q.sharpness < kHardMinSharpness) {
    problem(hard, "very blurry: sharpness " + Fixed(q.sharpness, 1) + " (below " + Fixed(kHardMinSharpness, 0) + ")");
  } else if (q.sharpness < kSoftMinSharpness) {
    problem(soft,
            "slightly blurry: sharpness " + Fixed(q.sharpness, 1) + " (below " + Fixed(kSoftMinSharpness, 0) + ")");
  }
  if (q.exposure == "under") {
    const std::string detail = "metered brightness " + Fixed(q.metered_brightness, 2) + ", " +
                               Fixed(100 * q.center_clipped_dark, 0) + "% of the centre black";
    problem(heavily_under ? hard : soft, (heavily_under ? "heavily underexposed: " : "underexposed: ") + detail);
  } else if (q.exposure == "over") {
    const std::string detail = "metered brightness " + Fixed(q.metered_brightness, 2) + ", " +
                               Fixed(100 * q.center_clipped_bright, 0) + "% of the centre white";
    problem(heavily_over ? hard : soft, (heavily_over ? "heavily overexposed: " : "overexposed: ") + detail);
  }
  if (q.noise > kHardMaxNoise) {
    problem(hard, "very noisy: noise sigma " + Fixed(q.noise, 1) + " (above " + Fixed(kHardMaxNoise, 1) + ")");
  } else if (q.noise > kSoftMaxNoise) {
    problem(soft, "noisy: noise sigma " + Fixed(q.noise, 1) + " (above " + Fixed(kSoftMaxNoise, 1) + ")");
  }
  if (q.contrast < kSoftMinContrast) {
    problem(soft, "low contrast: luma std " + Fixed(q.contrast, 3) + " (below " + Fixed(kSoftMinContrast, 2) + ")");
  }
  q.grade = hard > 0 || soft >= 2 ? 'C' : soft == 1 ? 'B' : 'A';
  return q;
}

}  // namespace iris
