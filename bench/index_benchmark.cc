// HnswCollection against raw hnswlib on the same data and parameters, side by side in one run.
// A plain timed program (not Google Benchmark): recall and memory need one long build, not repeated
// iterations. Not registered with ctest.
//
// Usage: iris_index_benchmark [n=100000] [uniform|low_rank] [M] [ef_construction] [ef_search...]
//        iris_index_benchmark crossover [uniform|low_rank] [max_n=50000]
// (M, ef_construction and ef_search default to CollectionOptions' defaults). Data: n vectors, 512-d,
// L2-normalised, fixed seeds; 200 queries from another seed. "uniform": uniform in [-1, 1) (intrinsic
// dimension 512, the worst case for any graph index); "low_rank": a random 32-d subspace (like real
// embeddings). Cosine / inner product, hnswlib seed 100, one thread.
// The n vectors are inserted once, through HnswCollection; raw hnswlib then loads the same graph from
// the saved file, so both layers search identical graphs and the QPS ratio isolates Iris's overhead.
// Insert rates are compared on the first 10,000 vectors (raw hnswlib builds its own index of those).
// Reports insert rates, memory per vector (RSS delta / n), the exact path (HnswCollection's
// SearchMode::kExact against raw hnswlib's BruteforceSearch over the same vectors), and per ef:
// recall@10 against an exact scalar brute force, single-thread QPS of HnswCollection's graph walk
// (plain and filtered) and raw hnswlib, and their ratio. QPS: the 200 queries are repeated until at
// least 2 s have passed.
// "crossover" inserts up to max_n vectors through HnswCollection and, at 1k, 2k, 3k, 4k, 5k, 7k, 10k...,
// compares the graph walk (ef_search 64) with the exact scan: where kAuto should switch.
#include <hnswlib/hnswlib.h>  // also brings hnswlib/bruteforce.h
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/collection_file.h"
#include "index/collection_test_vectors.h"
#include "index/hnsw_collection.h"

namespace {

constexpr size_t kDim = 512;
constexpr size_t kQueries = 200;
constexpr size_t kTopN = 10;
constexpr double kMinSeconds = 2;  // each query set is repeated until this much time has passed

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

double Recall(const std::vector<std::vector<size_t>>& found, const std::vector<std::vector<size_t>>& exact) {
  size_t hits = 0;
  for (size_t q = 0; q < exact.size(); ++q) {
    std::set<size_t> returned(found[q].begin(), found[q].end());
    for (size_t id : exact[q]) hits += returned.count(id);
  }
  return static_cast<double>(hits) / static_cast<double>(exact.size() * kTopN);
}

// Queries per second of search_one(q) over all queries, repeated until kMinSeconds have passed.
template <typename SearchOne>
double MeasureQps(const SearchOne& search_one) {
  const Clock::time_point begin = Clock::now();
  size_t done = 0;
  double seconds = 0;
  do {
    for (size_t q = 0; q < kQueries; ++q) search_one(q);
    done += kQueries;
    seconds = SecondsSince(begin);
  } while (seconds < kMinSeconds);
  return static_cast<double>(done) / seconds;
}

std::vector<size_t> HitIds(const std::vector<iris::CollectionHit>& hits) {
  std::vector<size_t> ids;
  for (const iris::CollectionHit& hit : hits) ids.push_back(std::stoul(hit.id));
  return ids;
}

}  // namespace

