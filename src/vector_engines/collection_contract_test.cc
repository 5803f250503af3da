// One suite, every vector engine: what index/vector_collection.h promises must hold for the local engine
// (CollectionManager over a temp directory), for Qdrant (QdrantCollectionStore) and for Milvus
// (MilvusCollectionStore). Qdrant is the fake of tests/support/fake_qdrant_server.h, or a real server when
// IRIS_TEST_QDRANT_URL names one (e.g. IRIS_TEST_QDRANT_URL=http://127.0.0.1:6333; IRIS_TEST_QDRANT_API_KEY
// when it needs a key); Milvus is the fake of tests/support/fake_milvus_server.h, or a real server when
// IRIS_TEST_MILVUS_URL names one (e.g. IRIS_TEST_MILVUS_URL=http://127.0.0.1:19530; IRIS_TEST_MILVUS_TOKEN,
// e.g. root:Milvus, when it needs one). With a real server every test works in collections with its own
// random prefix and drops them after.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <set>

#include "index/collection_manager.h"
#include "support/fake_milvus_server.h"
#include "support/fake_qdrant_server.h"
#include "support/temp_dir.h"
#include "vector_engines/milvus_collection_store.h"
#include "vector_engines/qdrant_collection_store.h"

namespace iris {
namespace {

// An engine's data; Open() gives a new store (a "process") on the same data.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::unique_ptr<CollectionStore> Open() = 0;
};

class LocalEngine : public Engine {
 public:
  std::unique_ptr<CollectionStore> Open() override {
    auto m = CollectionManager::Open(dir_.path() / "collections");
    if (!m.ok()) throw std::runtime_error(m.status().ToString());
    return std::move(m).value();
  }

 private:
  testing::TempDir dir_;
};

class QdrantEngine : public Engine {
 public:
  QdrantEngine() {
    const char* real = std::getenv("IRIS_TEST_QDRANT_URL");
    if (real && *real) {
      options_.client.url = real;
      if (const char* key = std::getenv("IRIS_TEST_QDRANT_API_KEY")) options_.client.api_key = key;
    } else {
      fake_ = std::make_unique<testing::FakeQdrantServer>("test-key");
      options_.client.url = fake_->url();
      options_.client.api_key = "test-key";
    }
    options_.collection_prefix = "t" + std::to_string(std::random_device{}() % 1000000) + "_";
  }
  ~QdrantEngine() override {
    // Leaves nothing behind on a real server.
    if (auto store = QdrantCollectionStore::Open(options_); store.ok()) {
      if (auto names = (*store)->List(); names.ok()) {
        for (const auto& name : *names) (void)(*store)->Drop(name);
      }
      QdrantClient client = std::move(QdrantClient::Create(options_.client)).value();
      (void)client.Call("DELETE", "/collections/" + (*store)->CatalogName());
    }
  }
  std::unique_ptr<CollectionStore> Open() override {
    auto store = QdrantCollectionStore::Open(options_);
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    return std::move(store).value();
  }
  testing::FakeQdrantServer* fake() { return fake_.get(); }
  const QdrantStoreOptions& options() const { return options_; }

 private:
  std::unique_ptr<testing::FakeQdrantServer> fake_;
  QdrantStoreOptions options_;
};

class MilvusEngine : public Engine {
 public:
  MilvusEngine() {
    const char* real = std::getenv("IRIS_TEST_MILVUS_URL");
    if (real && *real) {
      options_.client.url = real;
      if (const char* token = std::getenv("IRIS_TEST_MILVUS_TOKEN")) options_.client.token = token;
    } else {
      fake_ = std::make_unique<testing::FakeMilvusServer>("root:test");
      options_.client.url = fake_->url();
      options_.client.token = "root:test";
      options_.client.query_page_size = 7;  // ListIds and List read several pages
    }
    options_.collection_prefix = "t" + std::to_string(std::random_device{}() % 1000000) + "_";
  }
  ~MilvusEngine() override {
    // Leaves nothing behind on a real server.
    if (auto store = MilvusCollectionStore::Open(options_); store.ok()) {
      if (auto names = (*store)->List(); names.ok()) {
        for (const auto& name : *names) (void)(*store)->Drop(name);
      }
      MilvusClient client = std::move(MilvusClient::Create(options_.client)).value();
      (void)client.Call("collections/drop", nlohmann::json{{"collectionName", (*store)->CatalogName()}});
    }
  }
  std::unique_ptr<CollectionStore> Open() override {
    auto store = MilvusCollectionStore::Open(options_);
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    return std::move(store).value();
  }

