#include "dedup/duplicate_detector.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "vision/perceptual_hash.h"

namespace iris {
namespace {

float Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 0;
  double dot = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(dot);
}

std::string Format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c, d);
  return buf;
}

// `plane` turned into `orientation`, the same pixel mapping as Dihedral(RgbImage) (image_views.h). The
// thumbnail of a turned view equals the turned thumbnail (area resizing commutes with the dihedral
// transforms), so CheckStored needs no image.
LumaPlane Dihedral(const LumaPlane& plane, Orientation orientation) {
  const int w = plane.width, h = plane.height;
  const bool swap = SwapsAxes(orientation);
  LumaPlane out{swap ? h : w, swap ? w : h, std::vector<float>(plane.values.size())};
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      const auto [sx, sy] = DihedralSource(orientation, x, y, w, h);
      out.values[static_cast<std::size_t>(y) * out.width + x] = plane.at(sx, sy);
    }
  }
  return out;
}

}  // namespace

DuplicateDetector::DuplicateDetector(DuplicateOptions options, ImageEmbedFn embedder)
    : options_(std::move(options)), embedder_(std::move(embedder)) {}

Result<DuplicateSignature> DuplicateDetector::ComputeSignature(const RgbImage& image) const {
  DuplicateSignature s;
  IRIS_ASSIGN_OR_RETURN(std::vector<QueryView> views, QueryViews(image));
  for (QueryView& v : views) {
    if (v.orientation == Orientation::kIdentity) {
      if (v.trimmed) {
        s.trimmed_phash = v.phash;
        s.trimmed_thumbnail = std::move(v.thumbnail);
      } else {
        s.phash = v.phash;
        s.thumbnail = std::move(v.thumbnail);
      }
    } else {
      (v.trimmed ? s.trimmed_oriented_phashes : s.oriented_phashes).push_back(v.phash);
    }
  }
  if (options_.geometric_verification) {
    IRIS_ASSIGN_OR_RETURN(s.features, ExtractLocalFeatures(image, options_.features));
  }
  if (embedder_) {
    IRIS_ASSIGN_OR_RETURN(s.embedding, embedder_(image));
  }
  return s;
}

void DuplicateDetector::Add(const std::string& id, DuplicateSignature signature) {
  std::unique_lock lock(mu_);
  auto old = slots_.find(id);
  if (old != slots_.end()) {
    hashes_.Remove(2 * old->second);
    hashes_.Remove(2 * old->second + 1);
    features_.Remove(old->second);
    entries_.erase(old->second);
  }
  const std::uint64_t slot = next_slot_++;
  slots_[id] = slot;
  hashes_.Add(2 * slot, signature.phash);
  if (signature.trimmed_phash) hashes_.Add(2 * slot + 1, *signature.trimmed_phash);
  if (!signature.features.descriptors.empty()) features_.Add(slot, signature.features.descriptors);
  entries_[slot] = Entry{id, std::move(signature)};
}

Status DuplicateDetector::AddImage(const std::string& id, const RgbImage& image) {
  IRIS_ASSIGN_OR_RETURN(DuplicateSignature s, ComputeSignature(image));
  Add(id, std::move(s));
  return Status::Ok();
}

bool DuplicateDetector::Remove(const std::string& id) {
  std::unique_lock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return false;
  hashes_.Remove(2 * it->second);
  hashes_.Remove(2 * it->second + 1);
  features_.Remove(it->second);
  entries_.erase(it->second);
  slots_.erase(it);
  return true;
}

std::size_t DuplicateDetector::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

bool DuplicateDetector::Contains(const std::string& id) const {
  std::shared_lock lock(mu_);
  return slots_.count(id) != 0;
}

std::vector<std::string> DuplicateDetector::ids() const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(slots_.size());
    for (const auto& [id, slot] : slots_) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<DuplicateDetector::QueryView>> DuplicateDetector::QueryViews(const RgbImage& image) const {
  IRIS_ASSIGN_OR_RETURN(RgbImage small, ShrinkToMaxSide(image, options_.hash_max_side));
  std::vector<std::pair<std::string, RgbImage>> bases;
  bases.emplace_back("", small);
  if (options_.trim_borders) {
    IRIS_ASSIGN_OR_RETURN(TrimmedImage trimmed, TrimUniformBorders(small, options_.trim));
    if (trimmed.trimmed) bases.emplace_back("trimmed/", std::move(trimmed.image));
  }
  std::vector<QueryView> views;
  for (const auto& [prefix, base] : bases) {
    for (Orientation o : kAllOrientations) {
      if (!options_.dihedral_views && o != Orientation::kIdentity) break;
      const RgbImage oriented = o == Orientation::kIdentity ? base : Dihedral(base, o);
      IRIS_ASSIGN_OR_RETURN(std::uint64_t h, PerceptualHash(oriented));
      views.push_back({prefix + std::string(OrientationName(o)), !prefix.empty(), o, h, ViewThumbnail(oriented)});
    }
  }
  return views;
}

