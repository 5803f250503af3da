// Duplicate checks at catalog scale (numbers for docs/duplicates.md, "Two tiers").
//
//   iris_dedup_scale_benchmark [--items N] [--real N] [--queries N] [--threads N] [--dir PATH] [--refill]
//
// Fills one collection of a real data dir (SQLite, WAL) with N signatures through the classes the server
// uses (CollectionDedupIndex + SignatureStore, one transaction per item, as PUT .../items/{id} does), then,
// in a fresh process (the benchmark re-executes itself so the heap starts empty), measures:
//   * disk: resident and cold bytes per item (blob sizes) and the database file per item;
//   * ready time: the collection's first use (CollectionDedupIndex::Get: read + decode every resident row,
//     build the hash and vote indexes) and the process's RSS growth over it, per item;
//   * check latency of duplicate queries (a transformed copy of a catalog photo) and of non-duplicate
//     queries (held-out photos, some transformed): the whole Check, the same query against an EMPTY
//     detector (hashing 16 views and extracting features: what any check costs), and their difference
//     (what the catalog adds: lookups, cold reads from SQLite and verification), p50 / p95.
//
// Items: the first `--real` (default 5000) are real signatures of ImageNet-1k photos (the first 900
// classes; the other 100 photos are held out as non-duplicate queries): item i is photo i mod 900, as is
// when i < 900, else under one of the seeded near-duplicate transforms (dedup_transforms.h). The others
// (fillers, to reach N without hours of feature extraction on this machine) are real signatures with
// every hash moved by 16 random bits and every descriptor by 64 random bits (so they neither match
// their base nor each other exactly, but keep real thumbnails, keypoint layouts and sizes). The filled
// data dir is kept (`--dir`, default /tmp/iris-dedup-scale-N-R) and re-used by later runs.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dedup/collection_dedup_index.h"
#include "dedup/sqlite_signature_store.h"
#include "dedup_transforms.h"
#include "image/vips_runtime.h"
#include "store/database.h"
#include "support/shared_data.h"

namespace iris {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using dedup_bench::Decode;
using dedup_bench::kTransforms;
using dedup_bench::Parallel;
using dedup_bench::Transform;

constexpr const char* kCollection = "catalog";
constexpr std::size_t kCatalogSources = 900;  // ImageNet photos used for catalog items; the rest are held out

double Ms(Clock::time_point since) { return std::chrono::duration<double, std::milli>(Clock::now() - since).count(); }

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// A catalog-like id: 64 hex digits (the catalog uses SHA-256 ids).
std::string ItemId(std::size_t i) {
  std::string id;
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  for (int part = 0; part < 4; ++part) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(x));
    id += buf;
  }
  return id;
}

std::vector<std::string> ImagenetFiles() {
  std::ifstream in(testing::RequireShared("data/imagenet-sample-1k/labels.csv"));
  std::vector<std::string> files;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) files.push_back(line.substr(0, line.find(',')));
  if (files.size() <= kCatalogSources) throw std::runtime_error("imagenet-sample-1k has too few photos");
  return files;
}

RgbImage Photo(const std::string& file) {
  return Decode(testing::ReadFileBytes(testing::RequireShared("data/imagenet-sample-1k/" + file)));
}

// Catalog item i (i < real): photo i mod 900, transformed when i >= 900.
RgbImage CatalogImage(const std::vector<std::string>& files, std::size_t i) {
  const RgbImage photo = Photo(files[i % kCatalogSources]);
  if (i < kCatalogSources) return photo;
  return Transform(photo, kTransforms[(i / kCatalogSources) % kTransforms.size()], static_cast<std::uint32_t>(i));
}

