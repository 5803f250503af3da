#include "index/hnsw_collection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/collection_test_vectors.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

std::unique_ptr<HnswCollection> MakeCollection(int dim, Metric metric, size_t initial_capacity = 1024) {
  CollectionOptions options;
  options.dim = dim;
  options.metric = metric;
  options.initial_capacity = initial_capacity;
  Result<std::unique_ptr<HnswCollection>> created = HnswCollection::Create(options);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return std::move(created).value();
}

std::vector<std::string> Ids(const std::vector<CollectionHit>& hits) {
  std::vector<std::string> ids;
  for (const CollectionHit& hit : hits) ids.push_back(hit.id);
  return ids;
}

std::vector<CollectionHit> MustSearch(const HnswCollection& collection, std::vector<float> query, int top_n,
                                      const SearchFilter& filter = {}, std::optional<float> min_similarity = {},
                                      SearchMode mode = SearchMode::kAuto) {
  Result<std::vector<CollectionHit>> hits = collection.Search(query, top_n, filter, min_similarity, mode);
  EXPECT_TRUE(hits.ok()) << hits.status().ToString();
  return hits.ok() ? std::move(hits).value() : std::vector<CollectionHit>{};
}

TEST(HnswCollection, ExactResultsOnHandMadeCosineVectors) {
  auto collection = MakeCollection(3, Metric::kCosine);
  ASSERT_TRUE(collection->Upsert("x", std::vector<float>{2, 0, 0}, {{"axis", "x"}}).ok());
  ASSERT_TRUE(collection->Upsert("y", std::vector<float>{0, 5, 0}).ok());
  ASSERT_TRUE(collection->Upsert("xy", std::vector<float>{1, 1, 0}).ok());
  ASSERT_TRUE(collection->Upsert("minus_x", std::vector<float>{-3, 0, 0}).ok());
  EXPECT_EQ(collection->size(), 4u);

  std::vector<CollectionHit> hits = MustSearch(*collection, {10, 0, 0}, 4);
  ASSERT_EQ(Ids(hits), (std::vector<std::string>{"x", "xy", "y", "minus_x"}));
  EXPECT_NEAR(hits[0].similarity, 1.0f, 1e-6);
  EXPECT_NEAR(hits[0].distance, 0.0f, 1e-6);
  EXPECT_EQ(hits[0].metadata, nlohmann::json({{"axis", "x"}}));
  EXPECT_NEAR(hits[1].similarity, std::sqrt(0.5f), 1e-6);
  EXPECT_NEAR(hits[1].distance, 1.0f - std::sqrt(0.5f), 1e-6);
  EXPECT_NEAR(hits[2].similarity, 0.0f, 1e-6);
  EXPECT_NEAR(hits[3].similarity, -1.0f, 1e-6);
  EXPECT_NEAR(hits[3].distance, 2.0f, 1e-6);

  Result<CollectionItem> stored = collection->Get("y");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->vector, (std::vector<float>{0, 1, 0}));  // normalised on insert
}

TEST(HnswCollection, ExactResultsOnHandMadeL2Vectors) {
  auto collection = MakeCollection(2, Metric::kL2);
  ASSERT_TRUE(collection->Upsert("origin", std::vector<float>{0, 0}).ok());
  ASSERT_TRUE(collection->Upsert("three_four", std::vector<float>{3, 4}).ok());
  ASSERT_TRUE(collection->Upsert("one", std::vector<float>{1, 0}).ok());
  std::vector<CollectionHit> hits = MustSearch(*collection, {0, 0}, 3);
  ASSERT_EQ(Ids(hits), (std::vector<std::string>{"origin", "one", "three_four"}));
  EXPECT_FLOAT_EQ(hits[1].distance, 1.0f);
  EXPECT_FLOAT_EQ(hits[2].distance, 5.0f);  // Euclidean, not squared
  EXPECT_FLOAT_EQ(hits[2].similarity, -5.0f);
}