std::vector<DuplicateDetector::QueryView> DuplicateDetector::StoredViews(const DuplicateSignature& s) const {
  std::vector<QueryView> views;
  auto add = [&](bool trimmed, std::uint64_t phash, const LumaPlane& thumbnail,
                 const std::vector<std::uint64_t>& oriented) {
    const std::string prefix = trimmed ? "trimmed/" : "";
    views.push_back({prefix + "identity", trimmed, Orientation::kIdentity, phash, thumbnail});
    if (!options_.dihedral_views || oriented.size() + 1 != kAllOrientations.size()) return;
    for (std::size_t i = 1; i < kAllOrientations.size(); ++i) {
      const Orientation o = kAllOrientations[i];
      views.push_back({prefix + std::string(OrientationName(o)), trimmed, o, oriented[i - 1], Dihedral(thumbnail, o)});
    }
  };
  add(false, s.phash, s.thumbnail, s.oriented_phashes);
  if (options_.trim_borders && s.trimmed_phash) {
    add(true, *s.trimmed_phash, s.trimmed_thumbnail, s.trimmed_oriented_phashes);
  }
  return views;
}

Result<DuplicateReport> DuplicateDetector::Check(const RgbImage& image) const {
  IRIS_ASSIGN_OR_RETURN(std::vector<QueryView> views, QueryViews(image));
  LocalFeatures features;
  if (options_.geometric_verification) {
    IRIS_ASSIGN_OR_RETURN(features, ExtractLocalFeatures(image, options_.features));
  }
  std::vector<float> embedding;
  if (embedder_) {
    IRIS_ASSIGN_OR_RETURN(embedding, embedder_(image));
  }
  std::shared_lock lock(mu_);
  return Match(views, features, embedding, std::nullopt);
}

Result<DuplicateReport> DuplicateDetector::CheckStored(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return NotFound("no stored photo with id '" + id + "'");
  const DuplicateSignature& s = entries_.at(it->second).signature;
  static const LocalFeatures kNoFeatures;
  return Match(StoredViews(s), options_.geometric_verification ? s.features : kNoFeatures, s.embedding, it->second);
}