// `base` with every hash moved by 16 random bits and every descriptor by 64 (see the file comment).
DuplicateSignature Filler(const DuplicateSignature& base, std::mt19937_64& rng) {
  auto mask = [&](int bits, int width) {
    std::uint64_t m = 0;
    while (std::popcount(m) < bits) m |= std::uint64_t{1} << (rng() % static_cast<std::uint64_t>(width));
    return m;
  };
  DuplicateSignature s = base;
  const std::uint64_t m = mask(16, 64);
  s.phash ^= m;
  if (s.trimmed_phash) *s.trimmed_phash ^= m;
  for (auto* list : {&s.oriented_phashes, &s.trimmed_oriented_phashes}) {
    for (std::uint64_t& h : *list) h ^= m;
  }
  for (BinaryDescriptor& d : s.features.descriptors) {
    for (int b = 0; b < 64; ++b) {
      const std::uint64_t bit = rng() % 256;
      d[bit / 64] ^= std::uint64_t{1} << (bit % 64);
    }
  }
  return s;
}

// Detector options of the measurement: the defaults, but for --vote-query-chunks.
int g_vote_query_chunks = DuplicateOptions{}.vote_query_chunks;
DuplicateOptions MeasureOptions() {
  DuplicateOptions o;
  o.vote_query_chunks = g_vote_query_chunks;
  return o;
}

void Fill(const fs::path& dir, std::size_t items, std::size_t real, int threads) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto db = Database::Open(dir / "iris.db");
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  SqliteSignatureStore store(**db);
  CollectionDedupIndex index(MeasureOptions(), &store);
  const std::vector<std::string> files = ImagenetFiles();
  real = std::min(real, items);
  constexpr std::size_t kBases = 1000;  // real signatures kept for the fillers
  std::vector<DuplicateSignature> bases(std::min(real, kBases));
  std::atomic<std::size_t> done{0};
  const auto start = Clock::now();
  Parallel(real, threads, [&](std::size_t i) {
    Result<DuplicateSignature> s = index.ComputeSignature(CatalogImage(files, i));
    if (!s.ok()) throw std::runtime_error(s.status().ToString());
    if (i < bases.size()) bases[i] = *s;
    const Status added = index.Add(kCollection, ItemId(i), std::move(s).value());
    if (!added.ok()) throw std::runtime_error(added.ToString());
    if (++done % 500 == 0) std::fprintf(stderr, "  %zu real signatures, %.0f s\n", done.load(), Ms(start) / 1000);
  });
  std::fprintf(stderr, "%zu real signatures in %.0f s\n", real, Ms(start) / 1000);
  const auto filler_start = Clock::now();
  std::mt19937_64 rng(12345);
  for (std::size_t i = real; i < items; ++i) {
    const Status added = index.Add(kCollection, ItemId(i), Filler(bases[i % bases.size()], rng));
    if (!added.ok()) throw std::runtime_error(added.ToString());
    if ((i - real + 1) % 10000 == 0)
      std::fprintf(stderr, "  %zu fillers, %.0f s\n", i - real + 1, Ms(filler_start) / 1000);
  }
  std::fprintf(stderr, "%zu fillers in %.0f s\n", items - real, Ms(filler_start) / 1000);
  (*db)->Close();
  std::ofstream(dir / "filled") << items << " " << real << "\n";
}

struct Latencies {
  std::vector<double> total, prep, added;
  void Add(double t, double p) {
    total.push_back(t);
    prep.push_back(p);
    added.push_back(t - p);
  }
};

std::string P(std::vector<double> v) {
  if (v.empty()) return "n/a";
  std::sort(v.begin(), v.end());
  auto q = [&](double f) { return v[static_cast<std::size_t>(f * static_cast<double>(v.size() - 1))]; };
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f / %.1f", q(0.5), q(0.95));
  return buf;
}

Result<std::size_t> SumLength(Database& db, const std::string& column, const std::string& table) {
  std::size_t sum = 0;
  IRIS_RETURN_IF_ERROR(db.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement s,
                          c.Prepare("SELECT COALESCE(SUM(length(" + column + ")), 0) FROM " + table));
    IRIS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) sum = static_cast<std::size_t>(s.ColumnInt64(0));
    return Status::Ok();
  }));
  return sum;
}