TEST(HnswCollection, UpsertReplacesVectorAndMetadataWithoutDuplicates) {
  auto collection = MakeCollection(3, Metric::kCosine);
  ASSERT_TRUE(collection->Upsert("a", std::vector<float>{1, 0, 0}, {{"version", 1}}).ok());
  ASSERT_TRUE(collection->Upsert("b", std::vector<float>{0, 1, 0}).ok());
  ASSERT_TRUE(collection->Upsert("a", std::vector<float>{0, 0, 1}, {{"version", 2}}).ok());
  EXPECT_EQ(collection->size(), 2u);

  std::vector<CollectionHit> hits = MustSearch(*collection, {0, 0, 1}, 10);
  ASSERT_EQ(Ids(hits), (std::vector<std::string>{"a", "b"}));
  EXPECT_NEAR(hits[0].similarity, 1.0f, 1e-6);
  EXPECT_EQ(hits[0].metadata, nlohmann::json({{"version", 2}}));
  // The old vector is gone: nothing is close to (1, 0, 0) any more.
  std::vector<CollectionHit> old = MustSearch(*collection, {1, 0, 0}, 10);
  ASSERT_EQ(old.size(), 2u);
  EXPECT_NEAR(old[0].similarity, 0.0f, 1e-6);
  EXPECT_EQ(collection->Get("a")->vector, (std::vector<float>{0, 0, 1}));
}

TEST(HnswCollection, DeleteRemovesFromSearchGetAndList) {
  auto collection = MakeCollection(2, Metric::kCosine);
  ASSERT_TRUE(collection->Upsert("keep", std::vector<float>{1, 0}).ok());
  ASSERT_TRUE(collection->Upsert("drop", std::vector<float>{1, 0.1f}).ok());
  ASSERT_TRUE(collection->Delete("drop").ok());
  EXPECT_EQ(collection->size(), 1u);
  EXPECT_EQ(collection->Get("drop").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(collection->Contains("drop"));
  EXPECT_TRUE(collection->Contains("keep"));
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0.1f}, 5)), std::vector<std::string>{"keep"});
  SearchFilter filtered;  // the filtered walk skips tombstones too
  filtered.exclude_id = "unrelated";
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0.1f}, 5, filtered)), std::vector<std::string>{"keep"});
  EXPECT_EQ(collection->ListIds(0, 10), std::vector<std::string>{"keep"});
  EXPECT_EQ(collection->Delete("drop").code(), StatusCode::kNotFound);
  // A deleted id can come back.
  ASSERT_TRUE(collection->Upsert("drop", std::vector<float>{0, 1}).ok());
  EXPECT_TRUE(collection->Contains("drop"));
  EXPECT_EQ(Ids(MustSearch(*collection, {0, 1}, 1)), std::vector<std::string>{"drop"});
}

TEST(HnswCollection, RecallAt10AgainstBruteForce) {
  constexpr size_t kN = 2000, kDim = 64, kQueries = 50;
  auto collection = MakeCollection(kDim, Metric::kCosine);
  std::vector<float> data = index_testing::RandomVectors(kN, kDim, 7, /*normalise=*/true);
  for (size_t i = 0; i < kN; ++i) {
    ASSERT_TRUE(collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim)).ok());
  }
  std::vector<float> queries = index_testing::RandomVectors(kQueries, kDim, 8, /*normalise=*/true);
  size_t found = 0;
  for (size_t q = 0; q < kQueries; ++q) {
    const float* query = queries.data() + q * kDim;
    std::vector<CollectionHit> hits =
        MustSearch(*collection, std::vector<float>(query, query + kDim), 10, {}, {}, SearchMode::kGraph);
    std::set<std::string> returned;
    for (const CollectionHit& hit : hits) returned.insert(hit.id);
    for (size_t exact : index_testing::ExactTopByDot(data, kDim, query, 10))
      found += returned.count(std::to_string(exact));
  }
  const double recall = static_cast<double>(found) / (kQueries * 10);
  EXPECT_GE(recall, 0.95);
}

