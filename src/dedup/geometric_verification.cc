#include "dedup/geometric_verification.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <random>
#include <set>

#include "core/cpu_popcount.h"
#include "dedup/image_views.h"

namespace iris {
namespace {

constexpr int kPatchRadius = 15;  // orientation disc and descriptor pattern radius
constexpr int kBorder = kPatchRadius + 1;

// 8-bit plane.
struct Plane {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> v;
  int at(int x, int y) const { return v[static_cast<std::size_t>(y) * width + x]; }
};

Plane ToPlane(const LumaPlane& luma) {
  Plane p{luma.width, luma.height, std::vector<std::uint8_t>(luma.values.size())};
  for (std::size_t i = 0; i < luma.values.size(); ++i) {
    p.v[i] = static_cast<std::uint8_t>(std::clamp(std::lround(luma.values[i]), 0L, 255L));
  }
  return p;
}

// Separable [1 4 6 4 1] / 16 smoothing, edges clamped.
Plane Smooth(const Plane& in) {
  static constexpr int k[5] = {1, 4, 6, 4, 1};
  std::vector<int> tmp(in.v.size());
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      int s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * in.at(std::clamp(x + i, 0, in.width - 1), y);
      tmp[static_cast<std::size_t>(y) * in.width + x] = s;
    }
  }
  Plane out{in.width, in.height, std::vector<std::uint8_t>(in.v.size())};
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      int s = 0;
      for (int i = -2; i <= 2; ++i)
        s += k[i + 2] * tmp[static_cast<std::size_t>(std::clamp(y + i, 0, in.height - 1)) * in.width + x];
      out.v[static_cast<std::size_t>(y) * in.width + x] = static_cast<std::uint8_t>((s + 128) / 256);
    }
  }
  return out;
}

constexpr int kCircle[16][2] = {{0, -3}, {1, -3}, {2, -2}, {3, -1}, {3, 0},  {3, 1},   {2, 2},   {1, 3},
                                {0, 3},  {-1, 3}, {-2, 2}, {-3, 1}, {-3, 0}, {-3, -1}, {-2, -2}, {-1, -3}};

// FAST-9 score at (x, y): 0 when not a corner, else the summed excess over the threshold of the circle
// pixels on the winning side.
int FastScore(const Plane& p, int x, int y, int t) {
  const int c = p.at(x, y);
  int state[16];
  int brighter = 0, darker = 0;
  for (int i = 0; i < 16; ++i) {
    const int v = p.at(x + kCircle[i][0], y + kCircle[i][1]);
    state[i] = v > c + t ? 1 : (v < c - t ? -1 : 0);
    brighter += state[i] == 1;
    darker += state[i] == -1;
  }
  if (brighter < 9 && darker < 9) return 0;
  const int want = brighter >= 9 ? 1 : -1;
  int run = 0, best = 0;
  for (int i = 0; i < 32; ++i) {
    run = state[i % 16] == want ? run + 1 : 0;
    best = std::max(best, run);
  }
  if (best < 9) return 0;
  int score = 0;
  for (int i = 0; i < 16; ++i) {
    if (state[i] == want) score += std::abs(p.at(x + kCircle[i][0], y + kCircle[i][1]) - c) - t;
  }
  return score;
}

struct Pattern {
  std::array<std::array<float, 4>, 256> pairs;  // x1, y1, x2, y2
};

const Pattern& DescriptorPattern() {
  static const Pattern pattern = [] {
    Pattern p;
    std::mt19937 rng(20240611);
    std::normal_distribution<float> gauss(0.f, 31.f / 5.f);
    auto point = [&](float& x, float& y) {
      do {
        x = gauss(rng);
        y = gauss(rng);
      } while (x * x + y * y > float((kPatchRadius - 1) * (kPatchRadius - 1)));
    };
    for (auto& pair : p.pairs) {
      point(pair[0], pair[1]);
      point(pair[2], pair[3]);
    }
    return p;
  }();
  return pattern;
}