int Measure(const fs::path& dir, std::size_t items, std::size_t real, std::size_t queries) {
  const std::vector<std::string> files = ImagenetFiles();
  auto db = Database::Open(dir / "iris.db");
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  SqliteSignatureStore store(**db);
  CollectionDedupIndex index(MeasureOptions(), &store);
  // Query images first (their decoding and transforms are not part of any figure).
  struct Query {
    RgbImage image;
    std::size_t source = 0;  // catalog photo index (duplicates) or held-out index
    bool duplicate = false;
  };
  std::vector<Query> qs;
  for (std::size_t q = 0; q < queries; ++q) {
    const std::size_t i = (q * 7919) % std::min(real, kCatalogSources);  // a photo with real signatures
    qs.push_back(
        {Transform(Photo(files[i]), kTransforms[q % kTransforms.size()], static_cast<std::uint32_t>(900001 + q)), i,
         true});
  }
  for (std::size_t q = 0; q < queries; ++q) {
    const std::size_t h = kCatalogSources + q % (files.size() - kCatalogSources);
    RgbImage photo = Photo(files[h]);
    if (q >= files.size() - kCatalogSources) {
      photo = Transform(photo, kTransforms[q % kTransforms.size()], static_cast<std::uint32_t>(800001 + q));
    }
    qs.push_back({std::move(photo), h, false});
  }
  DuplicateDetector empty;         // the query-side cost alone
  (void)empty.Check(qs[0].image);  // warm-up (first-use allocations)

  const std::size_t rss_before = ResidentBytes();
  const auto load_start = Clock::now();
  Result<std::shared_ptr<DuplicateDetector>> detector = index.Get(kCollection);
  const double load_ms = Ms(load_start);
  const std::size_t rss_after = ResidentBytes();
  if (!detector.ok()) throw std::runtime_error(detector.status().ToString());
  const std::size_t n = (*detector)->size();

  auto resident = SumLength(**db, "resident", "duplicate_resident");
  auto cold = SumLength(**db, "cold", "duplicate_cold");
  if (!resident.ok() || !cold.ok()) throw std::runtime_error("cannot sum blob sizes");
  std::error_code ec;
  const double file_bytes = static_cast<double>(fs::file_size(dir / "iris.db", ec));

  Latencies dup, other;
  int found = 0, wrong = 0, flagged = 0;
  std::size_t candidates = 0;
  for (const Query& q : qs) {
    const auto t0 = Clock::now();
    Result<DuplicateReport> r = (*detector)->Check(q.image);
    const double total = Ms(t0);
    const auto t1 = Clock::now();
    Result<DuplicateReport> e = empty.Check(q.image);
    const double prep = Ms(t1);
    if (!r.ok() || !e.ok()) throw std::runtime_error("check failed");
    candidates += r->candidates.size();
    (q.duplicate ? dup : other).Add(total, prep);
    if (!r->has_duplicate()) continue;
    if (!q.duplicate) {
      ++flagged;
      continue;
    }
    // Items made from photo q.source: i with i mod 900 == source among the real ones (fillers are scrambled).
    const std::string& id = r->candidates.front().id;
    bool same = false;
    for (std::size_t i = q.source; i < real && !same; i += kCatalogSources) same = ItemId(i) == id;
    same ? ++found : ++wrong;
  }

  std::printf("## iris_dedup_scale_benchmark: %zu items (%zu real signatures, %zu fillers), data dir %s\n\n", n, real,
              items - real, dir.c_str());
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| ready (first use: read + decode %zu resident rows, build indexes) | %.2f s |\n", n, load_ms / 1000);
  std::printf("| memory: RSS growth over the load, per item | %.2f KB |\n",
              (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / 1024.0 / static_cast<double>(n));
  std::printf("| disk: resident blob per item | %.2f KB |\n", static_cast<double>(*resident) / 1024.0 / n);
  std::printf("| disk: cold blob per item | %.2f KB |\n", static_cast<double>(*cold) / 1024.0 / n);
  std::printf("| disk: database file per item (both tiers, keys, pages) | %.2f KB |\n", file_bytes / 1024.0 / n);
  std::printf("| candidates per check (mean) | %.1f |\n", static_cast<double>(candidates) / qs.size());
  std::printf(
      "\n| queries | n | check p50 / p95 (ms) | empty-detector check p50 / p95 | added by the catalog p50 / p95 |\n");
  std::printf("|---|---|---|---|---|\n");
  std::printf("| duplicates (transformed copies) | %zu | %s | %s | %s |\n", dup.total.size(), P(dup.total).c_str(),
              P(dup.prep).c_str(), P(dup.added).c_str());
  std::printf("| not duplicates (held-out photos) | %zu | %s | %s | %s |\n", other.total.size(), P(other.total).c_str(),
              P(other.prep).c_str(), P(other.added).c_str());
  std::printf(
      "\nduplicate queries found with a copy of their photo first: %d of %zu (%d with another id); "
      "non-duplicate queries flagged: %d of %zu\n",
      found, dup.total.size(), wrong, flagged, other.total.size());
  return 0;
}

int Main(int argc, char** argv) {
  std::size_t items = 100000, real = 5000, queries = 100;
  int threads = 2;
  fs::path dir;
  bool refill = false, measure_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--items") {
      items = std::stoul(next());
    } else if (a == "--real") {
      real = std::stoul(next());
    } else if (a == "--queries") {
      queries = std::stoul(next());
    } else if (a == "--threads") {
      threads = std::max(1, std::stoi(next()));
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--refill") {
      refill = true;
    } else if (a == "--measure-only") {
      measure_only = true;
    } else if (a == "--vote-query-chunks") {
      g_vote_query_chunks = std::stoi(next());
    } else {
      std::fprintf(stderr,
                   "usage: %s [--items N] [--real N] [--queries N] [--threads N] [--dir PATH] [--refill] "
                   "[--vote-query-chunks N]\n",
                   argv[0]);
      return 2;
    }
  }
  real = std::min(real, items);
  if (items == 0 || real == 0 || queries == 0) {
    std::fprintf(stderr, "--items, --real and --queries must be positive\n");
    return 2;
  }
  if (dir.empty()) {
    dir = fs::temp_directory_path() / ("iris-dedup-scale-" + std::to_string(items) + "-" + std::to_string(real));
  }
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  if (measure_only) return Measure(dir, items, real, queries);
  std::string filled;
  if (std::ifstream marker(dir / "filled"); marker) std::getline(marker, filled);
  if (refill || filled != std::to_string(items) + " " + std::to_string(real)) {
    std::fprintf(stderr, "filling %s with %zu items (%zu real)...\n", dir.c_str(), items, real);
    Fill(dir, items, real, threads);
  } else {
    std::fprintf(stderr, "re-using the filled data dir %s\n", dir.c_str());
  }
  // Measure in a fresh process, so the load's RSS growth is not hidden by memory the fill freed.
  std::vector<std::string> args = {argv[0],
                                   "--items",
                                   std::to_string(items),
                                   "--real",
                                   std::to_string(real),
                                   "--queries",
                                   std::to_string(queries),
                                   "--dir",
                                   dir.string(),
                                   "--vote-query-chunks",
                                   std::to_string(g_vote_query_chunks),
                                   "--measure-only"};
  std::vector<char*> cargs;
  for (std::string& s : args) cargs.push_back(s.data());
  cargs.push_back(nullptr);
  std::fflush(nullptr);
  execv("/proc/self/exe", cargs.data());
  std::perror("execv");
  return 1;
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