TEST(HnswCollection, FilterIsAppliedInsideTheSearch) {
  constexpr size_t kN = 1000, kDim = 16;
  auto collection = MakeCollection(kDim, Metric::kCosine);
  std::vector<float> data = index_testing::RandomVectors(kN, kDim, 11, /*normalise=*/false);
  std::set<std::string> rare = {"17", "230", "501", "777", "998"};
  for (size_t i = 0; i < kN; ++i) {
    std::string id = std::to_string(i);
    nlohmann::json metadata = {{"tag", rare.count(id) ? "rare" : "common"}, {"n", i}};
    ASSERT_TRUE(collection->Upsert(id, std::span<const float>(data.data() + i * kDim, kDim), metadata).ok());
  }
  std::vector<float> query(data.begin() + 3 * kDim, data.begin() + 4 * kDim);  // item "3" is common

  for (SearchMode mode : {SearchMode::kGraph, SearchMode::kExact}) {
    SCOPED_TRACE(mode == SearchMode::kGraph ? "graph walk" : "exact scan");
    // What a post-filter over an ordinary top-10 would keep.
    size_t rare_in_plain_top10 = 0;
    for (const CollectionHit& hit : MustSearch(*collection, query, 10, {}, {}, mode)) {
      rare_in_plain_top10 += rare.count(hit.id);
    }
    EXPECT_LT(rare_in_plain_top10, rare.size());

    SearchFilter filter;
    filter.metadata_equals["tag"] = "rare";
    std::vector<CollectionHit> hits = MustSearch(*collection, query, 10, filter, {}, mode);
    std::vector<std::string> ids = Ids(hits);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), rare);
    EXPECT_EQ(ids.size(), rare.size());
    for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].similarity, hits[i].similarity);

    // Two fields must both match; a value of another JSON type does not.
    filter.metadata_equals["n"] = 501;
    EXPECT_EQ(Ids(MustSearch(*collection, query, 10, filter, {}, mode)), std::vector<std::string>{"501"});
    filter.metadata_equals["n"] = "501";
    EXPECT_TRUE(MustSearch(*collection, query, 10, filter, {}, mode).empty());
  }
}

// The true top-k by a naive double-precision loop over `live` items (id -> vector as inserted).
struct Expected {
  std::string id;
  double similarity;
};
std::vector<Expected> NaiveTopK(Metric metric, const std::vector<std::pair<std::string, std::vector<float>>>& live,
                                const std::vector<float>& query, size_t k) {
  auto norm = [](const std::vector<float>& v) {
    double sum = 0;
    for (float x : v) sum += static_cast<double>(x) * x;
    return std::sqrt(sum);
  };
  std::vector<Expected> all;
  for (const auto& [id, vector] : live) {
    double dot = 0, squared = 0;
    for (size_t d = 0; d < query.size(); ++d) {
      dot += static_cast<double>(vector[d]) * query[d];
      squared += (static_cast<double>(vector[d]) - query[d]) * (static_cast<double>(vector[d]) - query[d]);
    }
    double similarity = dot;
    if (metric == Metric::kCosine) similarity = dot / (norm(vector) * norm(query));
    if (metric == Metric::kL2) similarity = -std::sqrt(squared);
    all.push_back({id, similarity});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Expected& a, const Expected& b) { return a.similarity > b.similarity; });
  all.resize(std::min(k, all.size()));
  return all;
}

// Upserts n random vectors of dim 37 (not a multiple of the scan's 32 lanes), then replaces every 10th
// and deletes every 7th, so the graph holds tombstones the scan must skip. Returns the live items.
std::vector<std::pair<std::string, std::vector<float>>> FillWithChurn(HnswCollection& collection, size_t n,
                                                                      std::uint32_t seed) {
  const size_t dim = static_cast<size_t>(collection.options().dim);
  std::vector<float> data = index_testing::RandomVectors(2 * n, dim, seed, /*normalise=*/false);
  std::map<std::string, std::vector<float>> live;
  auto row = [&](size_t i) { return std::vector<float>(data.begin() + i * dim, data.begin() + (i + 1) * dim); };
  for (size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(collection.Upsert(std::to_string(i), row(i), {{"group", i % 3}}).ok());
    live[std::to_string(i)] = row(i);
  }
  for (size_t i = 0; i < n; i += 10) {
    EXPECT_TRUE(collection.Upsert(std::to_string(i), row(n + i), {{"group", i % 3}}).ok());
    live[std::to_string(i)] = row(n + i);
  }
  for (size_t i = 0; i < n; i += 7) {
    EXPECT_TRUE(collection.Delete(std::to_string(i)).ok());
    live.erase(std::to_string(i));
  }
  EXPECT_EQ(collection.size(), live.size());
  return {live.begin(), live.end()};
}

