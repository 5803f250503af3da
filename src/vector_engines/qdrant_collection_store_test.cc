// What only the Qdrant engine has: several processes on one server, Qdrant's failures and the layout in
// Qdrant (the shared contract is in collection_contract_test.cc). Runs against the fake Qdrant.
#include "vector_engines/qdrant_collection_store.h"

#include <gtest/gtest.h>

#include <regex>

#include "support/fake_qdrant_server.h"

namespace iris {
namespace {

CollectionDescription Describe(const std::string& name, int dim) {
  CollectionDescription d;
  d.name = name;
  d.index.dim = dim;
  return d;
}

QdrantStoreOptions OptionsFor(const testing::FakeQdrantServer& fake, std::string key = "k") {
  QdrantStoreOptions options;
  options.client.url = fake.url();
  options.client.api_key = std::move(key);
  options.client.backoff_initial_ms = 1;
  options.client.backoff_max_ms = 5;
  return options;
}

std::unique_ptr<QdrantCollectionStore> MustOpen(const QdrantStoreOptions& options) {
  auto store = QdrantCollectionStore::Open(options);
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return std::move(store).value();
}

TEST(QdrantPointIdTest, IsAStableUuidPerId) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (std::string id : {"a", "b", "product/42", "é"}) {
    EXPECT_TRUE(std::regex_match(QdrantPointId(id), uuid)) << QdrantPointId(id);
    EXPECT_EQ(QdrantPointId(id), QdrantPointId(std::string(id)));
  }
  EXPECT_NE(QdrantPointId("a"), QdrantPointId("b"));
}

TEST(QdrantCollectionStoreTest, TwoProcessesSeeOneAnothersCollections) {
  testing::FakeQdrantServer fake("k");
  auto one = MustOpen(OptionsFor(fake));
  auto two = MustOpen(OptionsFor(fake));
  auto mine = std::move(one->Create(Describe("shared", 2))).value();
  ASSERT_TRUE(mine->Upsert("x", std::vector<float>{1, 0}).ok());
  auto theirs = two->Get("shared");
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_TRUE(*(*theirs)->Contains("x"));
  ASSERT_TRUE((*theirs)->Upsert("y", std::vector<float>{0, 1}).ok());
  EXPECT_EQ(*mine->Count(), 2u);
  EXPECT_EQ(*one->List(), std::vector<std::string>{"shared"});
  EXPECT_EQ(fake.PointCount("iris_c_shared"), 2);
  EXPECT_EQ(fake.PointCount("iris_catalog"), 1);

  // Dropped and re-created through the other process: this one sees the new, empty collection.
  ASSERT_TRUE(two->Drop("shared").ok());
  EXPECT_EQ(one->Get("shared").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(two->Create(Describe("shared", 3)).ok());
  auto fresh = one->Get("shared");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->get(), mine.get());
  EXPECT_EQ((*fresh)->description().index.dim, 3);
  EXPECT_EQ(*(*fresh)->Count(), 0u);
}

TEST(QdrantCollectionStoreTest, TransientFailuresAreRetriedAndLastingOnesReported) {
  testing::FakeQdrantServer fake("k");
  auto store = MustOpen(OptionsFor(fake));
  auto c = std::move(store->Create(Describe("retry", 2))).value();
  fake.FailNext(2, 503);
  EXPECT_TRUE(c->Upsert("x", std::vector<float>{1, 0}).ok()) << "two 503s, then the third attempt succeeds";
  EXPECT_TRUE(*c->Contains("x"));
  fake.FailNext(10, 503);
  auto lasting = c->Count();
  ASSERT_FALSE(lasting.ok());
  EXPECT_EQ(lasting.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lasting.status().message().find("503"), std::string::npos) << lasting.status().message();
  fake.FailNext(0, 503);
  EXPECT_EQ(*c->Count(), 1u);
}

TEST(QdrantCollectionStoreTest, AWrongKeyOrNoServerIsAClearError) {
  testing::FakeQdrantServer fake("right");
  auto refused = QdrantCollectionStore::Open(OptionsFor(fake, "wrong"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("storage.qdrant_api_key"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("wrong"), std::string::npos) << "the key is never quoted";

  QdrantStoreOptions nowhere;
  nowhere.client.url = "http://127.0.0.1:1";
  nowhere.client.max_retries = 1;
  nowhere.client.backoff_initial_ms = 1;
  auto unreachable = QdrantCollectionStore::Open(nowhere);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);

  QdrantStoreOptions bad_prefix = OptionsFor(fake, "right");
  bad_prefix.collection_prefix = "a/b";
  EXPECT_EQ(QdrantCollectionStore::Open(bad_prefix).status().code(), StatusCode::kInvalidArgument);
  bad_prefix = OptionsFor(fake, "right");
  bad_prefix.client.url = "ftp://x";
  EXPECT_EQ(QdrantCollectionStore::Open(bad_prefix).status().code(), StatusCode::kInvalidArgument);
}

TEST(QdrantCollectionStoreTest, AHalfMadeCollectionIsReportedAndDropRemovesIt) {
  testing::FakeQdrantServer fake("k");
  auto store = MustOpen(OptionsFor(fake));
  // What a create that stopped after Qdrant made the collection leaves: no catalog point.
  QdrantClient client = std::move(QdrantClient::Create(OptionsFor(fake).client)).value();
  ASSERT_TRUE(
      client
          .Call("PUT", "/collections/iris_c_orphan", nlohmann::json{{"vectors", {{"size", 2}, {"distance", "Cosine"}}}})
          .ok());
  auto created = store->Create(Describe("orphan", 2));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(created.status().message().find("drop 'orphan'"), std::string::npos) << created.status().message();
  EXPECT_EQ(store->Get("orphan").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Drop("orphan").ok());
  EXPECT_EQ(fake.PointCount("iris_c_orphan"), -1);
  EXPECT_TRUE(store->Create(Describe("orphan", 2)).ok());
}

TEST(QdrantCollectionStoreTest, FiltersQdrantCannotExpressAreRefused) {
  testing::FakeQdrantServer fake("k");
  auto store = MustOpen(OptionsFor(fake));
  auto c = std::move(store->Create(Describe("f", 2))).value();
  ASSERT_TRUE(c->Upsert("x", std::vector<float>{1, 0}, {{"a", nullptr}}).ok());
  SearchFilter null_value;
  null_value.metadata_equals["a"] = nullptr;
  EXPECT_EQ(c->Search(std::vector<float>{1, 0}, 1, null_value).status().code(), StatusCode::kInvalidArgument);
  SearchFilter dotted;
  dotted.metadata_equals["a.b"] = "x";
  auto refused = c->Search(std::vector<float>{1, 0}, 1, dotted);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("a.b"), std::string::npos);
}

}  // namespace
}  // namespace iris