float KeypointAngle(const Plane& p, int x, int y) {
  double m01 = 0, m10 = 0;
  for (int dy = -kPatchRadius; dy <= kPatchRadius; ++dy) {
    for (int dx = -kPatchRadius; dx <= kPatchRadius; ++dx) {
      if (dx * dx + dy * dy > kPatchRadius * kPatchRadius) continue;
      const int v = p.at(x + dx, y + dy);
      m10 += dx * v;
      m01 += dy * v;
    }
  }
  return static_cast<float>(std::atan2(m01, m10));
}

// The descriptor, and in `stable` its 16-bit chunks ordered by how far their closest comparison is from
// a tie (most stable first, 4 bits each, the 8 best): a chunk whose every comparison has a wide margin
// survives re-encoding, resizing and small shifts intact, which is what the vote index needs.
BinaryDescriptor Describe(const Plane& smooth, int x, int y, float angle, std::uint32_t& stable) {
  const float c = std::cos(angle), s = std::sin(angle);
  BinaryDescriptor d = {0, 0, 0, 0};
  const Pattern& pattern = DescriptorPattern();
  std::array<int, 16> min_margin, sum_margin;
  min_margin.fill(256);
  sum_margin.fill(0);
  for (int i = 0; i < 256; ++i) {
    const auto& q = pattern.pairs[i];
    const int ax = x + static_cast<int>(std::lround(c * q[0] - s * q[1]));
    const int ay = y + static_cast<int>(std::lround(s * q[0] + c * q[1]));
    const int bx = x + static_cast<int>(std::lround(c * q[2] - s * q[3]));
    const int by = y + static_cast<int>(std::lround(s * q[2] + c * q[3]));
    const int a = smooth.at(ax, ay), b = smooth.at(bx, by);
    if (a < b) d[i / 64] |= std::uint64_t{1} << (i % 64);
    min_margin[static_cast<std::size_t>(i / 16)] =
        std::min(min_margin[static_cast<std::size_t>(i / 16)], std::abs(a - b));
    sum_margin[static_cast<std::size_t>(i / 16)] += std::abs(a - b);
  }
  std::array<int, 16> order;
  for (int i = 0; i < 16; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](int u, int v) {
    const auto su = static_cast<std::size_t>(u), sv = static_cast<std::size_t>(v);
    if (min_margin[su] != min_margin[sv]) return min_margin[su] > min_margin[sv];
    return sum_margin[su] != sum_margin[sv] ? sum_margin[su] > sum_margin[sv] : u < v;
  });
  stable = 0;
  for (int i = 0; i < 8; ++i) stable |= static_cast<std::uint32_t>(order[static_cast<std::size_t>(i)]) << (4 * i);
  return d;
}

float Bilinear(const LumaPlane& p, double x, double y) {
  const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
  const int x1 = std::min(x0 + 1, p.width - 1), y1 = std::min(y0 + 1, p.height - 1);
  const double fx = x - x0, fy = y - y0;
  return static_cast<float>((1 - fy) * ((1 - fx) * p.at(x0, y0) + fx * p.at(x1, y0)) +
                            fy * ((1 - fx) * p.at(x0, y1) + fx * p.at(x1, y1)));
}

// Averages k x k blocks (k >= 1; a partial last block averages what it has).
LumaPlane BoxShrink(const LumaPlane& in, int k) {
  if (k <= 1) return in;
  LumaPlane out{(in.width + k - 1) / k, (in.height + k - 1) / k, {}};
  out.values.assign(static_cast<std::size_t>(out.width) * out.height, 0);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      float sum = 0;
      int n = 0;
      for (int yy = y * k; yy < std::min(in.height, (y + 1) * k); ++yy) {
        for (int xx = x * k; xx < std::min(in.width, (x + 1) * k); ++xx, ++n) sum += in.at(xx, yy);
      }
      out.values[static_cast<std::size_t>(y) * out.width + x] = sum / static_cast<float>(n);
    }
  }
  return out;
}