TEST(HnswCollection, ExactSearchReturnsTheTrueTopKForEveryMetric) {
  constexpr size_t kN = 1500, kDim = 37, kTop = 10;
  for (Metric metric : {Metric::kCosine, Metric::kInnerProduct, Metric::kL2}) {
    SCOPED_TRACE(std::string(MetricName(metric)));
    auto collection = MakeCollection(kDim, metric);
    const auto live = FillWithChurn(*collection, kN, 21);
    ASSERT_GT(collection->graph_elements(), collection->size());  // tombstones present
    const std::vector<float> queries = index_testing::RandomVectors(20, kDim, 22, /*normalise=*/false);
    for (size_t q = 0; q < 20; ++q) {
      std::vector<float> query(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
      const std::vector<Expected> expected = NaiveTopK(metric, live, query, kTop);
      const std::vector<CollectionHit> hits = MustSearch(*collection, query, kTop, {}, {}, SearchMode::kExact);
      ASSERT_EQ(hits.size(), kTop);
      for (size_t i = 0; i < kTop; ++i) {
        EXPECT_EQ(hits[i].id, expected[i].id) << "query " << q << " rank " << i;
        EXPECT_NEAR(hits[i].similarity, expected[i].similarity, 1e-4);
        const double distance = metric == Metric::kL2 ? -expected[i].similarity : 1 - expected[i].similarity;
        EXPECT_NEAR(hits[i].distance, distance, 1e-4);
      }
    }
  }
}

TEST(HnswCollection, ExactSearchHonoursFilterExcludeIdAndMinSimilarity) {
  constexpr size_t kN = 600, kDim = 37;
  auto collection = MakeCollection(kDim, Metric::kCosine);
  const auto live = FillWithChurn(*collection, kN, 31);
  std::vector<std::pair<std::string, std::vector<float>>> group_one;
  for (const auto& item : live) {
    if (std::stoul(item.first) % 3 == 1) group_one.push_back(item);
  }
  const std::vector<float> query = index_testing::RandomVectors(1, kDim, 32, /*normalise=*/false);
  std::vector<Expected> expected = NaiveTopK(Metric::kCosine, group_one, query, 6);
  ASSERT_EQ(expected.size(), 6u);

  SearchFilter filter;
  filter.metadata_equals["group"] = 1;
  filter.exclude_id = expected[0].id;  // the best match in the group is left out
  // min_similarity halfway between the 5th and 6th match: exactly 4 remain after the exclusion.
  const float min_similarity = static_cast<float>((expected[4].similarity + expected[5].similarity) / 2);
  std::vector<CollectionHit> hits = MustSearch(*collection, query, 10, filter, min_similarity, SearchMode::kExact);
  EXPECT_EQ(Ids(hits), (std::vector<std::string>{expected[1].id, expected[2].id, expected[3].id, expected[4].id}));
  for (const CollectionHit& hit : hits) EXPECT_EQ(hit.metadata.at("group"), 1);

  // A filter that matches nothing returns nothing, and the excluded id alone is the only one missing.
  filter.metadata_equals["group"] = 5;
  EXPECT_TRUE(MustSearch(*collection, query, 10, filter, {}, SearchMode::kExact).empty());
  SearchFilter exclude_only;
  exclude_only.exclude_id = live.front().first;
  std::vector<CollectionHit> all = MustSearch(*collection, query, 1000, exclude_only, {}, SearchMode::kExact);
  EXPECT_EQ(all.size(), live.size() - 1);
  for (const CollectionHit& hit : all) EXPECT_NE(hit.id, live.front().first);
}

TEST(HnswCollection, AutoModeScansSmallCollectionsAndWalksTheGraphOfLargeOnes) {
  constexpr size_t kN = 3000, kDim = 32, kQueries = 40;
  CollectionOptions options;
  options.dim = kDim;
  options.m = 4;  // a deliberately weak graph, so the walk misses neighbours the scan finds
  options.ef_construction = 8;
  options.ef_search = 10;
  auto collection = std::move(HnswCollection::Create(options)).value();
  std::vector<float> data = index_testing::RandomVectors(kN, kDim, 41, /*normalise=*/true);
  for (size_t i = 0; i < kN; ++i) {
    ASSERT_TRUE(collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim)).ok());
  }
  const std::vector<float> queries = index_testing::RandomVectors(kQueries, kDim, 42, /*normalise=*/true);
  auto query = [&](size_t q) {
    return std::vector<float>(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
  };
  std::vector<std::vector<std::string>> graph, exact;
  for (size_t q = 0; q < kQueries; ++q) {
    graph.push_back(Ids(MustSearch(*collection, query(q), 10, {}, {}, SearchMode::kGraph)));
    exact.push_back(Ids(MustSearch(*collection, query(q), 10, {}, {}, SearchMode::kExact)));
  }
  ASSERT_NE(graph, exact) << "the weak graph should miss some true neighbours";
  EXPECT_EQ(collection->exact_searches(), kQueries);

  auto auto_results = [&](int top_n) {
    std::vector<std::vector<std::string>> results;
    for (size_t q = 0; q < kQueries; ++q) results.push_back(Ids(MustSearch(*collection, query(q), top_n)));
    return results;
  };
  ASSERT_GE(kDefaultExactSearchMaxItems, kN);
  EXPECT_EQ(collection->exact_search_max_items(), kDefaultExactSearchMaxItems);
  EXPECT_EQ(auto_results(10), exact);  // 3,000 items <= the default threshold: scanned
  collection->set_exact_search_max_items(kN);
  EXPECT_EQ(auto_results(10), exact);  // the threshold is inclusive
  EXPECT_EQ(collection->exact_searches(), 3 * kQueries);
  collection->set_exact_search_max_items(kN - 1);
  EXPECT_EQ(auto_results(10), graph);
  collection->set_exact_search_max_items(0);
  EXPECT_EQ(auto_results(10), graph);
  EXPECT_EQ(collection->exact_searches(), 3 * kQueries);

  // With the threshold off, a breadth max(ef_search, top_n) >= live items also scans.
  ASSERT_TRUE(collection->Delete("0").ok());
  for (size_t i = 1; i < kN - 999; ++i) ASSERT_TRUE(collection->Delete(std::to_string(i)).ok());
  ASSERT_EQ(collection->size(), 999u);
  auto_results(999);
  EXPECT_EQ(collection->exact_searches(), 4 * kQueries);
  collection->set_exact_search_max_items(998);
  auto_results(998);  // 998 < 999 live, and the threshold is below the size: graph
  EXPECT_EQ(collection->exact_searches(), 4 * kQueries);
}

