#include "dedup/signature_tiers.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "dedup/feature_index.h"
#include "dedup/tiered_signature_codec.h"

namespace iris {
namespace {

LumaPlane Quantize(LumaPlane plane) {
  for (float& v : plane.values) v = static_cast<float>(std::lround(std::clamp(v, 0.0f, 255.0f)));
  return plane;
}

// Area (box) resize of a plane so that its longer side is at most max_side; smaller planes as is.
LumaPlane ShrinkPlane(const LumaPlane& in, int max_side) {
  const int longer = std::max(in.width, in.height);
  if (longer <= max_side || in.values.empty()) return in;
  const double f = static_cast<double>(max_side) / longer;
  const int w = std::max(1, static_cast<int>(std::lround(in.width * f)));
  const int h = std::max(1, static_cast<int>(std::lround(in.height * f)));
  const double sx = static_cast<double>(in.width) / w, sy = static_cast<double>(in.height) / h;
  // Separable box filter with fractional edges: weight of source cell [i, i+1) in [a, b).
  auto weights = [](int out_size, double step, int in_size) {
    std::vector<std::vector<std::pair<int, double>>> out(out_size);
    for (int o = 0; o < out_size; ++o) {
      const double a = o * step, b = std::min<double>(in_size, (o + 1) * step);
      for (int i = static_cast<int>(a); i < in_size && i < b; ++i) {
        const double wgt = std::min<double>(i + 1, b) - std::max<double>(i, a);
        if (wgt > 0) out[o].push_back({i, wgt / (b - a)});
      }
    }
    return out;
  };
  const auto wx = weights(w, sx, in.width), wy = weights(h, sy, in.height);
  std::vector<double> rows(static_cast<std::size_t>(w) * in.height, 0.0);
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (const auto& [i, wgt] : wx[x]) acc += wgt * in.at(i, y);
      rows[static_cast<std::size_t>(y) * w + x] = acc;
    }
  }
  LumaPlane out{w, h, std::vector<float>(static_cast<std::size_t>(w) * h)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (const auto& [j, wgt] : wy[y]) acc += wgt * rows[static_cast<std::size_t>(j) * w + x];
      out.values[static_cast<std::size_t>(y) * w + x] = static_cast<float>(acc);
    }
  }
  return out;
}

int PositionShift(const LocalFeatures& f) {
  int shift = 8;
  while (shift > 0 && static_cast<double>(std::max(f.width, f.height) + 2) * std::ldexp(1.0, shift) >= 65535.0) --shift;
  return shift;
}

// Indices of the `keep` strongest keypoints, each pyramid level keeping its share, strongest first.
std::vector<std::size_t> Strongest(const LocalFeatures& f, std::size_t keep) {
  std::vector<std::size_t> order(f.keypoints.size());
  std::iota(order.begin(), order.end(), 0);
  auto stronger = [&](std::size_t a, std::size_t b) {
    const Keypoint &ka = f.keypoints[a], &kb = f.keypoints[b];
    return ka.score != kb.score ? ka.score > kb.score : a < b;
  };
  if (order.size() <= keep) {
    std::sort(order.begin(), order.end(), stronger);
    return order;
  }
  int levels = 0;
  for (const Keypoint& k : f.keypoints) levels = std::max(levels, k.level + 1);
  std::vector<std::vector<std::size_t>> by_level(static_cast<std::size_t>(levels));
  for (std::size_t i : order) by_level[static_cast<std::size_t>(f.keypoints[i].level)].push_back(i);
  std::vector<std::size_t> kept;
  const double fraction = static_cast<double>(keep) / static_cast<double>(f.keypoints.size());
  for (auto& level : by_level) {
    std::sort(level.begin(), level.end(), stronger);
    const auto n = std::min(level.size(), static_cast<std::size_t>(std::floor(fraction * level.size())));
    kept.insert(kept.end(), level.begin(), level.begin() + static_cast<std::ptrdiff_t>(n));
  }
  // Rounding down leaves room: fill it with the strongest of the rest.
  std::vector<std::size_t> rest;
  std::unordered_set<std::size_t> taken(kept.begin(), kept.end());
  for (std::size_t i : order) {
    if (!taken.count(i)) rest.push_back(i);
  }
  std::sort(rest.begin(), rest.end(), stronger);
  for (std::size_t i = 0; kept.size() < keep && i < rest.size(); ++i) kept.push_back(rest[i]);
  std::sort(kept.begin(), kept.end(), stronger);
  return kept;
}

}  // namespace