DuplicateReport DuplicateDetector::Match(const std::vector<QueryView>& views, const LocalFeatures& features,
                                         const std::vector<float>& embedding,
                                         std::optional<std::uint64_t> exclude) const {
  const auto excluded = [&](std::uint64_t slot) { return exclude && *exclude == slot; };
  std::map<std::uint64_t, DuplicateCandidate> found;  // slot -> candidate
  auto candidate = [&](std::uint64_t slot) -> DuplicateCandidate& {
    DuplicateCandidate& c = found[slot];
    if (c.id.empty()) c.id = entries_.at(slot).id;
    return c;
  };
  std::map<std::uint64_t, std::pair<const QueryView*, bool>> matched_view;  // slot -> view, stored view trimmed
  for (const QueryView& view : views) {
    for (const HashMatch& m : hashes_.Query(view.phash, options_.hash_candidate_distance)) {
      if (excluded(m.id / 2)) continue;
      DuplicateCandidate& c = candidate(m.id / 2);
      if (c.hash_distance < 0 || m.distance < c.hash_distance) {
        c.hash_distance = m.distance;
        c.view = view.name;
        matched_view[m.id / 2] = {&view, m.id % 2 == 1};
      }
    }
  }
  if (options_.geometric_verification && options_.vote_candidates > 0) {
    // One more when the query is itself stored: it votes for itself first.
    const std::size_t k = static_cast<std::size_t>(options_.vote_candidates);
    std::size_t taken = 0;
    for (const FeatureVote& v : features_.Query(features.descriptors, k + (exclude ? 1 : 0))) {
      if (excluded(v.id) || taken == k) continue;
      candidate(v.id);
      ++taken;
    }
  }
  if (!embedding.empty() && options_.embedding_candidates > 0) {
    std::vector<std::pair<float, std::uint64_t>> sims;
    for (const auto& [slot, entry] : entries_) {
      if (!excluded(slot)) sims.emplace_back(Cosine(embedding, entry.signature.embedding), slot);
    }
    const std::size_t k = std::min(sims.size(), static_cast<std::size_t>(options_.embedding_candidates));
    std::partial_sort(
        sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(k), sims.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (std::size_t i = 0; i < k; ++i) candidate(sims[i].second);
  }

  DuplicateReport report;
  for (auto& [slot, c] : found) {
    const DuplicateSignature& stored = entries_.at(slot).signature;
    if (!embedding.empty()) c.similarity = Cosine(embedding, stored.embedding);
    if (c.hash_distance >= 0 && c.hash_distance <= options_.hash_duplicate_distance) {
      const auto& [view, trimmed] = matched_view.at(slot);
      c.hash_detail_correlation =
          DetailCorrelation(view->thumbnail, trimmed ? stored.trimmed_thumbnail : stored.thumbnail);
      if (c.hash_detail_correlation >= options_.min_hash_detail_correlation) {
        c.duplicate = true;
        c.reason = "phash: distance " + std::to_string(c.hash_distance) +
                   " <= " + std::to_string(options_.hash_duplicate_distance) + " in view " + c.view +
                   Format(", detail correlation %.2f", c.hash_detail_correlation);
      }
    }
    if (!c.duplicate && options_.geometric_verification && !features.descriptors.empty() &&
        !stored.features.descriptors.empty()) {
      const GeometricVerification g = VerifyGeometry(features, stored.features, options_.verification);
      c.matches = g.matches;
      c.inliers = g.inliers;
      c.scale = g.scale;
      c.rotation_degrees = g.rotation_degrees;
      c.detail_correlation = g.detail_correlation;
      const bool enough = g.inliers >= options_.min_inliers;
      c.duplicate = enough && g.detail_correlation >= options_.min_detail_correlation;
      c.reason = (c.duplicate ? "inliers: " : "not a duplicate: ") +
                 Format("%.0f of %.0f matches fit one similarity transform (scale %.2f, rotation %.1f deg)", g.inliers,
                        g.matches, g.scale, g.rotation_degrees) +
                 (enough ? " >= " : " < ") + std::to_string(options_.min_inliers) +
                 Format(g.detail_correlation >= options_.min_detail_correlation ? ", detail correlation %.2f >= %.2f"
                                                                                : ", detail correlation %.2f < %.2f",
                        g.detail_correlation, options_.min_detail_correlation);
    }
    if (!c.duplicate && options_.embedding_duplicate_similarity && c.similarity &&
        *c.similarity >= *options_.embedding_duplicate_similarity) {
      c.duplicate = true;
      c.reason = Format("embedding: similarity %.4f >= %.4f", *c.similarity, *options_.embedding_duplicate_similarity);
    }
    if (c.reason.empty()) {
      if (c.hash_distance < 0) {
        c.reason = "not a duplicate: embedding candidate only";
      } else if (c.hash_distance > options_.hash_duplicate_distance) {
        c.reason = "not a duplicate: phash distance " + std::to_string(c.hash_distance) + " > " +
                   std::to_string(options_.hash_duplicate_distance);
      } else {
        c.reason = "not a duplicate: phash distance " + std::to_string(c.hash_distance) +
                   Format(" but detail correlation %.2f < %.2f", c.hash_detail_correlation,
                          options_.min_hash_detail_correlation);
      }
    }
    report.candidates.push_back(std::move(c));
  }
  std::sort(
      report.candidates.begin(), report.candidates.end(), [](const DuplicateCandidate& a, const DuplicateCandidate& b) {
        if (a.duplicate != b.duplicate) return a.duplicate;
        // Hash-decided duplicates (not verified, inliers -1) are the strongest evidence, then inliers.
        const bool ha = a.duplicate && a.inliers < 0, hb = b.duplicate && b.inliers < 0;
        if (ha != hb) return ha;
        const int da = a.hash_distance < 0 ? 99 : a.hash_distance, db = b.hash_distance < 0 ? 99 : b.hash_distance;
        if (ha && da != db) return da < db;
        if (a.inliers != b.inliers) return a.inliers > b.inliers;
        if (da != db) return da < db;
        if (a.similarity.value_or(-2) != b.similarity.value_or(-2))
          return a.similarity.value_or(-2) > b.similarity.value_or(-2);
        return a.id < b.id;
      });
  return report;
}

}  // namespace iris