// Vectors W z with z ~ N(0, I) in kLowRank dimensions and one fixed random 512 x kLowRank matrix W,
// L2-normalised: 512-d vectors whose intrinsic dimension is low, like real image embeddings.
std::vector<float> LowRankVectors(size_t n, std::uint32_t seed) {
  constexpr size_t kLowRank = 32;
  const std::vector<float> basis = iris::index_testing::RandomVectors(kDim, kLowRank, 1234, /*normalise=*/false);
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal;
  std::vector<float> data(n * kDim);
  std::vector<float> z(kLowRank);
  for (size_t i = 0; i < n; ++i) {
    for (float& value : z) value = normal(generator);
    float* row = data.data() + i * kDim;
    double norm = 0;
    for (size_t d = 0; d < kDim; ++d) {
      float value = 0;
      for (size_t r = 0; r < kLowRank; ++r) value += basis[d * kLowRank + r] * z[r];
      row[d] = value;
      norm += static_cast<double>(value) * value;
    }
    for (size_t d = 0; d < kDim; ++d) row[d] = static_cast<float>(row[d] / std::sqrt(norm));
  }
  return data;
}

std::vector<float> MakeVectors(size_t n, bool low_rank, std::uint32_t seed) {
  return low_rank ? LowRankVectors(n, seed) : iris::index_testing::RandomVectors(n, kDim, seed, /*normalise=*/true);
}

