#include "dedup/duplicate_detector.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "core/logging.h"
#include "dedup/tiered_signature_codec.h"
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

DuplicateDetector::DuplicateDetector(DuplicateOptions options, ImageEmbedFn embedder, ColdFetchFn cold_fetch)
    : options_(std::move(options)), embedder_(std::move(embedder)), cold_fetch_(std::move(cold_fetch)) {}

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

StoredSignature DuplicateDetector::Tier(const DuplicateSignature& signature) const {
  SplitSignatures split = SplitSignature(signature, options_.tiers);
  return StoredSignature{std::move(split.resident), EncodeCold(split.cold)};
}

void DuplicateDetector::Add(const std::string& id, const DuplicateSignature& signature) { Add(id, Tier(signature)); }

void DuplicateDetector::Add(const std::string& id, StoredSignature stored) {
  std::shared_ptr<const std::string> cold;
  if (!cold_fetch_) cold = std::make_shared<const std::string>(std::move(stored.cold));
  ResidentSignature& r = stored.resident;
  std::unique_lock lock(mu_);
  auto old = slots_.find(id);
  if (old != slots_.end()) RemoveLocked(old);
  const std::uint32_t slot = next_slot_++;
  const auto it = slots_.emplace(id, slot).first;
  hashes_.Add(2 * std::uint64_t{slot}, r.phash);
  if (r.trimmed_phash) hashes_.Add(2 * std::uint64_t{slot} + 1, *r.trimmed_phash);
  if (!r.vote_keys.empty()) features_.Add(slot, r.vote_keys);
  entries_[slot] = Entry{&it->first, std::move(r.embedding), std::move(cold)};
}

Status DuplicateDetector::AddImage(const std::string& id, const RgbImage& image) {
  IRIS_ASSIGN_OR_RETURN(DuplicateSignature s, ComputeSignature(image));
  Add(id, s);
  return Status::Ok();
}

void DuplicateDetector::BeginBulkAdd() {
  std::unique_lock lock(mu_);
  features_.BeginBulk();
}

void DuplicateDetector::Compact() {
  {
    std::unique_lock lock(mu_);
    features_.Pack();
  }
#if defined(__GLIBC__)
  malloc_trim(0);  // a load frees as much as it keeps (decoded rows, grown buckets): give it back
#endif
}

void DuplicateDetector::RemoveLocked(std::unordered_map<std::string, std::uint32_t>::iterator it) {
  const std::uint32_t slot = it->second;
  hashes_.Remove(2 * std::uint64_t{slot});
  hashes_.Remove(2 * std::uint64_t{slot} + 1);
  features_.Remove(slot);
  entries_.erase(slot);
  slots_.erase(it);
}