// Correlation of high-pass thumbnails under stored = a * query + t (working coordinates). The side whose
// content is larger in its thumbnail is box-shrunk first so both compare detail of the same scale.
void PhotometricCheck(const LocalFeatures& query, const LocalFeatures& stored, std::complex<double> a,
                      std::complex<double> t, GeometricVerification& out) {
  using C = std::complex<double>;
  if (query.thumbnail.values.empty() || stored.thumbnail.values.empty()) return;
  const double q_scale = static_cast<double>(query.width) / query.thumbnail.width;    // working px per thumb px
  const double s_scale = static_cast<double>(stored.thumbnail.width) / stored.width;  // thumb px per working px
  const double s = std::abs(a) * q_scale * s_scale;  // stored thumbnail px per query thumbnail px
  const int kq = s < 0.75 ? static_cast<int>(std::lround(1 / s)) : 1;
  const int ks = s > 1.33 ? static_cast<int>(std::lround(s)) : 1;
  const LumaPlane qh = HighPassLuma(BoxShrink(query.thumbnail, kq));
  const LumaPlane sh = HighPassLuma(BoxShrink(stored.thumbnail, ks));
  double n = 0, sq = 0, ss = 0, sqq = 0, sss = 0, sqs = 0;
  for (int v = 0; v < qh.height; ++v) {
    for (int u = 0; u < qh.width; ++u) {
      const C z((u + 0.5) * kq * q_scale, (v + 0.5) * kq * q_scale);  // query working coordinates
      const C w = (a * z + t) * s_scale / static_cast<double>(ks) - C(0.5, 0.5);
      if (w.real() < 0 || w.imag() < 0 || w.real() > sh.width - 1 || w.imag() > sh.height - 1) continue;
      const double x = qh.at(u, v), y = Bilinear(sh, w.real(), w.imag());
      n += 1;
      sq += x;
      ss += y;
      sqq += x * x;
      sss += y * y;
      sqs += x * y;
    }
  }
  out.overlap = n / (static_cast<double>(qh.width) * qh.height);
  if (out.overlap < 0.2 || n < 16) return;
  const double cov = sqs - sq * ss / n, vq = sqq - sq * sq / n, vs = sss - ss * ss / n;
  out.detail_correlation = vq > 0 && vs > 0 ? cov / std::sqrt(vq * vs) : 0;
}

}  // namespace

int DescriptorDistance(const BinaryDescriptor& a, const BinaryDescriptor& b) {
  return std::popcount(a[0] ^ b[0]) + std::popcount(a[1] ^ b[1]) + std::popcount(a[2] ^ b[2]) +
         std::popcount(a[3] ^ b[3]);
}