// Graph walk at the default ef_search against the exact scan as the collection grows.
int Crossover(bool low_rank, size_t max_n) {
  std::printf("crossover: dim=%zu data=%s queries=%zu M=16 ef_construction=200 ef_search=64\n", kDim,
              low_rank ? "low_rank(32)" : "uniform", kQueries);
  const std::vector<float> data = MakeVectors(max_n, low_rank, 42);
  const std::vector<float> queries = MakeVectors(kQueries, low_rank, 43);
  iris::CollectionOptions options;
  options.dim = kDim;
  options.initial_capacity = max_n;
  auto collection = std::move(iris::HnswCollection::Create(options)).value();
  std::printf("%8s %12s %12s %12s %12s\n", "n", "graph QPS", "graph rec.", "exact QPS", "exact/graph");
  size_t inserted = 0;
  for (size_t checkpoint : {1000, 2000, 3000, 4000, 5000, 7000, 10000, 20000, 50000, 100000, 200000}) {
    if (checkpoint > max_n) break;
    for (; inserted < checkpoint; ++inserted) {
      if (!collection->Upsert(std::to_string(inserted), std::span<const float>(data.data() + inserted * kDim, kDim))
               .ok()) {
        return 1;
      }
    }
    const std::vector<float> prefix(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(checkpoint * kDim));
    std::vector<std::vector<size_t>> exact(kQueries), found(kQueries);
    for (size_t q = 0; q < kQueries; ++q) {
      exact[q] = iris::index_testing::ExactTopByDot(prefix, kDim, queries.data() + q * kDim, kTopN);
    }
    auto timed = [&](iris::SearchMode mode) {
      return MeasureQps([&](size_t q) {
        auto hits = collection->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, {}, {}, mode);
        found[q] = HitIds(*hits);
      });
    };
    const double graph_qps = timed(iris::SearchMode::kGraph);
    const double graph_recall = Recall(found, exact);
    const double exact_qps = timed(iris::SearchMode::kExact);
    const double exact_recall = Recall(found, exact);
    std::printf("%8zu %12.0f %12.4f %12.0f %12.3f%s\n", checkpoint, graph_qps, graph_recall, exact_qps,
                exact_qps / graph_qps, exact_recall == 1.0 ? "" : "  (exact recall < 1!)");
    std::fflush(stdout);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "crossover") {
    return Crossover(argc > 2 && std::string(argv[2]) == "low_rank",
                     argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 50000);
  }
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  const bool low_rank = argc > 2 && std::string(argv[2]) == "low_rank";
  const iris::CollectionOptions defaults;
  const int m = argc > 3 ? std::atoi(argv[3]) : defaults.m;
  const int ef_construction = argc > 4 ? std::atoi(argv[4]) : defaults.ef_construction;
  std::vector<size_t> efs;
  for (int a = 5; a < argc; ++a) efs.push_back(std::strtoul(argv[a], nullptr, 10));
  if (efs.empty()) efs = {static_cast<size_t>(defaults.ef_search)};
  const size_t insert_sample = std::min<size_t>(n, 10000);
  std::printf("index benchmark: n=%zu dim=%zu data=%s queries=%zu M=%d ef_construction=%d\n", n, kDim,
              low_rank ? "low_rank(32)" : "uniform", kQueries, m, ef_construction);
  const std::vector<float> data = MakeVectors(n, low_rank, 42);
  const std::vector<float> queries = MakeVectors(kQueries, low_rank, 43);

  Clock::time_point start = Clock::now();
  std::vector<std::vector<size_t>> exact(kQueries);
  for (size_t q = 0; q < kQueries; ++q) {
    exact[q] = iris::index_testing::ExactTopByDot(data, kDim, queries.data() + q * kDim, kTopN);
  }
  const double exact_qps = kQueries / SecondsSince(start);
  std::printf("exact brute force (scalar loop): %.1f queries/s\n", exact_qps);

  // Insert rate, side by side on the first `insert_sample` vectors (same parameters, one thread).
  double raw_insert_seconds = 0;
  {
    hnswlib::InnerProductSpace space(kDim);
    hnswlib::HierarchicalNSW<float> index(&space, insert_sample, m, ef_construction, 100);
    start = Clock::now();
    for (size_t i = 0; i < insert_sample; ++i) index.addPoint(data.data() + i * kDim, i);
    raw_insert_seconds = SecondsSince(start);
  }

  // The whole data set is built ONCE, by HnswCollection; raw hnswlib then loads the very same graph
  // from the saved file, so recall is identical by construction and QPS compares only the layers.
  iris::CollectionOptions options;
  options.dim = kDim;
  options.metric = iris::Metric::kCosine;
  options.m = m;
  options.ef_construction = ef_construction;
  options.initial_capacity = n;
  const size_t rss_before = ResidentBytes();
  auto collection = std::move(iris::HnswCollection::Create(options)).value();
  double iris_sample_seconds = 0;
  start = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    iris::Status status =
        collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim), {{"n", i}});
    if (!status.ok()) {
      std::fprintf(stderr, "upsert failed: %s\n", status.ToString().c_str());
      return 1;
    }
    if (i + 1 == insert_sample) iris_sample_seconds = SecondsSince(start);
  }
  const double iris_insert_seconds = SecondsSince(start);
  const size_t iris_bytes = ResidentBytes() - rss_before;
  std::printf("insert, first %zu vectors: HnswCollection %.0f vec/s, raw hnswlib %.0f vec/s (ratio %.3f)\n",
              insert_sample, insert_sample / iris_sample_seconds, insert_sample / raw_insert_seconds,
              raw_insert_seconds / iris_sample_seconds);
  std::printf("insert, all %zu vectors: HnswCollection %.0f vec/s (%.1f s)\n", n, n / iris_insert_seconds,
              iris_insert_seconds);

  const std::string saved = "/tmp/iris_index_benchmark." + std::to_string(::getpid());
  if (!collection->Save(saved).ok()) return 1;
  auto contents = iris::ReadCollectionFile(saved);
  std::filesystem::remove(saved);
  if (!contents.ok()) return 1;
  { std::ofstream(saved, std::ios::binary) << contents->index_bytes; }
  const size_t raw_rss_before = ResidentBytes();
  hnswlib::InnerProductSpace space(kDim);
  hnswlib::HierarchicalNSW<float> raw(&space, saved);
  const size_t raw_bytes = ResidentBytes() - raw_rss_before;
  std::filesystem::remove(saved);
  // Raw hnswlib's own exact baseline: BruteforceSearch over the same vectors (vector + label per row).
  const size_t brute_rss_before = ResidentBytes();
  hnswlib::BruteforceSearch<float> brute(&space, n);
  for (size_t i = 0; i < n; ++i) brute.addPoint(data.data() + i * kDim, i);
  const size_t brute_bytes = ResidentBytes() - brute_rss_before;
  std::printf(
      "memory: HnswCollection %.0f B/vector, raw hnswlib HNSW %.0f B/vector, raw BruteforceSearch %.0f "
      "B/vector (RSS deltas / n)\n",
      static_cast<double>(iris_bytes) / n, static_cast<double>(raw_bytes) / n, static_cast<double>(brute_bytes) / n);

  std::vector<std::vector<size_t>> found(kQueries);
  {
    iris::SearchFilter filter;
    filter.exclude_id = "not-an-id";  // a non-empty filter: label lookups for candidates
    auto iris_exact = [&](const iris::SearchFilter& with) {
      return MeasureQps([&](size_t q) {
        auto hits = collection->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, with, {},
                                       iris::SearchMode::kExact);
        found[q] = HitIds(*hits);
      });
    };
    const double iris_qps = iris_exact({});
    const double iris_recall = Recall(found, exact);
    const double filtered_qps = iris_exact(filter);
    const double filtered_recall = Recall(found, exact);
    const double brute_qps = MeasureQps([&](size_t q) {
      auto hits = brute.searchKnnCloserFirst(queries.data() + q * kDim, kTopN);
      found[q].clear();
      for (const auto& hit : hits) found[q].push_back(hit.second);
    });
    const double brute_recall = Recall(found, exact);
    std::printf(
        "exact path: HnswCollection kExact %.1f QPS (recall %.4f; filtered %.1f QPS, recall %.4f), raw "
        "BruteforceSearch %.1f QPS (recall %.4f), Iris/raw %.3f\n",
        iris_qps, iris_recall, filtered_qps, filtered_recall, brute_qps, brute_recall, iris_qps / brute_qps);
    std::fflush(stdout);
  }

  const auto& time_queries = [](const auto& search_one) { return MeasureQps(search_one); };
  std::printf("%6s %10s %12s %12s %12s %10s\n", "ef", "recall@10", "Iris QPS", "Iris filt.", "raw QPS", "Iris/raw");
  for (size_t ef : efs) {
    // A collection's ef_search is fixed at creation; Load with another ef is not exposed, so the
    // benchmark changes it the way a restart with new options would: a new collection from the file.
    options.ef_search = static_cast<int>(ef);
    collection->Save(saved).ok();
    {
      auto with_ef = std::move(iris::ReadCollectionFile(saved)).value();
      with_ef.ef_search = static_cast<std::uint32_t>(ef);
      iris::WriteCollectionFile(saved, with_ef).ok();
    }
    auto tuned = std::move(iris::HnswCollection::Load(saved)).value();
    std::filesystem::remove(saved);
    raw.setEf(ef);
    const double iris_qps = time_queries([&](size_t q) {
      auto hits = tuned->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, {}, {},
                                iris::SearchMode::kGraph);
      found[q] = HitIds(*hits);
    });
    const double recall = Recall(found, exact);
    iris::SearchFilter filter;
    filter.exclude_id = "not-an-id";  // forces the filtered walk (filtered_hnsw_search.h)
    const double filtered_qps = time_queries([&](size_t q) {
      auto hits = tuned->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, filter, {},
                                iris::SearchMode::kGraph);
      found[q] = HitIds(*hits);
    });
    const double filtered_recall = Recall(found, exact);
    const double raw_qps = time_queries([&](size_t q) {
      auto hits = raw.searchKnnCloserFirst(queries.data() + q * kDim, kTopN);
      found[q].clear();
      for (const auto& hit : hits) found[q].push_back(hit.second);
    });
    const double raw_recall = Recall(found, exact);
    std::printf("%6zu %10.4f %12.0f %12.0f %12.0f %10.3f%s\n", ef, recall, iris_qps, filtered_qps, raw_qps,
                iris_qps / raw_qps,
                (recall == raw_recall && recall == filtered_recall) ? "" : "  (recall differs between layers!)");
    std::fflush(stdout);
  }
  return 0;
}