TEST(HnswCollection, ExcludeIdLeavesTheItemOutOfItsOwnList) {
  auto collection = MakeCollection(2, Metric::kCosine);
  ASSERT_TRUE(collection->Upsert("self", std::vector<float>{1, 0}).ok());
  ASSERT_TRUE(collection->Upsert("near", std::vector<float>{1, 0.2f}).ok());
  ASSERT_TRUE(collection->Upsert("far", std::vector<float>{0, 1}).ok());
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0}, 2)), (std::vector<std::string>{"self", "near"}));
  SearchFilter filter;
  filter.exclude_id = "self";
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0}, 2, filter)), (std::vector<std::string>{"near", "far"}));
  filter.exclude_id = "not-there";
  EXPECT_EQ(MustSearch(*collection, {1, 0}, 5, filter).size(), 3u);
}

TEST(HnswCollection, MinSimilarityDropsWeakerHits) {
  auto collection = MakeCollection(2, Metric::kCosine);
  ASSERT_TRUE(collection->Upsert("same", std::vector<float>{1, 0}).ok());
  ASSERT_TRUE(collection->Upsert("close", std::vector<float>{1, 0.5f}).ok());    // similarity 0.894
  ASSERT_TRUE(collection->Upsert("orthogonal", std::vector<float>{0, 1}).ok());  // 0
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0}, 10, {}, 0.5f)), (std::vector<std::string>{"same", "close"}));
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0}, 10, {}, 0.95f)), std::vector<std::string>{"same"});
  EXPECT_EQ(MustSearch(*collection, {1, 0}, 10, {}, -1.0f).size(), 3u);
}

