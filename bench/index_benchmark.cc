// HnswCollection against raw hnswlib on the same data and parameters, side by side in one run.
// A plain timed program (not Google Benchmark): recall and memory need one long build, not repeated
// iterations. Not registered with ctest.
//
// Usage: iris_index_benchmark [n=100000] [uniform|low_rank] [M] [ef_construction] [ef_search...]
// (M, ef_construction and ef_search default to CollectionOptions' defaults). Data: n vectors, 512-d,
// L2-normalised, fixed seeds; 200 queries from another seed. "uniform": uniform in [-1, 1) (intrinsic
// dimension 512, the worst case for any graph index); "low_rank": a random 32-d subspace (like real
// embeddings). Cosine / inner product, hnswlib seed 100, one thread.
// The n vectors are inserted once, through HnswCollection; raw hnswlib then loads the same graph from
// the saved file, so both layers search identical graphs and the QPS ratio isolates Iris's overhead.
// Insert rates are compared on the first 10,000 vectors (raw hnswlib builds its own index of those).
// Reports insert rates, memory per vector (RSS delta / n), and per ef: recall@10 against exact brute
// force, single-thread QPS of HnswCollection (plain and filtered walk) and raw hnswlib, and their ratio.
#include <hnswlib/hnswlib.h>
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
constexpr int kSearchRounds = 5;  // each query set is searched this many times for QPS (once for ef > 256)

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

int main(int argc, char** argv) {
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
  const std::vector<float> data =
      low_rank ? LowRankVectors(n, 42) : iris::index_testing::RandomVectors(n, kDim, 42, /*normalise=*/true);
  const std::vector<float> queries = low_rank
                                         ? LowRankVectors(kQueries, 43)
                                         : iris::index_testing::RandomVectors(kQueries, kDim, 43, /*normalise=*/true);

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
  std::printf("memory: HnswCollection %.0f B/vector, raw hnswlib %.0f B/vector (RSS deltas / n)\n",
              static_cast<double>(iris_bytes) / n, static_cast<double>(raw_bytes) / n);

  std::vector<std::vector<size_t>> found(kQueries);
  auto time_queries = [&](auto search_one) {
    const int rounds = raw.ef_ > 256 ? 1 : kSearchRounds;
    Clock::time_point begin = Clock::now();
    for (int round = 0; round < rounds; ++round) {
      for (size_t q = 0; q < kQueries; ++q) search_one(q);
    }
    return rounds * kQueries / SecondsSince(begin);
  };
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
      auto hits = tuned->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN);
      found[q].clear();
      for (const iris::CollectionHit& hit : *hits) found[q].push_back(std::stoul(hit.id));
    });
    const double recall = Recall(found, exact);
    iris::SearchFilter filter;
    filter.exclude_id = "not-an-id";  // forces the filtered walk (filtered_hnsw_search.h)
    const double filtered_qps = time_queries([&](size_t q) {
      auto hits = tuned->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, filter);
      found[q].clear();
      for (const iris::CollectionHit& hit : *hits) found[q].push_back(std::stoul(hit.id));
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
