// Near-duplicate detection benchmark (numbers for docs/duplicates.md).
//
//   iris_dedup_benchmark [--threads N] [--limit N] [--no-embedder] [--min-inliers N] [--hash-distance N]
//                        [--cold-thumbnail PX] [--cold-keypoints N] [--cold-bytes N] [--vote-keys N]
//                        [--vote-candidates N]
//
// The --cold-* and --vote-keys flags change DuplicateOptions::tiers (signature_tiers.h), what a stored
// photo keeps; every method's catalog is stored through the two tiers, as the server stores it.
//
// (1) clothing-cc0 (labels.csv sorted by file): even rows are the catalog (indexed), odd rows are held
//     out. Positives: every catalog photo under each transform below (seeded by photo and transform, so
//     every run makes the same copies), then saved as JPEG q85 (except "jpeg", which is its own quality).
//     Negatives: every held-out photo as is and once under a random transform (same categories as the
//     catalog, so "merely similar products"). A positive is a true positive when the detector's first
//     duplicate is its own original; a duplicate with another id is a false positive (and a miss).
//     Methods: pHash-only (identity view), hash views (trim + 8 orientations), the detector with default
//     settings, and the seed's rule (top-1 cosine > 0.95) with clip-standin-tiny, a RANDOM stand-in
//     (no real CLIP is available on this machine; its numbers say nothing about real CLIP).
// (2) near-duplicates/pairs.csv: every decodable file is left out in turn and checked against the others;
//     same group = should be a duplicate. The corrupt file must fail to decode.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "core/config.h"
#include "dedup/duplicate_detector.h"
#include "dedup_transforms.h"
#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "image/vips_bridge.h"
#include "image/vips_runtime.h"
#include "support/shared_data.h"
#include "vision/model_registry.h"

namespace iris {
namespace {

namespace fs = std::filesystem;
using dedup_bench::Decode;
using dedup_bench::Jpeg;
using dedup_bench::kTransforms;
using dedup_bench::Transform;

std::vector<std::vector<std::string>> ReadCsv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += ch;
      }
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

struct Counts {
  int tp = 0, fn = 0, wrong = 0, positives = 0;  // positives
  int fp = 0, negatives = 0;                     // negatives flagged / negative queries
};

std::string Row(const std::string& label, const Counts& c) {
  const int flagged = c.tp + c.wrong + c.fp;
  const double precision = flagged ? static_cast<double>(c.tp) / flagged : 1.0;
  const double recall = c.positives ? static_cast<double>(c.tp) / c.positives : 0;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "| %s | %.3f | %.3f | %d/%d | %d | %d/%d |", label.c_str(), precision, recall, c.tp,
                c.positives, c.wrong, c.fp, c.negatives);
  return buf;
}

struct Method {
  std::string name;
  std::unique_ptr<DuplicateDetector> detector;  // null: the seed rule
};

struct Outcome {
  std::string predicted;  // first duplicate's id, or empty
  std::string reason;     // "phash", "inliers", ...
  std::string detail;     // the full reason
  // diagnostics of the default detector
  int true_hash = -1, true_inliers = -1;    // for positives: the original's evidence
  int other_inliers = -1, other_hash = 99;  // best evidence of any OTHER stored photo
  double true_corr = -2, other_corr = -2;
  double true_hcorr = -2, other_hcorr = -2;  // hash detail correlation (hash distance within the duplicate limit)  //
                                             // detail correlation (others: only those with enough inliers)
};

Outcome Evaluate(const DuplicateDetector& d, const RgbImage& q, const std::string& truth) {
  Result<DuplicateReport> r = d.Check(q);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  Outcome o;
  if (r->has_duplicate()) {
    o.predicted = r->candidates.front().id;
    o.reason = r->candidates.front().reason.substr(0, r->candidates.front().reason.find(':'));
    o.detail = r->candidates.front().reason;
  }
  for (const DuplicateCandidate& c : r->candidates) {
    if (c.id == truth) {
      o.true_hash = c.hash_distance;
      o.true_inliers = c.inliers;
      if (c.inliers >= 0) o.true_corr = c.detail_correlation;
      if (c.hash_distance >= 0 && c.hash_distance <= d.options().hash_duplicate_distance)
        o.true_hcorr = c.hash_detail_correlation;
    } else {
      o.other_inliers = std::max(o.other_inliers, c.inliers);
      if (c.hash_distance >= 0) o.other_hash = std::min(o.other_hash, c.hash_distance);
      if (c.inliers >= d.options().min_inliers) o.other_corr = std::max(o.other_corr, c.detail_correlation);
      if (c.hash_distance >= 0 && c.hash_distance <= d.options().hash_duplicate_distance) {
        o.other_hcorr = std::max(o.other_hcorr, c.hash_detail_correlation);
      }
    }
  }
  return o;
}