std::vector<std::uint32_t> StoredVoteKeys(const std::vector<BinaryDescriptor>& strongest_first,
                                          const std::vector<std::uint32_t>& stable_chunks, int max_keys) {
  std::vector<std::uint32_t> keys;
  if (max_keys <= 0 || strongest_first.empty()) return keys;
  const bool stable = stable_chunks.size() == strongest_first.size();
  std::unordered_set<std::uint32_t> seen;
  for (int round = 0; round < 8 && keys.size() < static_cast<std::size_t>(max_keys); ++round) {
    for (std::size_t i = 0; i < strongest_first.size() && keys.size() < static_cast<std::size_t>(max_keys); ++i) {
      const int chunk = stable ? static_cast<int>((stable_chunks[i] >> (4 * round)) & 0xF)
                               : static_cast<int>((i + 5 * static_cast<std::size_t>(round)) % FeatureIndex::kChunks);
      const std::uint32_t key = FeatureIndex::Key(strongest_first[i], chunk);
      if (seen.insert(key).second) keys.push_back(key);
    }
  }
  return keys;
}

SplitSignatures SplitSignature(const DuplicateSignature& s, const TierOptions& options) {
  SplitSignatures out;
  ColdSignature& cold = out.cold;
  cold.phash = s.phash;
  cold.trimmed_phash = s.trimmed_phash;
  cold.oriented_phashes = s.oriented_phashes;
  cold.trimmed_oriented_phashes = s.trimmed_oriented_phashes;
  cold.thumbnail = Quantize(s.thumbnail);
  cold.trimmed_thumbnail = Quantize(s.trimmed_thumbnail);
  const LocalFeatures& f = s.features;
  cold.features.width = f.width;
  cold.features.height = f.height;
  cold.features.thumbnail = Quantize(ShrinkPlane(f.thumbnail, std::max(1, options.cold_thumbnail_size)));
  cold.position_shift = PositionShift(f);
  const std::size_t fixed = EncodedColdSize(cold);
  const std::size_t room = options.cold_max_bytes > static_cast<int>(fixed)
                               ? (static_cast<std::size_t>(options.cold_max_bytes) - fixed) / kColdBytesPerKeypoint
                               : 0;
  const std::size_t keep =
      std::min({room, static_cast<std::size_t>(std::max(0, options.cold_max_keypoints)), f.descriptors.size()});
  const double unit = std::ldexp(1.0, cold.position_shift);
  auto fixed_point = [&](float v) {
    return static_cast<float>(std::clamp<long>(std::lround(static_cast<double>(v) * unit), 0, 65535) / unit);
  };
  for (std::size_t i : Strongest(f, keep)) {
    if (i >= f.descriptors.size()) continue;
    Keypoint k;
    k.x = fixed_point(f.keypoints[i].x);
    k.y = fixed_point(f.keypoints[i].y);
    cold.features.keypoints.push_back(k);
    cold.features.descriptors.push_back(f.descriptors[i]);
  }
  if (cold.features.width == 0) cold.features.thumbnail = LumaPlane{};

  ResidentSignature& resident = out.resident;
  resident.phash = s.phash;
  resident.trimmed_phash = s.trimmed_phash;
  // Vote keys from all the photo's keypoints, strongest first (not only those the cold part keeps: a
  // candidate found through a keypoint the cold part dropped is still verified with the others).
  std::vector<BinaryDescriptor> strongest;
  std::vector<std::uint32_t> stable;
  const bool has_stable = f.stable_chunks.size() == f.descriptors.size();
  for (std::size_t i : Strongest(f, static_cast<std::size_t>(std::max(0, options.max_vote_keys)))) {
    if (i >= f.descriptors.size()) continue;
    strongest.push_back(f.descriptors[i]);
    if (has_stable) stable.push_back(f.stable_chunks[i]);
  }
  resident.vote_keys = StoredVoteKeys(strongest, stable, options.max_vote_keys);
  std::sort(resident.vote_keys.begin(), resident.vote_keys.end());  // as the codec stores them
  resident.embedding = s.embedding;
  return out;
}

}  // namespace iris