bool DuplicateDetector::Remove(const std::string& id) {
  std::unique_lock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return false;
  RemoveLocked(it);
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

std::vector<DuplicateDetector::QueryView> DuplicateDetector::StoredViews(const ColdSignature& s) const {
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
  return Match(views, features, embedding, std::nullopt);
}

Result<DuplicateReport> DuplicateDetector::CheckStored(const std::string& id) const {
  std::uint32_t slot = 0;
  std::vector<float> embedding;
  std::shared_ptr<const std::string> cold;
  {
    std::shared_lock lock(mu_);
    auto it = slots_.find(id);
    if (it == slots_.end()) return NotFound("no stored photo with id '" + id + "'");
    slot = it->second;
    const Entry& entry = entries_.at(slot);
    embedding = entry.embedding;
    cold = entry.cold;
  }
  if (!cold) {
    IRIS_ASSIGN_OR_RETURN(auto blobs, cold_fetch_({id}));
    if (blobs.size() != 1 || !blobs[0]) return NotFound("no stored photo with id '" + id + "'");
    cold = std::make_shared<const std::string>(std::move(*blobs[0]));
  }
  Result<ColdSignature> s = DecodeCold(*cold);
  if (!s.ok()) return NotFound("the stored signature of '" + id + "' does not decode: " + s.status().message());
  static const LocalFeatures kNoFeatures;
  return Match(StoredViews(*s), options_.geometric_verification ? s->features : kNoFeatures, embedding, slot);
}

struct DuplicateDetector::Pending {
  DuplicateCandidate c;
  const QueryView* view = nullptr;  // the query view of the best hash match (hash_distance >= 0)
  bool stored_trimmed = false;      // ... matched the stored photo's trimmed view
  std::shared_ptr<const std::string> cold;
  bool gone = false;  // removed before its cold part was read
};

Result<DuplicateReport> DuplicateDetector::Match(const std::vector<QueryView>& views, const LocalFeatures& features,
                                                 const std::vector<float>& embedding,
                                                 std::optional<std::uint32_t> exclude) const {
  const auto excluded = [&](std::uint32_t slot) { return exclude && *exclude == slot; };
  std::map<std::uint32_t, Pending> found;  // slot -> candidate
  {
    std::shared_lock lock(mu_);
    auto candidate = [&](std::uint32_t slot) -> Pending& {
      Pending& p = found[slot];
      if (p.c.id.empty()) {
        const Entry& entry = entries_.at(slot);
        p.c.id = *entry.id;
        p.cold = entry.cold;
        if (!embedding.empty()) p.c.similarity = Cosine(embedding, entry.embedding);
      }
      return p;
    };
    struct HashHit {
      int distance;
      const QueryView* view;
      bool trimmed;
    };
    std::map<std::uint32_t, HashHit> hits;  // slot -> its best view
    for (const QueryView& view : views) {
      for (const HashMatch& m : hashes_.Query(view.phash, options_.hash_candidate_distance)) {
        const auto slot = static_cast<std::uint32_t>(m.id / 2);
        if (excluded(slot)) continue;
        const HashHit hit{m.distance, &view, m.id % 2 == 1};
        auto [it, inserted] = hits.try_emplace(slot, hit);
        if (!inserted && m.distance < it->second.distance) it->second = hit;
      }
    }
    std::vector<std::pair<int, std::uint32_t>> nearest;  // (distance, slot)
    for (const auto& [slot, hit] : hits) nearest.emplace_back(hit.distance, slot);
    const std::size_t keep =
        std::min(nearest.size(), static_cast<std::size_t>(std::max(0, options_.max_hash_candidates)));
    std::partial_sort(nearest.begin(), nearest.begin() + static_cast<std::ptrdiff_t>(keep), nearest.end());
    for (std::size_t i = 0; i < keep; ++i) {
      const HashHit& hit = hits.at(nearest[i].second);
      Pending& p = candidate(nearest[i].second);
      p.c.hash_distance = hit.distance;
      p.c.view = hit.view->name;
      p.view = hit.view;
      p.stored_trimmed = hit.trimmed;
    }
    if (options_.geometric_verification && options_.vote_candidates > 0) {
      // One more when the query is itself stored: it votes for itself first.
      const std::size_t k = static_cast<std::size_t>(options_.vote_candidates);
      std::size_t taken = 0;
      for (const FeatureVote& v : features_.Query(features.descriptors, k + (exclude ? 1 : 0), 2,
                                                  &features.stable_chunks, options_.vote_query_chunks)) {
        if (excluded(v.id) || taken == k) continue;
        candidate(v.id);
        ++taken;
      }
    }
    if (!embedding.empty() && options_.embedding_candidates > 0) {
      std::vector<std::pair<float, std::uint32_t>> sims;
      for (const auto& [slot, entry] : entries_) {
        if (!excluded(slot)) sims.emplace_back(Cosine(embedding, entry.embedding), slot);
      }
      const std::size_t k = std::min(sims.size(), static_cast<std::size_t>(options_.embedding_candidates));
      std::partial_sort(
          sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(k), sims.end(),
          [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
      for (std::size_t i = 0; i < k; ++i) candidate(sims[i].second);
    }
  }
  if (cold_fetch_ && !found.empty()) {
    std::vector<std::string> ids;
    ids.reserve(found.size());
    for (const auto& [slot, p] : found) ids.push_back(p.c.id);
    IRIS_ASSIGN_OR_RETURN(auto blobs, cold_fetch_(ids));
    if (blobs.size() != ids.size()) return Internal("cold part fetch returned a wrong number of rows");
    std::size_t i = 0;
    for (auto& [slot, p] : found) {
      auto& blob = blobs[i++];
      if (blob) {
        p.cold = std::make_shared<const std::string>(std::move(*blob));
      } else {
        p.gone = true;
      }
    }
  }

  DuplicateReport report;
  for (auto& [slot, p] : found) {
    if (p.gone || !p.cold) continue;
    DuplicateCandidate& c = p.c;
    const Result<ColdSignature> cold = DecodeCold(*p.cold);
    if (!cold.ok()) {
      LogWarn("dedup.cold_corrupt", {{"id", c.id}, {"error", cold.status().message()}});
      c.reason = "not verified: its stored signature does not decode (" + cold.status().message() + ")";
      report.candidates.push_back(std::move(c));
      continue;
    }
    const ColdSignature& stored = *cold;
    if (c.hash_distance >= 0 && c.hash_distance <= options_.hash_duplicate_distance) {
      c.hash_detail_correlation =
          DetailCorrelation(p.view->thumbnail, p.stored_trimmed ? stored.trimmed_thumbnail : stored.thumbnail);
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