// Resident memory of this process in bytes (/proc/self/statm).
std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(HnswCollection, AnEmptyCollectionBuildsNoGraphAndCostsLittleMemory) {
  constexpr int kCollections = 20;
  const std::size_t before = ResidentBytes();
  std::vector<std::unique_ptr<HnswCollection>> empties;
  for (int i = 0; i < kCollections; ++i) empties.push_back(MakeCollection(512, Metric::kCosine));
  const std::size_t per_collection = (ResidentBytes() - std::min(before, ResidentBytes())) / kCollections;
  // An hnswlib index allocates 65,536 mutexes (~2.6 MB) even when empty; none is built yet.
  EXPECT_LT(per_collection, 256u * 1024) << per_collection << " bytes per empty collection";

  HnswCollection& empty = *empties.front();
  EXPECT_EQ(empty.capacity(), 0u);
  EXPECT_EQ(empty.graph_elements(), 0u);
  EXPECT_TRUE(MustSearch(empty, std::vector<float>(512, 1.0f), 5).empty());
  std::vector<float> vector(512, 0.0f);
  vector[3] = 1;
  ASSERT_TRUE(empty.Upsert("first", vector).ok());
  EXPECT_EQ(empty.capacity(), 1024u);
  EXPECT_EQ(Ids(MustSearch(empty, vector, 5)), std::vector<std::string>{"first"});
}

TEST(HnswCollection, AnEmptyCollectionSavesAndLoads) {
  auto empty = MakeCollection(4, Metric::kL2);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("iris-empty-" + std::to_string(::getpid()) + ".irishnsw");
  ASSERT_TRUE(empty->Save(path).ok());
  auto loaded = HnswCollection::Load(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->size(), 0u);
  EXPECT_EQ((*loaded)->capacity(), 0u);
  EXPECT_EQ((*loaded)->options().dim, 4);
  ASSERT_TRUE((*loaded)->Upsert("a", std::vector<float>{1, 2, 3, 4}).ok());
  EXPECT_EQ(Ids(MustSearch(**loaded, {1, 2, 3, 4}, 1)), std::vector<std::string>{"a"});
}

TEST(HnswCollection, CapacityGrowsPastInitialCapacity) {
  constexpr size_t kN = 300, kDim = 8;
  auto collection = MakeCollection(kDim, Metric::kL2, /*initial_capacity=*/4);
  std::vector<float> data = index_testing::RandomVectors(kN, kDim, 3, /*normalise=*/false);
  for (size_t i = 0; i < kN; ++i) {
    ASSERT_TRUE(collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim)).ok());
  }
  EXPECT_EQ(collection->size(), kN);
  EXPECT_GE(collection->capacity(), kN);
  EXPECT_EQ(collection->capacity(), 512u);  // 4 doubled seven times
  for (size_t i = 0; i < kN; i += 37) {
    std::vector<float> query(data.begin() + i * kDim, data.begin() + (i + 1) * kDim);
    EXPECT_EQ(MustSearch(*collection, query, 1)[0].id, std::to_string(i));
  }
}