 private:
  std::unique_ptr<testing::FakeMilvusServer> fake_;
  MilvusStoreOptions options_;
};

CollectionDescription Describe(const std::string& name, int dim, Metric metric = Metric::kCosine,
                               std::string model = "external") {
  CollectionDescription d;
  d.name = name;
  d.model = std::move(model);
  d.index.dim = dim;
  d.index.metric = metric;
  return d;
}

std::vector<float> RandomVector(std::mt19937& rng, int dim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<std::size_t>(dim));
  for (float& x : v) x = normal(rng);
  return v;
}

class CollectionContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      engine_ = std::make_unique<LocalEngine>();
    } else if (GetParam() == "qdrant") {
      engine_ = std::make_unique<QdrantEngine>();
    } else {
      engine_ = std::make_unique<MilvusEngine>();
    }
    store_ = engine_->Open();
  }

  std::shared_ptr<VectorCollection> MustCreate(const CollectionDescription& d) {
    auto created = store_->Create(d);
    if (!created.ok()) throw std::runtime_error(created.status().ToString());
    return *created;
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<CollectionStore> store_;
};

TEST_P(CollectionContractTest, CreateGetListDrop) {
  auto shoes = MustCreate(Describe("shoes", 4, Metric::kL2, "clip-vit-b-32"));
  ASSERT_TRUE(store_->Create(Describe("bags-2", 8)).ok());
  EXPECT_EQ(*store_->List(), (std::vector<std::string>{"bags-2", "shoes"}));
  auto got = store_->Get("shoes");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)->description().name, "shoes");
  EXPECT_EQ((*got)->description().model, "clip-vit-b-32");
  EXPECT_EQ((*got)->description().index.dim, 4);
  EXPECT_EQ((*got)->description().index.metric, Metric::kL2);
  EXPECT_FALSE((*got)->description().created.empty());
  EXPECT_EQ(got->get(), shoes.get()) << "the same collection object while it lives";

  EXPECT_EQ(store_->Create(Describe("shoes", 4)).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Get("hats").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Create(Describe("bad name", 4)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Create(Describe("zero-dim", 0)).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->Drop("shoes").ok());
  EXPECT_EQ(store_->Get("shoes").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Drop("shoes").code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->List(), (std::vector<std::string>{"bags-2"}));
  // The name can be reused, and the new collection starts empty.
  auto again = MustCreate(Describe("shoes", 4, Metric::kL2));
  EXPECT_EQ(*again->Count(), 0u);
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_P(CollectionContractTest, UpsertGetReplaceDeleteCount) {
  auto c = MustCreate(Describe("items", 3));
  ASSERT_TRUE(c->Upsert("a", std::vector<float>{3, 0, 4}, {{"colour", "red"}}).ok());
  ASSERT_TRUE(c->Upsert("b/é ?", std::vector<float>{0, 1, 0}).ok());
  EXPECT_EQ(*c->Count(), 2u);
  auto a = c->Get("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->id, "a");
  ASSERT_EQ(a->vector.size(), 3u);
  EXPECT_NEAR(a->vector[0], 0.6f, 1e-6) << "cosine vectors are stored normalised";
  EXPECT_NEAR(a->vector[2], 0.8f, 1e-6);
  EXPECT_EQ(a->metadata, (nlohmann::json{{"colour", "red"}}));
  EXPECT_TRUE(*c->Contains("b/é ?"));
  EXPECT_FALSE(*c->Contains("nope"));

  ASSERT_TRUE(c->Upsert("a", std::vector<float>{0, 0, 2}, {{"colour", "blue"}}).ok());
  EXPECT_EQ(*c->Count(), 2u) << "an upsert of an existing id replaces it";
  EXPECT_EQ(c->Get("a")->metadata, (nlohmann::json{{"colour", "blue"}}));
  EXPECT_NEAR(c->Get("a")->vector[2], 1.0f, 1e-6);

  ASSERT_TRUE(c->Delete("a").ok());
  EXPECT_EQ(c->Delete("a").code(), StatusCode::kNotFound);
  EXPECT_EQ(c->Get("a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*c->Count(), 1u);
}

TEST_P(CollectionContractTest, BadInputIsRefusedAndNothingIsWritten) {
  auto c = MustCreate(Describe("strict", 3));
  EXPECT_EQ(c->Upsert("x", std::vector<float>{1, 2}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Upsert("x", std::vector<float>{0, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Upsert("x", std::vector<float>{NAN, 0, 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Upsert("", std::vector<float>{1, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Upsert("\xff", std::vector<float>{1, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Upsert("x", std::vector<float>{1, 0, 0}, nlohmann::json::array()).code(), StatusCode::kInvalidArgument);
  std::vector<DurableItem> batch = {{"good", {1, 0, 0}, {}}, {"bad", {1, 0}, {}}};
  EXPECT_EQ(c->UpsertBatch(batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*c->Count(), 0u) << "a batch with one bad item writes nothing";
  EXPECT_EQ(c->Search(std::vector<float>{1, 0, 0}, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Search(std::vector<float>{1, 0}, 3).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(CollectionContractTest, SearchRanksAndScoresAsTheLocalIndexDoes) {
  for (Metric metric : {Metric::kCosine, Metric::kInnerProduct, Metric::kL2}) {
    const std::string name = "m" + std::to_string(static_cast<int>(metric));
    auto c = MustCreate(Describe(name, 16, metric));
    // The reference: an in-memory HnswCollection searched exactly.
    CollectionOptions options;
    options.dim = 16;
    options.metric = metric;
    auto reference = std::move(HnswCollection::Create(options)).value();
    std::mt19937 rng(7);
    std::vector<DurableItem> items;
    for (int i = 0; i < 60; ++i) {
      items.push_back({"item" + std::to_string(i), RandomVector(rng, 16), {{"i", i}}});
      ASSERT_TRUE(reference->Upsert(items.back().id, items.back().vector, items.back().metadata).ok());
    }
    ASSERT_TRUE(c->UpsertBatch(items).ok());
    for (int q = 0; q < 5; ++q) {
      const auto query = RandomVector(rng, 16);
      auto hits = c->Search(query, 5, {}, std::nullopt, SearchMode::kExact);
      auto expected = reference->Search(query, 5, {}, std::nullopt, SearchMode::kExact);
      ASSERT_TRUE(hits.ok()) << hits.status().ToString();
      ASSERT_EQ(hits->size(), 5u);
      for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_EQ((*hits)[k].id, (*expected)[k].id) << MetricName(metric) << " rank " << k;
        EXPECT_NEAR((*hits)[k].similarity, (*expected)[k].similarity, 1e-3) << MetricName(metric);
        EXPECT_NEAR((*hits)[k].distance, (*expected)[k].distance, 1e-3) << MetricName(metric);
        EXPECT_EQ((*hits)[k].metadata, (*expected)[k].metadata);
      }
      // min_similarity keeps exactly the hits at or above it.
      const float cut = (*expected)[2].similarity;
      auto above = c->Search(query, 5, {}, cut - 1e-4f, SearchMode::kExact);
      ASSERT_TRUE(above.ok());
      EXPECT_EQ(above->size(), 3u) << MetricName(metric);
    }
  }
}

TEST_P(CollectionContractTest, FiltersOnMetadataAndExcludesAnId) {
  auto c = MustCreate(Describe("filtered", 2));
  ASSERT_TRUE(c->Upsert("red-1", std::vector<float>{1, 0.1f}, {{"colour", "red"}, {"size", 3}}).ok());
  ASSERT_TRUE(c->Upsert("red-2", std::vector<float>{1, 0.2f}, {{"colour", "red"}, {"size", 4}}).ok());
  ASSERT_TRUE(c->Upsert("blue", std::vector<float>{1, 0}, {{"colour", "blue"}, {"size", 3.0}}).ok());
  SearchFilter red;
  red.metadata_equals["colour"] = "red";
  auto hits = c->Search(std::vector<float>{1, 0}, 10, red);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  std::set<std::string> ids;
  for (const auto& h : *hits) ids.insert(h.id);
  EXPECT_EQ(ids, (std::set<std::string>{"red-1", "red-2"}));

  SearchFilter size3;
  size3.metadata_equals["size"] = 3;  // 3 and 3.0 are equal
  size3.exclude_id = "red-1";
  hits = c->Search(std::vector<float>{1, 0}, 10, size3);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, "blue");
}

TEST_P(CollectionContractTest, FilterValuesNeedingEscapesBooleansAndNegativeNumbersMatchExactly) {
  auto c = MustCreate(Describe("escaped", 2));
  const std::string tricky = "say \"hi\" \\ back\nslash 'é' and (x) or y";
  ASSERT_TRUE(c->Upsert("a\"b", std::vector<float>{1, 0}, {{"text", tricky}, {"on", true}, {"t", -2.5}}).ok());
  ASSERT_TRUE(c->Upsert("plain", std::vector<float>{1, 0.1f}, {{"text", "say"}, {"on", false}, {"t", 2.5}}).ok());
  auto ids = [&](const SearchFilter& filter) {
    auto hits = c->Search(std::vector<float>{1, 0}, 10, filter);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::set<std::string> out;
    if (hits.ok()) {
      for (const auto& h : *hits) out.insert(h.id);
    }
    return out;
  };
  SearchFilter text;
  text.metadata_equals["text"] = tricky;
  EXPECT_EQ(ids(text), (std::set<std::string>{"a\"b"}));
  SearchFilter on;
  on.metadata_equals["on"] = false;
  EXPECT_EQ(ids(on), (std::set<std::string>{"plain"}));
  SearchFilter negative;
  negative.metadata_equals["t"] = -2.5;
  EXPECT_EQ(ids(negative), (std::set<std::string>{"a\"b"}));
  SearchFilter missing;
  missing.metadata_equals["absent"] = "say";
  EXPECT_TRUE(ids(missing).empty());
  SearchFilter not_quoted_id;
  not_quoted_id.exclude_id = "a\"b";
  EXPECT_EQ(ids(not_quoted_id), (std::set<std::string>{"plain"}));
}

TEST_P(CollectionContractTest, ListIdsIsSortedAndPaged) {
  auto c = MustCreate(Describe("listed", 2));
  std::vector<DurableItem> items;
  for (int i = 0; i < 25; ++i) items.push_back({"id-" + std::to_string(100 - i), {1, float(i)}, {}});
  ASSERT_TRUE(c->UpsertBatch(items).ok());
  auto all = c->ListIds(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 25u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end()));
  auto page = c->ListIds(10, 5);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*page, std::vector<std::string>(all->begin() + 10, all->begin() + 15));
  EXPECT_TRUE(c->ListIds(30, 5)->empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, CollectionContractTest, ::testing::Values("local", "qdrant", "milvus"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace iris
