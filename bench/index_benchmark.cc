// HnswCollection against raw hnswlib on the same data and parameters, side by side in one run.
// A plain timed program (not Google Benchmark): recall and memory need one long build, not repeated
// iterations. Not registered with ctest.
//
// Data: N vectors (default 100,000; first argument overrides), 512-d, L2-normalised, fixed seeds; 200
// queries from another seed. Default: uniform in [-1, 1) (intrinsic dimension 512, the worst case
// for any graph index); second argument "low_rank": a random 32-d subspace (like real embeddings). Both indexes: cosine
// / inner product, M=16, ef_construction=200, ef=64, capacity reserved for N, hnswlib seed 100, one thread. Reports
// insert rate, recall@10 against exact brute force, single-thread queries per second, memory per vector (RSS delta /
// N), the QPS ratio of HnswCollection to raw hnswlib, and recall against ef.
#include <hnswlib/hnswlib.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/collection_test_vectors.h"
#include "index/hnsw_collection.h"

namespace {

constexpr size_t kDim = 512;
constexpr size_t kQueries = 200;
constexpr size_t kTopN = 10;
constexpr int kM = 16;
constexpr int kEfConstruction = 200;
constexpr int kEfSearch = 64;
constexpr int kSearchRounds = 5;  // each query set is searched this many times for QPS

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

struct Measurement {
  double insert_seconds = 0;
  size_t rss_delta = 0;
  double recall = 0;
  double qps = 0;
};

double Recall(const std::vector<std::vector<size_t>>& found, const std::vector<std::vector<size_t>>& exact) {
  size_t hits = 0;
  for (size_t q = 0; q < exact.size(); ++q) {
    std::set<size_t> returned(found[q].begin(), found[q].end());
    for (size_t id : exact[q]) hits += returned.count(id);
  }
  return static_cast<double>(hits) / static_cast<double>(exact.size() * kTopN);
}

void Print(const char* name, const Measurement& m, size_t n) {
  std::printf("%-34s insert %8.0f vec/s (%6.1f s)  recall@10 %.4f  QPS %8.0f  memory %6.0f B/vector\n", name,
              static_cast<double>(n) / m.insert_seconds, m.insert_seconds, m.recall, m.qps,
              static_cast<double>(m.rss_delta) / static_cast<double>(n));
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
  std::printf("index benchmark: n=%zu dim=%zu data=%s queries=%zu M=%d ef_construction=%d ef=%d\n", n, kDim,
              low_rank ? "low_rank(32)" : "uniform", kQueries, kM, kEfConstruction, kEfSearch);
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
  std::printf("exact brute force: %.1f queries/s\n", kQueries / SecondsSince(start));

  // HnswCollection.
  Measurement collection_m;
  {
    iris::CollectionOptions options;
    options.dim = kDim;
    options.metric = iris::Metric::kCosine;
    options.m = kM;
    options.ef_construction = kEfConstruction;
    options.ef_search = kEfSearch;
    options.initial_capacity = n;
    const size_t rss_before = ResidentBytes();
    auto collection = std::move(iris::HnswCollection::Create(options)).value();
    start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      iris::Status status =
          collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim), {{"n", i}});
      if (!status.ok()) {
        std::fprintf(stderr, "upsert failed: %s\n", status.ToString().c_str());
        return 1;
      }
    }
    collection_m.insert_seconds = SecondsSince(start);
    collection_m.rss_delta = ResidentBytes() - rss_before;

    std::vector<std::vector<size_t>> found(kQueries);
    start = Clock::now();
    for (int round = 0; round < kSearchRounds; ++round) {
      for (size_t q = 0; q < kQueries; ++q) {
        auto hits = collection->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN);
        found[q].clear();
        for (const iris::CollectionHit& hit : *hits) found[q].push_back(std::stoul(hit.id));
      }
    }
    collection_m.qps = kSearchRounds * kQueries / SecondsSince(start);
    collection_m.recall = Recall(found, exact);
    Print("HnswCollection (search)", collection_m, n);

    // The filtered walk (filtered_hnsw_search.h), with a filter every item passes plus exclude_id.
    Measurement filtered_m = collection_m;
    iris::SearchFilter filter;
    filter.exclude_id = "not-an-id";
    start = Clock::now();
    for (int round = 0; round < kSearchRounds; ++round) {
      for (size_t q = 0; q < kQueries; ++q) {
        auto hits = collection->Search(std::span<const float>(queries.data() + q * kDim, kDim), kTopN, filter);
        found[q].clear();
        for (const iris::CollectionHit& hit : *hits) found[q].push_back(std::stoul(hit.id));
      }
    }
    filtered_m.qps = kSearchRounds * kQueries / SecondsSince(start);
    filtered_m.recall = Recall(found, exact);
    Print("HnswCollection (filtered walk)", filtered_m, n);
  }

  // Raw hnswlib, same data and parameters.
  Measurement raw_m;
  {
    const size_t rss_before = ResidentBytes();
    hnswlib::InnerProductSpace space(kDim);
    hnswlib::HierarchicalNSW<float> index(&space, n, kM, kEfConstruction, 100);
    index.setEf(kEfSearch);
    start = Clock::now();
    for (size_t i = 0; i < n; ++i) index.addPoint(data.data() + i * kDim, i);
    raw_m.insert_seconds = SecondsSince(start);
    raw_m.rss_delta = ResidentBytes() - rss_before;

    std::vector<std::vector<size_t>> found(kQueries);
    start = Clock::now();
    for (int round = 0; round < kSearchRounds; ++round) {
      for (size_t q = 0; q < kQueries; ++q) {
        auto hits = index.searchKnnCloserFirst(queries.data() + q * kDim, kTopN);
        found[q].clear();
        for (const auto& hit : hits) found[q].push_back(hit.second);
      }
    }
    raw_m.qps = kSearchRounds * kQueries / SecondsSince(start);
    raw_m.recall = Recall(found, exact);
    Print("raw hnswlib::HierarchicalNSW", raw_m, n);

    // Random uniform 512-d data has a very high intrinsic dimension, the hardest case for HNSW:
    // show which ef reaches which recall (same graph algorithm, so it holds for HnswCollection too).
    for (size_t ef : {64, 128, 256, 512, 1024}) {
      index.setEf(ef);
      start = Clock::now();
      for (size_t q = 0; q < kQueries; ++q) {
        auto hits = index.searchKnnCloserFirst(queries.data() + q * kDim, kTopN);
        found[q].clear();
        for (const auto& hit : hits) found[q].push_back(hit.second);
      }
      std::printf("  raw hnswlib ef=%-5zu recall@10 %.4f  QPS %8.0f\n", ef, Recall(found, exact),
                  kQueries / SecondsSince(start));
    }
  }

  std::printf("HnswCollection / raw hnswlib: QPS ratio %.3f, insert-rate ratio %.3f\n", collection_m.qps / raw_m.qps,
              raw_m.insert_seconds / collection_m.insert_seconds);
  return 0;
}