Result<LocalFeatures> ExtractLocalFeatures(const RgbImage& image, const FeatureOptions& options) {
  if (image.empty() || image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("ExtractLocalFeatures: empty or malformed image");
  }
  const double base = static_cast<double>(options.working_size) / std::max(image.width, image.height);
  LocalFeatures out;
  out.width = std::max(1, static_cast<int>(std::lround(image.width * base)));
  out.height = std::max(1, static_cast<int>(std::lround(image.height * base)));
  const double thumb = static_cast<double>(kThumbnailSize) / std::max(out.width, out.height);
  out.thumbnail = ResizeLumaArea(image, std::max(1, static_cast<int>(std::lround(out.width * thumb))),
                                 std::max(1, static_cast<int>(std::lround(out.height * thumb))));

  // Per-level quota proportional to area.
  std::vector<double> level_scale(options.levels);
  double area_sum = 0;
  for (int l = 0; l < options.levels; ++l) {
    level_scale[l] = std::pow(options.scale_factor, l);
    area_sum += 1.0 / (level_scale[l] * level_scale[l]);
  }
  for (int l = 0; l < options.levels; ++l) {
    const int w = static_cast<int>(std::lround(out.width / level_scale[l]));
    const int h = static_cast<int>(std::lround(out.height / level_scale[l]));
    if (w < 2 * kBorder + 8 || h < 2 * kBorder + 8) break;
    const Plane plane = ToPlane(ResizeLumaArea(image, w, h));
    std::vector<int> score(static_cast<std::size_t>(w) * h, 0);
    for (int y = kBorder; y < h - kBorder; ++y) {
      for (int x = kBorder; x < w - kBorder; ++x)
        score[static_cast<std::size_t>(y) * w + x] = FastScore(plane, x, y, options.fast_threshold);
    }
    std::vector<Keypoint> level_points;
    for (int y = kBorder; y < h - kBorder; ++y) {
      for (int x = kBorder; x < w - kBorder; ++x) {
        const int s = score[static_cast<std::size_t>(y) * w + x];
        if (s == 0) continue;
        bool is_max = true;
        for (int dy = -1; dy <= 1 && is_max; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            const int o = score[static_cast<std::size_t>(y + dy) * w + x + dx];
            // Ties broken by position so exactly one of two equal neighbours survives.
            if (o > s || (o == s && (dy < 0 || (dy == 0 && dx < 0)))) {
              is_max = false;
              break;
            }
          }
        }
        if (is_max) level_points.push_back({static_cast<float>(x), static_cast<float>(y), 0, l, s});
      }
    }
    const auto quota =
        static_cast<std::size_t>(std::lround(options.max_features / (level_scale[l] * level_scale[l]) / area_sum));
    if (level_points.size() > quota) {
      std::nth_element(level_points.begin(), level_points.begin() + static_cast<std::ptrdiff_t>(quota),
                       level_points.end(), [](const Keypoint& a, const Keypoint& b) { return a.score > b.score; });
      level_points.resize(quota);
    }
    const Plane smooth = Smooth(plane);
    for (Keypoint& k : level_points) {
      const int x = static_cast<int>(k.x), y = static_cast<int>(k.y);
      k.angle = KeypointAngle(plane, x, y);
      std::uint32_t stable = 0;
      out.descriptors.push_back(Describe(smooth, x, y, k.angle, stable));
      out.stable_chunks.push_back(stable);
      k.x = static_cast<float>(k.x * level_scale[l]);
      k.y = static_cast<float>(k.y * level_scale[l]);
      out.keypoints.push_back(k);
    }
  }
  return out;
}

namespace {

// The nearest-two search of MatchFeatures, compiled with and without POPCNT (core/cpu_popcount.h): it is
// most of a verification's time (a query's ~500 descriptors against a stored photo's ~190).
[[gnu::always_inline]] inline void MatchAll(const LocalFeatures& query, const LocalFeatures& stored,
                                            const VerificationOptions& options, std::vector<FeatureMatch>& matches) {
  for (std::size_t i = 0; i < query.descriptors.size(); ++i) {
    const BinaryDescriptor& q = query.descriptors[i];
    int best = 257, second = 257, best_j = -1;
    for (std::size_t j = 0; j < stored.descriptors.size(); ++j) {
      const BinaryDescriptor& s = stored.descriptors[j];
      const int d = std::popcount(q[0] ^ s[0]) + std::popcount(q[1] ^ s[1]) + std::popcount(q[2] ^ s[2]) +
                    std::popcount(q[3] ^ s[3]);
      if (d < best) {
        second = best;
        best = d;
        best_j = static_cast<int>(j);
      } else if (d < second) {
        second = d;
      }
    }
    if (best_j >= 0 && best <= options.max_descriptor_distance && best < options.ratio * second) {
      matches.push_back({static_cast<int>(i), best_j, best});
    }
  }
}

IRIS_TARGET_POPCNT void MatchAllPopcnt(const LocalFeatures& query, const LocalFeatures& stored,
                                       const VerificationOptions& options, std::vector<FeatureMatch>& matches) {
  MatchAll(query, stored, options, matches);
}

void MatchAllPlain(const LocalFeatures& query, const LocalFeatures& stored, const VerificationOptions& options,
                   std::vector<FeatureMatch>& matches) {
  MatchAll(query, stored, options, matches);
}

}  // namespace

