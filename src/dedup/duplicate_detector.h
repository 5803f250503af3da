// DuplicateDetector: is a photo a (near-)duplicate of one already added? Three signals, cheapest first
// (method and measurements: docs/duplicates.md):
//
//   1. Perceptual hash (pHash, vision/perceptual_hash.h) of normalised views, in a Hamming index
//      (hash_index.h). Stored photo: its own view and, when it has uniform borders, its trimmed view.
//      Query: the same two views in each of the 8 dihedral orientations (image_views.h), so re-encodes,
//      resizes, grayscale, padding/letterbox, flips and 90-degree rotations land within a few bits.
//      Distance <= hash_duplicate_distance AND the matched views' fine detail correlates
//      (>= min_hash_detail_correlation, image_views.h DetailCorrelation; rejects different garments shot
//      in the same set-up, whose coarse layout the pHash cannot tell apart): duplicate (reason "phash").
//   2. Candidates for the photos the hash does not settle: the max_hash_candidates stored photos nearest
//      within hash_candidate_distance in any view, the `vote_candidates` best by shared local descriptors
//      (feature_index.h), and, when an embedder is plugged in, the `embedding_candidates` most similar
//      embeddings (cosine, over all stored photos, not only the top-1).
//   3. Geometric verification (geometric_verification.h) of each candidate: >= min_inliers keypoints
//      consistent with one similarity transform (crop, resize, rotation, padding, overlay) AND fine luma
//      detail that correlates under that transform (>= min_detail_correlation; a shared background with
//      a different garment gives inliers but no correlation): duplicate (reason "inliers"). An embedding alone never
//      decides unless embedding_duplicate_similarity is set (default off: no real semantic embedder could be measured
//      here; a stand-in's similarity means nothing).
//
// The embedder is pluggable (any function image -> L2-normalised vector, e.g. a CLIP ClipModel); without
// one, signals 1-3 run without embeddings. Reply per candidate: decision, hash distance and view,
// similarity, matches/inliers, and a human-readable reason.
//
// Two tiers (signature_tiers.h): a stored photo keeps only its resident part in memory (pHashes in the
// hash index, ~320 vote keys, the embedding); steps 1 and 3 read the cold part (quantised thumbnails,
// the strongest keypoints) of each candidate, from memory or through a ColdFetchFn (SQLite point reads,
// signature_store.h), so a check reads ~10-20 cold parts whatever the catalog size.
//
// CheckStored(id) checks a stored photo against all the others from its cold part (its oriented view
// hashes and thumbnails, kept keypoints) and embedding, as Check(photo) would with the photo removed from
// the index, up to the quantisation of the cold part: for re-checking stored items (duplicate_groups.h)
// without their images.
//
// Errors: empty images are InvalidArgument; embedder and ColdFetchFn failures are returned as is; Add of
// an existing id replaces it; CheckStored of an unknown id is NotFound. A candidate whose cold part does
// not decode is reported as not verified (reason says so, warning dedup.cold_corrupt logged); one whose
// cold part is gone (removed during the check) is left out. Thread-safety: Check, CheckStored,
// ComputeSignature, size, Contains and ids may run concurrently with each other and with Add/Remove
// (which take an exclusive lock for the in-memory change only).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "dedup/feature_index.h"
#include "dedup/geometric_verification.h"
#include "dedup/hash_index.h"
#include "dedup/image_views.h"
#include "dedup/signature_tiers.h"
#include "image/rgb_image.h"

