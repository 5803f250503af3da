#include "vision/dominant_colors.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "vision/color_names.h"
#include "vision/color_space.h"

namespace iris {
namespace {

constexpr double kMergeDeltaE2000 = 5.0;
constexpr double kBackgroundBorderShare = 0.6;
constexpr double kMinForegroundShare = 0.05;
constexpr double kBorderRingFraction = 0.02;

// SplitMix64: tiny, fast and specified bit for bit (std:: distributions are not portable).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::uint64_t state_;
};

struct Samples {
  int width = 0;
  int height = 0;
  std::vector<Vec3> lab;  // row-major, width x height
};

Samples Downsample(const RgbImage& image, int max_pixels) {
  const double pixels = static_cast<double>(image.width) * image.height;
  const int f = std::max(1, static_cast<int>(std::ceil(std::sqrt(pixels / max_pixels))));
  Samples out;
  out.width = (image.width + f - 1) / f;
  out.height = (image.height + f - 1) / f;
  out.lab.reserve(static_cast<std::size_t>(out.width) * out.height);
  for (int by = 0; by < out.height; ++by) {
    const int y0 = by * f;
    const int y1 = std::min(image.height, y0 + f);
    for (int bx = 0; bx < out.width; ++bx) {
      const int x0 = bx * f;
      const int x1 = std::min(image.width, x0 + f);
      std::array<std::uint32_t, 3> sum{};
      for (int y = y0; y < y1; ++y) {
        const std::uint8_t* p = image.row(y) + static_cast<std::size_t>(x0) * 3;
        for (int x = x0; x < x1; ++x, p += 3) {
          sum[0] += p[0];
          sum[1] += p[1];
          sum[2] += p[2];
        }
      }
      const std::uint32_t n = static_cast<std::uint32_t>((y1 - y0) * (x1 - x0));
      out.lab.push_back(
          Srgb8ToLab({static_cast<std::uint8_t>((sum[0] + n / 2) / n), static_cast<std::uint8_t>((sum[1] + n / 2) / n),
                      static_cast<std::uint8_t>((sum[2] + n / 2) / n)}));
    }
  }
  return out;
}

double SquaredDistance(const Vec3& a, const Vec3& b) {
  const double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

struct Cluster {
  Vec3 lab{};
  std::int64_t count = 0;
};

struct Clustering {
  std::vector<Cluster> clusters;
  std::vector<int> labels;  // per point: index into clusters
};

std::vector<Vec3> SeedKMeansPlusPlus(const std::vector<Vec3>& points, int k, SplitMix64& rng) {
  std::vector<Vec3> centres;
  centres.push_back(points[static_cast<std::size_t>(rng.Uniform() * static_cast<double>(points.size()))]);
  std::vector<double> d2(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) d2[i] = SquaredDistance(points[i], centres[0]);
  while (static_cast<int>(centres.size()) < k) {
    double total = 0;
    for (double d : d2) total += d;
    if (total <= 0) break;  // every point sits on a centre: fewer distinct colours than k
    const double target = rng.Uniform() * total;
    std::size_t chosen = points.size() - 1;
    double running = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
      running += d2[i];
      if (running > target && d2[i] > 0) {
        chosen = i;
        break;
      }
    }
    centres.push_back(points[chosen]);
    for (std::size_t i = 0; i < points.size(); ++i) d2[i] = std::min(d2[i], SquaredDistance(points[i], centres.back()));
  }
  return centres;
}

// Drops clusters without points and renumbers the labels.
void DropEmpty(Clustering& c) {
  std::vector<int> remap(c.clusters.size(), -1);
  std::vector<Cluster> kept;
  for (std::size_t j = 0; j < c.clusters.size(); ++j) {
    if (c.clusters[j].count == 0) continue;
    remap[j] = static_cast<int>(kept.size());
    kept.push_back(c.clusters[j]);
  }
  for (int& label : c.labels) label = remap[label];
  c.clusters = std::move(kept);
}

Clustering KMeans(const std::vector<Vec3>& points, int k, std::uint64_t seed, int max_iterations) {
  SplitMix64 rng(seed);
  const std::vector<Vec3> centres = SeedKMeansPlusPlus(points, k, rng);
  Clustering c;
  c.clusters.resize(centres.size());
  for (std::size_t j = 0; j < centres.size(); ++j) c.clusters[j].lab = centres[j];
  c.labels.assign(points.size(), -1);
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    bool changed = false;
    for (std::size_t i = 0; i < points.size(); ++i) {
      int best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < c.clusters.size(); ++j) {
        const double d = SquaredDistance(points[i], c.clusters[j].lab);
        if (d < best_d) {
          best_d = d;
          best = static_cast<int>(j);
        }
      }
      if (c.labels[i] != best) {
        c.labels[i] = best;
        changed = true;
      }
    }
    std::vector<Vec3> sums(c.clusters.size(), Vec3{0, 0, 0});
    for (Cluster& cluster : c.clusters) cluster.count = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
      Cluster& cluster = c.clusters[c.labels[i]];
      ++cluster.count;
      for (int ch = 0; ch < 3; ++ch) sums[c.labels[i]][ch] += points[i][ch];
    }
    for (std::size_t j = 0; j < c.clusters.size(); ++j) {
      if (c.clusters[j].count == 0) continue;
      for (int ch = 0; ch < 3; ++ch) c.clusters[j].lab[ch] = sums[j][ch] / static_cast<double>(c.clusters[j].count);
    }
    DropEmpty(c);
    if (!changed) break;
  }
  return c;
}