TEST(HnswCollection, ListIdsPagesInIdOrder) {
  auto collection = MakeCollection(1, Metric::kL2);
  for (std::string id : {"c", "a", "d", "b"}) ASSERT_TRUE(collection->Upsert(id, std::vector<float>{1}).ok());
  EXPECT_EQ(collection->ListIds(0, 3), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(collection->ListIds(3, 3), std::vector<std::string>{"d"});
  EXPECT_TRUE(collection->ListIds(9, 3).empty());
}

TEST(HnswCollection, RejectsBadInputs) {
  auto collection = MakeCollection(2, Metric::kCosine);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{1, 2, 3}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{nan, 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{1, inf}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("", std::vector<float>{1, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("\xFF\xFE", std::vector<float>{1, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Delete("\xFF\xFE").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{1, 0}, nlohmann::json::array()).code(),
            StatusCode::kInvalidArgument);
  nlohmann::json deep = 1;
  for (int depth = 0; depth < 64; ++depth) deep = nlohmann::json::array({deep});
  const Status too_deep = collection->Upsert("a", std::vector<float>{1, 0}, {{"m", deep}});  // 65 levels
  EXPECT_EQ(too_deep.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_deep.message(), "metadata: JSON nested deeper than 64 levels");
  EXPECT_EQ(collection->size(), 0u);
  ASSERT_TRUE(collection->Upsert("a", std::vector<float>{1, 0}, {{"m", deep[0]}}).ok());  // 64 levels
  ASSERT_TRUE(collection->Upsert("a", std::vector<float>{1, 0}, nullptr).ok());
  EXPECT_EQ(collection->Get("a")->metadata, nlohmann::json::object());
  std::vector<float> query = {1, 0};
  EXPECT_EQ(collection->Search(query, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Search(query, 1001).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Search(std::vector<float>{1}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->Search(std::vector<float>{nan, 0}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(collection->Search(query, 1000).ok());

  CollectionOptions options;
  options.dim = 0;
  EXPECT_EQ(HnswCollection::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.dim = 4;
  options.m = 1;
  EXPECT_EQ(HnswCollection::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.m = 16;
  options.initial_capacity = 0;
  EXPECT_EQ(HnswCollection::Create(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(HnswCollection, ConcurrentSearchesDuringUpserts) {
  constexpr size_t kDim = 16, kItems = 400;
  auto collection = MakeCollection(kDim, Metric::kCosine, /*initial_capacity=*/16);
  std::vector<float> data = index_testing::RandomVectors(kItems * 2, kDim, 21, /*normalise=*/false);
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};

  std::thread writer([&] {
    // Every id is written twice (the second pass replaces), so size ends at kItems.
    for (size_t pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < kItems; ++i) {
        const float* vector = data.data() + (pass * kItems + i) * kDim;
        if (!collection->Upsert(std::to_string(i), std::span<const float>(vector, kDim)).ok()) ++failures;
      }
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      size_t last_size = 0;
      size_t rounds = 0;
      while (writing || rounds < 5) {
        ++rounds;
        const size_t size = collection->size();
        if (size < last_size || size > kItems) ++failures;
        last_size = size;
        std::vector<float> query(data.begin() + static_cast<std::ptrdiff_t>((rounds * 7 + r) % kItems * kDim),
                                 data.begin() + static_cast<std::ptrdiff_t>(((rounds * 7 + r) % kItems + 1) * kDim));
        Result<std::vector<CollectionHit>> hits = collection->Search(query, 20);
        if (!hits.ok()) {
          ++failures;
          continue;
        }
        std::set<std::string> unique;
        for (const CollectionHit& hit : *hits) unique.insert(hit.id);
        if (unique.size() != hits->size() || hits->size() > 20) ++failures;
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(collection->size(), kItems);
  EXPECT_EQ(collection->graph_elements(), kItems);  // replacements reused their elements
  EXPECT_EQ(MustSearch(*collection,
                       std::vector<float>(data.begin() + kItems * kDim, data.begin() + (kItems + 1) * kDim), 1)[0]
                .id,
            "0");
}

// Replacements and deletions must not grow the graph for ever (a server whose clients re-upsert the
// same ids would otherwise grow without bound: issue 16's ten-minute load).
TEST(HnswCollection, ReplacingAnItemReusesItsGraphElement) {
  constexpr size_t kDim = 8;
  auto collection = MakeCollection(kDim, Metric::kCosine, /*initial_capacity=*/4);
  std::vector<float> data = index_testing::RandomVectors(1000, kDim, 31, /*normalise=*/false);
  for (size_t round = 0; round < 1000; ++round) {
    std::vector<float> vector(data.begin() + round * kDim, data.begin() + (round + 1) * kDim);
    ASSERT_TRUE(collection->Upsert("only", vector, {{"round", round}}).ok());
  }
  EXPECT_EQ(collection->size(), 1u);
  EXPECT_EQ(collection->graph_elements(), 1u);
  EXPECT_EQ(collection->capacity(), 4u);
  auto item = collection->Get("only");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->metadata["round"], 999);
  std::vector<float> last(data.end() - kDim, data.end());
  const auto hits = MustSearch(*collection, last, 5, {}, {}, SearchMode::kGraph);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "only");
  EXPECT_NEAR(hits[0].similarity, 1.0f, 1e-5);
}

TEST(HnswCollection, NewItemsTakeOverDeletedElementsAndStayFindable) {
  constexpr size_t kDim = 24, kItems = 600;
  auto collection = MakeCollection(kDim, Metric::kL2, /*initial_capacity=*/kItems);
  std::vector<float> data = index_testing::RandomVectors(kItems * 3, kDim, 32, /*normalise=*/false);
  auto row = [&](size_t i) { return std::vector<float>(data.begin() + i * kDim, data.begin() + (i + 1) * kDim); };
  for (size_t i = 0; i < kItems; ++i) ASSERT_TRUE(collection->Upsert("old" + std::to_string(i), row(i)).ok());
  // Churn: delete half, add as many new ids, then replace every live item once more.
  for (size_t i = 0; i < kItems; i += 2) ASSERT_TRUE(collection->Delete("old" + std::to_string(i)).ok());
  for (size_t i = 0; i < kItems / 2; ++i)
    ASSERT_TRUE(collection->Upsert("new" + std::to_string(i), row(kItems + i)).ok());
  for (size_t i = 1; i < kItems; i += 2)
    ASSERT_TRUE(collection->Upsert("old" + std::to_string(i), row(2 * kItems + i)).ok());
  EXPECT_EQ(collection->size(), kItems);
  EXPECT_EQ(collection->graph_elements(), kItems);
  EXPECT_EQ(collection->capacity(), kItems);  // never doubled

  // The graph walk still finds every live vector as its own nearest item, and never a deleted id.
  size_t found = 0, probes = 0;
  auto probe = [&](const std::string& id, const std::vector<float>& vector) {
    const auto hits = MustSearch(*collection, vector, 10, {}, {}, SearchMode::kGraph);
    ++probes;
    if (!hits.empty() && hits[0].id == id) ++found;
    for (const CollectionHit& hit : hits) {
      if (hit.id.rfind("old", 0) == 0) {
        EXPECT_EQ(std::stoul(hit.id.substr(3)) % 2, 1u) << "deleted id " << hit.id;
      }
    }
  };
  for (size_t i = 0; i < kItems / 2; ++i) probe("new" + std::to_string(i), row(kItems + i));
  for (size_t i = 1; i < kItems; i += 2) probe("old" + std::to_string(i), row(2 * kItems + i));
  EXPECT_GE(found, probes * 98 / 100) << found << " of " << probes << " items are their own nearest neighbour";
  for (size_t i = 0; i < kItems; i += 2) EXPECT_FALSE(collection->Contains("old" + std::to_string(i)));
}

TEST(HnswCollection, DeletedElementsOfASavedCollectionAreReusedAfterLoad) {
  testing::TempDir dir;
  constexpr size_t kDim = 6;
  auto collection = MakeCollection(kDim, Metric::kCosine, /*initial_capacity=*/16);
  std::vector<float> data = index_testing::RandomVectors(30, kDim, 33, /*normalise=*/false);
  auto row = [&](size_t i) { return std::vector<float>(data.begin() + i * kDim, data.begin() + (i + 1) * kDim); };
  for (size_t i = 0; i < 10; ++i) ASSERT_TRUE(collection->Upsert(std::to_string(i), row(i)).ok());
  for (size_t i = 0; i < 4; ++i) ASSERT_TRUE(collection->Delete(std::to_string(i)).ok());
  ASSERT_TRUE(collection->Save(dir.path() / "c.irishnsw").ok());
  auto loaded = HnswCollection::Load(dir.path() / "c.irishnsw");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswCollection& copy = **loaded;
  EXPECT_EQ(copy.graph_elements(), 10u);
  for (size_t i = 10; i < 14; ++i) ASSERT_TRUE(copy.Upsert(std::to_string(i), row(i)).ok());
  EXPECT_EQ(copy.graph_elements(), 10u);  // the four deleted elements were taken over
  EXPECT_EQ(copy.size(), 10u);
  ASSERT_TRUE(copy.Upsert("14", row(14)).ok());
  EXPECT_EQ(copy.graph_elements(), 11u);  // none left: a new element
  for (size_t i = 4; i < 15; ++i) {
    const auto hits = MustSearch(copy, row(i), 1, {}, {}, SearchMode::kExact);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].id, std::to_string(i));
  }
  // And the result saves and loads again.
  ASSERT_TRUE(copy.Save(dir.path() / "c2.irishnsw").ok());
  auto again = HnswCollection::Load(dir.path() / "c2.irishnsw");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->size(), 11u);
}

}  // namespace
}  // namespace iris
