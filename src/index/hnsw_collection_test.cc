#include "index/hnsw_collection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/collection_test_vectors.h"

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
                                      const SearchFilter& filter = {}, std::optional<float> min_similarity = {}) {
  Result<std::vector<CollectionHit>> hits = collection.Search(query, top_n, filter, min_similarity);
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
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0.1f}, 5)), std::vector<std::string>{"keep"});
  SearchFilter filtered;  // the filtered walk skips tombstones too
  filtered.exclude_id = "unrelated";
  EXPECT_EQ(Ids(MustSearch(*collection, {1, 0.1f}, 5, filtered)), std::vector<std::string>{"keep"});
  EXPECT_EQ(collection->ListIds(0, 10), std::vector<std::string>{"keep"});
  EXPECT_EQ(collection->Delete("drop").code(), StatusCode::kNotFound);
  // A deleted id can come back.
  ASSERT_TRUE(collection->Upsert("drop", std::vector<float>{0, 1}).ok());
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
    std::vector<CollectionHit> hits = MustSearch(*collection, std::vector<float>(query, query + kDim), 10);
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

  // What a post-filter over an ordinary top-10 would keep.
  size_t rare_in_plain_top10 = 0;
  for (const CollectionHit& hit : MustSearch(*collection, query, 10)) rare_in_plain_top10 += rare.count(hit.id);
  EXPECT_LT(rare_in_plain_top10, rare.size());

  SearchFilter filter;
  filter.metadata_equals["tag"] = "rare";
  std::vector<CollectionHit> hits = MustSearch(*collection, query, 10, filter);
  std::vector<std::string> ids = Ids(hits);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), rare);
  EXPECT_EQ(ids.size(), rare.size());
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].similarity, hits[i].similarity);

  // Two fields must both match; a value of another JSON type does not.
  filter.metadata_equals["n"] = 501;
  EXPECT_EQ(Ids(MustSearch(*collection, query, 10, filter)), std::vector<std::string>{"501"});
  filter.metadata_equals["n"] = "501";
  EXPECT_TRUE(MustSearch(*collection, query, 10, filter).empty());
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
  EXPECT_EQ(collection->Upsert("a", std::vector<float>{1, 0}, nlohmann::json::array()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(collection->size(), 0u);
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
  EXPECT_EQ(collection->graph_elements(), kItems * 2);  // the first pass left tombstones
  EXPECT_EQ(MustSearch(*collection,
                       std::vector<float>(data.begin() + kItems * kDim, data.begin() + (kItems + 1) * kDim), 1)[0]
                .id,
            "0");
}

}  // namespace
}  // namespace iris