// Merges the closest pair of clusters while it is closer than kMergeDeltaE2000.
void MergeNearlyIdentical(Clustering& c) {
  while (c.clusters.size() > 1) {
    std::size_t best_a = 0, best_b = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < c.clusters.size(); ++a) {
      for (std::size_t b = a + 1; b < c.clusters.size(); ++b) {
        const double d = DeltaE2000(c.clusters[a].lab, c.clusters[b].lab);
        if (d < best_d) {
          best_d = d;
          best_a = a;
          best_b = b;
        }
      }
    }
    if (best_d >= kMergeDeltaE2000) return;
    Cluster& into = c.clusters[best_a];
    const Cluster& from = c.clusters[best_b];
    const double total = static_cast<double>(into.count + from.count);
    for (int ch = 0; ch < 3; ++ch) into.lab[ch] = (into.lab[ch] * into.count + from.lab[ch] * from.count) / total;
    into.count += from.count;
    c.clusters[best_b].count = 0;
    for (int& label : c.labels) {
      if (label == static_cast<int>(best_b)) label = static_cast<int>(best_a);
    }
    DropEmpty(c);
  }
}

Clustering ClusterColors(const std::vector<Vec3>& points, const DominantColorOptions& options) {
  Clustering c = KMeans(points, options.k, options.seed, options.max_iterations);
  MergeNearlyIdentical(c);
  return c;
}

// The cluster holding at least kBackgroundBorderShare of the border samples, or -1.
int BackgroundCluster(const Samples& samples, const Clustering& c) {
  const int ring =
      std::max(1, static_cast<int>(std::lround(kBorderRingFraction * std::min(samples.width, samples.height))));
  std::vector<std::int64_t> border(c.clusters.size(), 0);
  std::int64_t total = 0;
  for (int y = 0; y < samples.height; ++y) {
    for (int x = 0; x < samples.width; ++x) {
      if (x >= ring && x < samples.width - ring && y >= ring && y < samples.height - ring) continue;
      ++border[c.labels[static_cast<std::size_t>(y) * samples.width + x]];
      ++total;
    }
  }
  for (std::size_t j = 0; j < border.size(); ++j) {
    if (total > 0 && static_cast<double>(border[j]) >= kBackgroundBorderShare * static_cast<double>(total)) {
      return static_cast<int>(j);
    }
  }
  return -1;
}

}  // namespace

Result<std::vector<DominantColor>> DominantColors(const RgbImage& image, const DominantColorOptions& options) {
  if (image.empty()) return InvalidArgument("dominant colors: empty image");
  if (image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("dominant colors: pixel buffer does not match width x height");
  }
  if (options.k < 1 || options.k > 16) {
    return InvalidArgument("dominant colors: k must be between 1 and 16, got " + std::to_string(options.k));
  }
  if (options.max_pixels < 1) return InvalidArgument("dominant colors: max_pixels must be at least 1");
  if (options.max_iterations < 1) return InvalidArgument("dominant colors: max_iterations must be at least 1");

  const Samples samples = Downsample(image, options.max_pixels);
  Clustering c = ClusterColors(samples.lab, options);
  if (options.ignore_background && c.clusters.size() > 1) {
    const int background = BackgroundCluster(samples, c);
    if (background >= 0) {
      std::vector<Vec3> foreground;
      for (std::size_t i = 0; i < samples.lab.size(); ++i) {
        if (c.labels[i] != background) foreground.push_back(samples.lab[i]);
      }
      if (static_cast<double>(foreground.size()) >= kMinForegroundShare * static_cast<double>(samples.lab.size())) {
        c = ClusterColors(foreground, options);
      }
    }
  }

  std::int64_t total = 0;
  for (const auto& cluster : c.clusters) total += cluster.count;
  std::vector<DominantColor> out;
  for (const auto& cluster : c.clusters) {
    DominantColor color;
    color.lab = cluster.lab;
    color.rgb = LabToSrgb8(cluster.lab);
    color.hex = RgbToHex(color.rgb);
    color.name = std::string(NearestColorName(cluster.lab).name);
    color.share = static_cast<double>(cluster.count) / static_cast<double>(total);
    out.push_back(std::move(color));
  }
  std::stable_sort(out.begin(), out.end(), [](const DominantColor& a, const DominantColor& b) {
    return a.share != b.share ? a.share > b.share : a.lab[0] < b.lab[0];
  });
  return out;
}

}  // namespace iris