std::string Quantiles(std::vector<int> v) {
  if (v.empty()) return "n=0";
  std::sort(v.begin(), v.end());
  auto q = [&](double f) { return v[static_cast<std::size_t>(f * (v.size() - 1))]; };
  char buf[160];
  std::snprintf(buf, sizeof(buf), "n=%zu min %d p5 %d p50 %d p95 %d max %d", v.size(), v.front(), q(0.05), q(0.5),
                q(0.95), v.back());
  return buf;
}

int Main(int argc, char** argv) {
  int threads = 2, limit = 0, min_inliers = -1, hash_distance = -1;
  bool embedder = true;
  TierOptions tiers;
  int vote_candidates = -1, vote_query_chunks = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--threads")
      threads = std::max(1, next());
    else if (a == "--limit")
      limit = next();
    else if (a == "--min-inliers")
      min_inliers = next();
    else if (a == "--hash-distance")
      hash_distance = next();
    else if (a == "--no-embedder")
      embedder = false;
    else if (a == "--cold-thumbnail")
      tiers.cold_thumbnail_size = next();
    else if (a == "--cold-keypoints")
      tiers.cold_max_keypoints = next();
    else if (a == "--cold-bytes")
      tiers.cold_max_bytes = next();
    else if (a == "--vote-keys")
      tiers.max_vote_keys = next();
    else if (a == "--vote-candidates")
      vote_candidates = next();
    else if (a == "--vote-query-chunks")
      vote_query_chunks = next();
    else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--limit N] [--no-embedder] [--min-inliers N] [--hash-distance N] "
                   "[--cold-thumbnail PX] [--cold-keypoints N] [--cold-bytes N] [--vote-keys N] [--vote-candidates N] "
                   "[--vote-query-chunks N]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const auto start = std::chrono::steady_clock::now();

  // ---- data ----
  const fs::path root = testing::RequireShared("data/clothing-cc0");
  auto rows = ReadCsv(root / "labels.csv");
  std::sort(rows.begin(), rows.end());
  std::vector<std::pair<std::string, std::string>> catalog, held_out;  // file, label
  for (std::size_t i = 0; i < rows.size(); ++i) (i % 2 ? held_out : catalog).emplace_back(rows[i][0], rows[i][1]);
  if (limit > 0) {
    catalog.resize(std::min<std::size_t>(catalog.size(), limit));
    held_out.resize(std::min<std::size_t>(held_out.size(), limit));
  }
  auto load = [&](const std::string& file) { return Decode(testing::ReadFileBytes(root / file)); };

  // ---- methods ----
  DuplicateOptions defaults;
  if (min_inliers >= 0) defaults.min_inliers = min_inliers;
  if (hash_distance >= 0) defaults.hash_duplicate_distance = hash_distance;
  defaults.tiers = tiers;
  if (vote_candidates >= 0) defaults.vote_candidates = vote_candidates;
  if (vote_query_chunks >= 0) defaults.vote_query_chunks = vote_query_chunks;
  std::printf("tiers: cold thumbnail %d px, <= %d keypoints, <= %d bytes; %d vote keys\n", tiers.cold_thumbnail_size,
              tiers.cold_max_keypoints, tiers.cold_max_bytes, tiers.max_vote_keys);
  std::vector<Method> methods;
  {
    DuplicateOptions o = defaults;
    o.trim_borders = false;
    o.dihedral_views = false;
    o.geometric_verification = false;
    o.hash_duplicate_distance = 6;       // docs/image-features.md guidance for pHash alone
    o.min_hash_detail_correlation = -2;  // pure pHash: no detail check
    methods.push_back({"pHash only (identity view, <= " + std::to_string(o.hash_duplicate_distance) + ")",
                       std::make_unique<DuplicateDetector>(o)});
    o.trim_borders = true;
    o.dihedral_views = true;
    o.hash_duplicate_distance = defaults.hash_duplicate_distance;
    o.min_hash_detail_correlation = defaults.min_hash_detail_correlation;
    methods.push_back(
        {"hash views (trim + 8 orientations) + detail check, no geometry", std::make_unique<DuplicateDetector>(o)});
    methods.push_back({"detector, default settings", std::make_unique<DuplicateDetector>(defaults)});
  }
  const std::size_t kDefault = 2;
  std::shared_ptr<const ClipModel> clip;
  if (embedder) {
    Config c;
    c.models.local = {"clip-standin-tiny=" + testing::RequireShared("models/clip-standin-tiny").string()};
    static ModelRegistry registry(c, nullptr);
    Result<std::shared_ptr<const ClipModel>> m = registry.Clip("clip-standin-tiny");
    if (!m.ok()) throw std::runtime_error(m.status().ToString());
    clip = *m;
    methods.push_back({"seed rule: clip-standin-tiny (RANDOM stand-in) top-1 > 0.95", nullptr});
  }
  auto embed = [&](const RgbImage& image) {
    Result<Embedding> e = clip->EmbedImage(image, true);
    if (!e.ok()) throw std::runtime_error(e.status().ToString());
    return *e;
  };

  // ---- index the catalog ----
  std::vector<Embedding> catalog_embeddings(catalog.size());
  auto parallel = [&](std::size_t n, const std::function<void(std::size_t)>& fn) {
    dedup_bench::Parallel(n, threads, fn);
  };
  parallel(catalog.size(), [&](std::size_t i) {
    const RgbImage image = load(catalog[i].first);
    for (Method& m : methods) {
      if (m.detector) {
        Result<DuplicateSignature> s = m.detector->ComputeSignature(image);
        if (!s.ok()) throw std::runtime_error(s.status().ToString());
        m.detector->Add(catalog[i].first, std::move(*s));
      }
    }
    if (clip) catalog_embeddings[i] = embed(image);
  });
  const double index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // ---- queries ----
  struct Query {
    std::string truth;  // catalog file, or empty for a negative
    std::string source;
    std::string transform;  // "none" for an untransformed negative
    std::uint32_t seed;
  };
  std::vector<Query> queries;
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    for (std::size_t t = 0; t < kTransforms.size(); ++t) {
      queries.push_back({catalog[i].first, catalog[i].first, kTransforms[t], static_cast<std::uint32_t>(1000 * i + t)});
    }
  }
  for (std::size_t i = 0; i < held_out.size(); ++i) {
    queries.push_back({"", held_out[i].first, "none", 0});
    queries.push_back(
        {"", held_out[i].first, kTransforms[i % kTransforms.size()], static_cast<std::uint32_t>(777777 + i)});
  }
  std::vector<std::vector<Outcome>> outcomes(queries.size(), std::vector<Outcome>(methods.size()));
  std::vector<std::atomic<long>> method_us(methods.size());  // summed Check time per method
  std::atomic<int> done{0};
  parallel(queries.size(), [&](std::size_t qi) {
    const Query& q = queries[qi];
    const RgbImage original = load(q.source);
    const RgbImage image = q.transform == "none" ? original : Transform(original, q.transform, q.seed);
    for (std::size_t m = 0; m < methods.size(); ++m) {
      const auto t0 = std::chrono::steady_clock::now();
      struct AddTime {
        std::atomic<long>& sum;
        std::chrono::steady_clock::time_point t0;
        ~AddTime() {
          sum += std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
        }
      } add_time{method_us[m], t0};
      if (methods[m].detector) {
        outcomes[qi][m] = Evaluate(*methods[m].detector, image, q.truth);
      } else {
        const Embedding e = embed(image);
        float best = -2;
        std::size_t best_i = 0;
        for (std::size_t c = 0; c < catalog.size(); ++c) {
          float dot = 0;
          for (std::size_t k = 0; k < e.size(); ++k) dot += e[k] * catalog_embeddings[c][k];
          if (dot > best) best = dot, best_i = c;
        }
        if (best > 0.95f) outcomes[qi][m].predicted = catalog[best_i].first;
        outcomes[qi][m].reason = "embedding";
      }
    }
    if (++done % 250 == 0) std::fprintf(stderr, "  %d/%zu queries\n", done.load(), queries.size());
  });
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // ---- report ----
  std::printf("## clothing-cc0: %zu catalog photos, %zu positive copies (%zu transforms), %zu negative queries\n\n",
              catalog.size(), catalog.size() * kTransforms.size(), kTransforms.size(), 2 * held_out.size());
  std::printf(
      "Columns: precision, recall, true positives/positives, positives matched to the WRONG photo, "
      "false positives on negatives/negative queries.\n\n");
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::map<std::string, Counts> per;
    Counts all;
    std::map<std::string, int> reasons;
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const Outcome& o = outcomes[qi][m];
      const Query& q = queries[qi];
      for (Counts* c : {&all, &per[q.truth.empty() ? "negatives (" + q.transform + ")" : q.transform]}) {
        if (q.truth.empty()) {
          ++c->negatives;
          c->fp += !o.predicted.empty();
        } else {
          ++c->positives;
          if (o.predicted == q.truth)
            ++c->tp;
          else if (o.predicted.empty())
            ++c->fn;
          else
            ++c->wrong;
        }
      }
      if (!o.predicted.empty()) ++reasons[o.reason];
    }
    std::printf(
        "### %s\n\n| transform | precision | recall | TP/pos | wrong id | FP/neg |\n|---|---|---|---|---|---|\n",
        methods[m].name.c_str());
    for (const std::string& t : kTransforms) std::printf("%s\n", Row(t, per[t]).c_str());
    Counts neg;
    for (auto& [k, c] : per) {
      if (k.rfind("negatives", 0) == 0) neg.fp += c.fp, neg.negatives += c.negatives;
    }
    std::printf("%s\n", Row("negatives (all)", neg).c_str());
    std::printf("%s\n", Row("**overall**", all).c_str());
    std::printf("\nmean time per query (check, including the query's own hashing/features/embedding): %.1f ms\n",
                method_us[m].load() / 1000.0 / static_cast<double>(queries.size()));
    std::printf("\nduplicates decided by:");
    for (auto& [r, n] : reasons) std::printf(" %s %d;", r.c_str(), n);
    std::printf("\n\n");
  }
  // Diagnostics of the default detector (to place thresholds).
  {
    std::vector<int> neg_inliers, neg_hash, pos_inliers_unhashed, other_inliers_pos, true_corr, other_corr, true_hcorr,
        other_hcorr;
    std::map<std::string, std::vector<int>> true_hash;
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const Outcome& o = outcomes[qi][kDefault];
      if (queries[qi].truth.empty()) {
        neg_inliers.push_back(o.other_inliers);
        neg_hash.push_back(o.other_hash);
        if (o.other_corr > -2) other_corr.push_back(static_cast<int>(std::lround(100 * o.other_corr)));
        if (o.other_hcorr > -2) other_hcorr.push_back(static_cast<int>(std::lround(100 * o.other_hcorr)));
      } else {
        if (o.true_hcorr > -2) true_hcorr.push_back(static_cast<int>(std::lround(100 * o.true_hcorr)));
        if (o.other_hcorr > -2) other_hcorr.push_back(static_cast<int>(std::lround(100 * o.other_hcorr)));
        true_hash[queries[qi].transform].push_back(o.true_hash < 0 ? 99 : o.true_hash);
        if (o.true_inliers >= 0) pos_inliers_unhashed.push_back(o.true_inliers);
        if (o.true_inliers >= defaults.min_inliers)
          true_corr.push_back(static_cast<int>(std::lround(100 * o.true_corr)));
        other_inliers_pos.push_back(o.other_inliers);
        if (o.other_corr > -2) other_corr.push_back(static_cast<int>(std::lround(100 * o.other_corr)));
      }
    }
    std::printf("### Diagnostics (default detector)\n\n");
    std::printf("- negatives, best inliers of any candidate (-1 none verified): %s\n", Quantiles(neg_inliers).c_str());
    std::printf("- negatives, best pHash distance over views (99 = none <= %d): %s\n", defaults.hash_candidate_distance,
                Quantiles(neg_hash).c_str());
    std::printf("- positives, inliers of the true original when verified: %s\n",
                Quantiles(pos_inliers_unhashed).c_str());
    std::printf("- positives, best inliers of any OTHER photo: %s\n", Quantiles(other_inliers_pos).c_str());
    std::printf("- detail correlation x100, true original with enough inliers: %s\n", Quantiles(true_corr).c_str());
    std::printf("- hash detail correlation x100, true original within the hash limit: %s\n",
                Quantiles(true_hcorr).c_str());
    std::printf("- hash detail correlation x100, WRONG photo within the hash limit (all queries): %s\n",
                Quantiles(other_hcorr).c_str());
    std::printf("- detail correlation x100, best WRONG photo with enough inliers (all queries): %s\n",
                Quantiles(other_corr).c_str());
    for (auto& [t, v] : true_hash)
      std::printf("- %s: pHash distance to the original, best view (99 = none): %s\n", t.c_str(), Quantiles(v).c_str());
    std::printf("\nFalse positives and wrong ids of the default detector:\n\n");
    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const Outcome& o = outcomes[qi][kDefault];
      if (!o.predicted.empty() && o.predicted != queries[qi].truth) {
        std::printf("- %s (%s) -> %s: %s\n", queries[qi].source.c_str(), queries[qi].transform.c_str(),
                    o.predicted.c_str(), o.detail.c_str());
      }
    }
    std::printf("\n");
  }
  std::printf("Time: indexing %.1f s, total %.1f s with %d threads (%zu queries x %zu methods).\n\n", index_s, total_s,
              threads, queries.size(), methods.size());

  // ---- near-duplicates/pairs.csv ----
  const fs::path nd = testing::RequireShared("data/near-duplicates");
  std::vector<std::pair<std::string, std::string>> files;  // file, group
  std::printf("## near-duplicates/pairs.csv (leave one out, default detector)\n\n");
  DuplicateDetector pairs_detector(defaults);
  std::map<std::string, RgbImage> images;
  for (const auto& row : ReadCsv(nd / "pairs.csv")) {
    Result<DecodedImage> decoded = DecodeImage(testing::ReadFileBytes(nd / row[0]), {});
    if (!decoded.ok()) {
      std::printf("- %s: rejected (%s); pairs.csv says decode=%s\n", row[0].c_str(),
                  decoded.status().ToString().c_str(), row[3].c_str());
      continue;
    }
    files.emplace_back(row[0], row[1]);
    images[row[0]] = std::move(decoded->image);
    if (pairs_detector.AddImage(row[0], images[row[0]]).ok() == false) throw std::runtime_error("add failed");
  }
  int pair_tp = 0, pair_fp = 0, pair_fn = 0;
  std::printf("\n| query | transform group | found duplicates (reason) | missed |\n|---|---|---|---|\n");
  for (const auto& [file, group] : files) {
    DuplicateSignature s = *pairs_detector.ComputeSignature(images[file]);
    pairs_detector.Remove(file);
    Result<DuplicateReport> r = pairs_detector.Check(images[file]);
    pairs_detector.Add(file, std::move(s));
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    std::string found, missed;
    std::map<std::string, bool> hit;
    for (const DuplicateCandidate& c : r->candidates) {
      if (!c.duplicate) continue;
      const std::string g = std::find_if(files.begin(), files.end(), [&](auto& f) { return f.first == c.id; })->second;
      hit[c.id] = true;
      const bool ok = g == group;
      (ok ? pair_tp : pair_fp)++;
      found += (ok ? "" : "**WRONG** ") + fs::path(c.id).filename().string() + " (" +
               c.reason.substr(0, c.reason.find(':')) +
               (c.inliers >= 0 ? " " + std::to_string(c.inliers) : " d=" + std::to_string(c.hash_distance)) + "); ";
    }
    for (const auto& [other, g] : files) {
      if (other != file && g == group && !hit[other]) {
        ++pair_fn;
        missed += fs::path(other).filename().string() + "; ";
      }
    }
    std::printf("| %s | %s | %s | %s |\n", fs::path(file).filename().string().c_str(), group.c_str(), found.c_str(),
                missed.c_str());
  }
  std::printf("\nOrdered pairs: %d found correctly, %d wrong, %d missed (precision %.3f, recall %.3f).\n", pair_tp,
              pair_fp, pair_fn, pair_tp + pair_fp ? double(pair_tp) / (pair_tp + pair_fp) : 1.0,
              pair_tp + pair_fn ? double(pair_tp) / (pair_tp + pair_fn) : 0.0);
  return 0;
}

}  // namespace
}  // namespace iris

int main(int argc, char** argv) {
  try {
    return iris::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