std::vector<FeatureMatch> MatchFeatures(const LocalFeatures& query, const LocalFeatures& stored,
                                        const VerificationOptions& options) {
  std::vector<FeatureMatch> matches;
  if (CpuHasPopcnt()) {
    MatchAllPopcnt(query, stored, options, matches);
  } else {
    MatchAllPlain(query, stored, options, matches);
  }
  return matches;
}

GeometricVerification VerifyGeometry(const LocalFeatures& query, const LocalFeatures& stored,
                                     const VerificationOptions& options) {
  using C = std::complex<double>;
  GeometricVerification out;
  const std::vector<FeatureMatch> matches = MatchFeatures(query, stored, options);
  out.matches = static_cast<int>(matches.size());
  if (matches.size() < 2) return out;
  std::vector<C> p(matches.size()), q(matches.size());
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const Keypoint& a = query.keypoints[matches[i].query];
    const Keypoint& b = stored.keypoints[matches[i].stored];
    p[i] = C(a.x, a.y);
    q[i] = C(b.x, b.y);
  }
  // Inliers of q = a * p + t, counted as distinct keypoints on both sides.
  auto inliers_of = [&](C a, C t, std::vector<int>* members) {
    std::set<int> qs, ss;
    for (std::size_t i = 0; i < matches.size(); ++i) {
      if (std::abs(a * p[i] + t - q[i]) < options.inlier_px) {
        qs.insert(matches[i].query);
        ss.insert(matches[i].stored);
        if (members) members->push_back(static_cast<int>(i));
      }
    }
    return static_cast<int>(std::min(qs.size(), ss.size()));
  };
  std::mt19937 rng(options.seed);
  std::uniform_int_distribution<std::size_t> pick(0, matches.size() - 1);
  int best = 0;
  C best_a, best_t;
  for (int it = 0; it < options.ransac_iterations; ++it) {
    const std::size_t i = pick(rng), j = pick(rng);
    if (i == j || std::abs(p[i] - p[j]) < 8 || std::abs(q[i] - q[j]) < 8) continue;
    const C a = (q[j] - q[i]) / (p[j] - p[i]);
    if (std::abs(a) < options.min_scale || std::abs(a) > options.max_scale) continue;
    const C t = q[i] - a * p[i];
    const int n = inliers_of(a, t, nullptr);
    if (n > best) {
      best = n;
      best_a = a;
      best_t = t;
    }
  }
  if (best < 2) return out;
  // One least-squares refit of the similarity on the inliers, kept if it does not lose inliers.
  std::vector<int> members;
  inliers_of(best_a, best_t, &members);
  C mp = 0, mq = 0;
  for (int i : members) {
    mp += p[i];
    mq += q[i];
  }
  mp /= static_cast<double>(members.size());
  mq /= static_cast<double>(members.size());
  C num = 0;
  double den = 0;
  for (int i : members) {
    num += (q[i] - mq) * std::conj(p[i] - mp);
    den += std::norm(p[i] - mp);
  }
  if (den > 0) {
    const C a = num / den;
    const C t = mq - a * mp;
    const int n = inliers_of(a, t, nullptr);
    if (n >= best && std::abs(a) >= options.min_scale && std::abs(a) <= options.max_scale) {
      best = n;
      best_a = a;
      best_t = t;
    }
  }
  out.inliers = best;
  out.scale = std::abs(best_a);
  out.rotation_degrees = std::arg(best_a) * 180.0 / M_PI;
  out.tx = best_t.real();
  out.ty = best_t.imag();
  PhotometricCheck(query, stored, best_a, best_t, out);
  return out;
}

}  // namespace iris