namespace iris {

struct DuplicateOptions {
  int hash_max_side = 256;          // views are shrunk to this before hashing (speed only)
  bool trim_borders = true;         // hash the border-trimmed view too
  bool dihedral_views = true;       // query all 8 orientations
  int hash_duplicate_distance = 4;  // pHash bits: <= is a duplicate (with the detail check)
  double min_hash_detail_correlation = 0.5;
  int hash_candidate_distance = 16;  // pHash bits: <= is a candidate for verification
  int max_hash_candidates = 10;      // ... the nearest this many of them (ties by age: oldest first)
  bool geometric_verification = true;
  int vote_candidates = 8;  // candidates from the local-feature vote index
  // Chunk keys each query descriptor looks up in the vote index: its 2 most stable (1-8), or 16: all.
  // 2 matches how stored photos are indexed (their keypoints' most stable chunks) and is both faster
  // and better than 16 (docs/duplicates.md, "At catalog scale").
  int vote_query_chunks = 2;
  int embedding_candidates = 5;                         // candidates by embedding similarity (embedder plugged in)
  int min_inliers = 12;                                 // geometric verification: fewer is not a duplicate
  double min_detail_correlation = 0.5;                  // ... and the photometric check must reach this
  std::optional<float> embedding_duplicate_similarity;  // unset: embeddings only propose candidates
  TrimOptions trim;
  FeatureOptions features;
  VerificationOptions verification;
  TierOptions tiers;  // what a stored photo keeps in memory and in its cold part (signature_tiers.h)
};

struct DuplicateCandidate {
  std::string id;
  bool duplicate = false;
  int hash_distance = -1;               // best pHash distance over views (-1: not within hash_candidate_distance)
  std::string view;                     // the query view that gave it, e.g. "identity", "trimmed/flip_h"
  double hash_detail_correlation = -1;  // DetailCorrelation of the matched views (when hash_distance >= 0)
  std::optional<float> similarity;      // cosine, when an embedder is plugged in
  int matches = -1;                     // tentative local-feature matches (-1: not verified)
  int inliers = -1;                     // geometrically consistent ones (-1: not verified)
  double scale = 0;                     // of the fitted similarity transform (stored / query working frames)
  double rotation_degrees = 0;
  double detail_correlation = -1;  // photometric check under that transform (-1: not run / too little overlap)
  std::string reason;              // "phash", "inliers", "embedding" or why not
};

struct DuplicateReport {
  std::vector<DuplicateCandidate> candidates;  // duplicates first, then by evidence
  bool has_duplicate() const { return !candidates.empty() && candidates.front().duplicate; }
};

using ImageEmbedFn = std::function<Result<std::vector<float>>(const RgbImage&)>;

// A stored photo as a detector keeps it: the resident tier, and the encoded cold tier
// (tiered_signature_codec.h EncodeCold) unless the detector reads cold parts from elsewhere.
struct StoredSignature {
  ResidentSignature resident;
  std::string cold;
};

// Reads the encoded cold parts of stored photos (e.g. SignatureStore::FetchCold): one entry per id, in
// order, nullopt for an id that has none (removed meanwhile). An error fails the check that asked.
using ColdFetchFn = std::function<Result<std::vector<std::optional<std::string>>>(const std::vector<std::string>& ids)>;

class DuplicateDetector {
 public:
  // Without `cold_fetch` the detector keeps every photo's encoded cold part in memory (tests, the CLI);
  // with it, only the resident parts, and the cold parts of a check's candidates are fetched.
  explicit DuplicateDetector(DuplicateOptions options = {}, ImageEmbedFn embedder = nullptr,
                             ColdFetchFn cold_fetch = nullptr);

  Result<DuplicateSignature> ComputeSignature(const RgbImage& image) const;
  // The two tiers of `signature`, as this detector stores them (options().tiers).
  StoredSignature Tier(const DuplicateSignature& signature) const;
  void Add(const std::string& id, const DuplicateSignature& signature);
  // Adds a photo by its tiers; `stored.cold` is kept only without a cold_fetch (it may be empty with one).
  void Add(const std::string& id, StoredSignature stored);
  Status AddImage(const std::string& id, const RgbImage& image);
  // Before adding many photos at once (a load) to a detector no query uses yet: the local-feature index
  // gathers them in bulk (feature_index.h BeginBulk) until Compact.
  void BeginBulkAdd();
  // Packs the in-memory indexes (ending a bulk add) and returns free heap pages to the OS (glibc
  // malloc_trim), after adding many photos at once (a load).
  void Compact();
  bool Remove(const std::string& id);
  Result<DuplicateReport> Check(const RgbImage& image) const;
  // Check of the stored photo `id` against every other stored photo (never reports `id` itself), from
  // its cold part. NotFound for an unknown id or a cold part that is missing or does not decode.
  Result<DuplicateReport> CheckStored(const std::string& id) const;

  std::size_t size() const;
  bool Contains(const std::string& id) const;
  std::vector<std::string> ids() const;  // sorted
  const DuplicateOptions& options() const { return options_; }
  bool keeps_cold() const { return !cold_fetch_; }

 private:
  struct Entry {
    const std::string* id = nullptr;  // the key in slots_
    std::vector<float> embedding;
    std::shared_ptr<const std::string> cold;  // encoded; null with a cold_fetch
  };
  struct QueryView {
    std::string name;  // e.g. "identity", "trimmed/flip_h"
    bool trimmed = false;
    Orientation orientation = Orientation::kIdentity;
    std::uint64_t phash = 0;
    LumaPlane thumbnail;
  };
  struct Pending;  // a candidate between lookup and verification
  Result<std::vector<QueryView>> QueryViews(const RgbImage& image) const;
  std::vector<QueryView> StoredViews(const ColdSignature& signature) const;
  // The candidates for a query given by its views, features and embedding; `exclude` (a slot) is never
  // one. Takes mu_ (shared) for the lookup only; cold parts are fetched and verified outside it.
  Result<DuplicateReport> Match(const std::vector<QueryView>& views, const LocalFeatures& features,
                                const std::vector<float>& embedding, std::optional<std::uint32_t> exclude) const;
  void RemoveLocked(std::unordered_map<std::string, std::uint32_t>::iterator it);

  DuplicateOptions options_;
  ImageEmbedFn embedder_;
  ColdFetchFn cold_fetch_;
  mutable std::shared_mutex mu_;
  std::uint32_t next_slot_ = 0;
  std::unordered_map<std::string, std::uint32_t> slots_;  // id -> slot
  std::unordered_map<std::uint32_t, Entry> entries_;      // slot -> entry
  HashIndex hashes_;                                      // key = 2 * slot (+1 for the trimmed view)
  FeatureIndex features_;
};

}  // namespace iris
