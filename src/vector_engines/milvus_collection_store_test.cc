// What only the Milvus engine has: its names, expressions and error codes, several processes on one server,
// Milvus's failures and the layout in Milvus (the shared contract is in collection_contract_test.cc). Runs
// against the fake Milvus.
#include "vector_engines/milvus_collection_store.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "support/fake_milvus_server.h"

namespace iris {
namespace {

CollectionDescription Describe(const std::string& name, int dim) {
  CollectionDescription d;
  d.name = name;
  d.index.dim = dim;
  return d;
}

MilvusStoreOptions OptionsFor(const testing::FakeMilvusServer& fake, std::string token = "root:k") {
  MilvusStoreOptions options;
  options.client.url = fake.url();
  options.client.token = std::move(token);
  options.client.backoff_initial_ms = 1;
  options.client.backoff_max_ms = 5;
  return options;
}

std::unique_ptr<MilvusCollectionStore> MustOpen(const MilvusStoreOptions& options) {
  auto store = MilvusCollectionStore::Open(options);
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return std::move(store).value();
}

TEST(MilvusNamesTest, EveryIrisNameHasItsOwnValidMilvusName) {
  // Every name of up to 4 characters over an alphabet holding both escapes and what follows them.
  const std::string alphabet = "ah_-9";
  std::vector<std::string> names = {""};
  for (int length = 1; length <= 4; ++length) {
    const std::size_t start = names.size();
    for (std::size_t i = 0; i < start; ++i) {
      if (names[i].size() != static_cast<std::size_t>(length - 1)) continue;
      for (char c : alphabet) names.push_back(names[i] + c);
    }
  }
  names.erase(names.begin());  // "" is no collection name
  const std::regex milvus("^[A-Za-z_][A-Za-z0-9_]*$");
  std::set<std::string> seen;
  for (const std::string& name : names) {
    const std::string encoded = "iris_c_" + MilvusEncodeName(name);
    EXPECT_TRUE(std::regex_match(encoded, milvus)) << encoded;
    EXPECT_TRUE(seen.insert(encoded).second) << name << " -> " << encoded << " is not unique";
  }
  EXPECT_EQ(MilvusEncodeName("my-shop_1"), "my_hshop__1");
  EXPECT_EQ(MilvusEncodeName(std::string(64, '-')).size(), 128u);
}

TEST(MilvusExpressionTest, StringsAreQuotedAsGoUnquotesThem) {
  EXPECT_EQ(MilvusStringLiteral("plain"), "\"plain\"");
  EXPECT_EQ(MilvusStringLiteral("a\"b\\c\nd\te\r"), "\"a\\\"b\\\\c\\nd\\te\\r\"");
  EXPECT_EQ(MilvusStringLiteral(std::string("\x01\x7f", 2)), "\"\\u0001\\u007f\"");
  EXPECT_EQ(MilvusStringLiteral("é ' ]"), "\"é ' ]\"");
}

TEST(MilvusExpressionTest, FiltersBecomeOneConjunction) {
  SearchFilter filter;
  filter.metadata_equals["colour"] = "red \"dark\"";
  filter.metadata_equals["size"] = 3;
  filter.metadata_equals["weight"] = -0.5;
  filter.metadata_equals["sale"] = true;
  filter.exclude_id = "x\\y";
  auto expression = MilvusFilterExpression(filter);
  ASSERT_TRUE(expression.ok()) << expression.status().ToString();
  EXPECT_EQ(*expression,
            "(metadata[\"colour\"] == \"red \\\"dark\\\"\") and (metadata[\"sale\"] == true) and "
            "(metadata[\"size\"] == 3.0) and (metadata[\"weight\"] == -0.5) and (id != \"x\\\\y\")");
  EXPECT_EQ(*MilvusFilterExpression({}), "");

  for (std::string field : {"", "a\"b", "a'b", "a\\b", "a[b", "a]b", "a/b", "a~b", "a\nb"}) {
    SearchFilter bad;
    bad.metadata_equals[field] = "v";
    auto refused = MilvusFilterExpression(bad);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << field;
  }
  for (nlohmann::json value : {nlohmann::json(nullptr), nlohmann::json::array({1}), nlohmann::json::object()}) {
    SearchFilter bad;
    bad.metadata_equals["k"] = value;
    EXPECT_EQ(MilvusFilterExpression(bad).status().code(), StatusCode::kInvalidArgument) << value.dump();
  }
  SearchFilter spaced;
  spaced.metadata_equals["with space.and-dot"] = 1;
  EXPECT_TRUE(MilvusFilterExpression(spaced).ok());
}

TEST(MilvusErrorsTest, CodesMapToIrisStatuses) {
  EXPECT_EQ(MilvusErrorStatus(100, "collection not found[collection=x]", "w").code(), StatusCode::kNotFound);
  EXPECT_EQ(MilvusErrorStatus(65535, "collection x already exists", "w").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(MilvusErrorStatus(1100, "invalid parameter", "w").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MilvusErrorStatus(1804, "fail to deal the insert data", "w").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MilvusErrorStatus(2, "service unavailable", "w").code(), StatusCode::kUnavailable);
  EXPECT_EQ(MilvusErrorStatus((1 << 20) | 5, "flagged retriable", "w").code(), StatusCode::kUnavailable);
  const Status unauthenticated = MilvusErrorStatus(1800, "user hasn't authenticated", "w");
  EXPECT_EQ(unauthenticated.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(unauthenticated.message().find("storage.milvus_token"), std::string::npos);
  const Status denied = MilvusErrorStatus(1401, "privilege not permitted", "w");
  EXPECT_EQ(denied.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(denied.message().find("permission denied"), std::string::npos);
  EXPECT_EQ(MilvusErrorStatus(65535, "unexpected", "w").code(), StatusCode::kInternal);
}

TEST(MilvusCollectionStoreTest, TwoProcessesSeeOneAnothersCollections) {
  testing::FakeMilvusServer fake("root:k");
  auto one = MustOpen(OptionsFor(fake));
  auto two = MustOpen(OptionsFor(fake));
  auto mine = std::move(one->Create(Describe("my-shop_1", 2))).value();
  ASSERT_TRUE(mine->Upsert("x", std::vector<float>{1, 0}).ok());
  auto theirs = two->Get("my-shop_1");
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_TRUE(*(*theirs)->Contains("x"));
  ASSERT_TRUE((*theirs)->Upsert("y", std::vector<float>{0, 1}).ok());
  EXPECT_EQ(*mine->Count(), 2u);
  EXPECT_EQ(*one->List(), std::vector<std::string>{"my-shop_1"});
  EXPECT_EQ(fake.RowCount("iris_c_my_hshop__1"), 2);
  EXPECT_EQ(fake.RowCount("iris_catalog"), 1);

  // Dropped and re-created through the other process: this one sees the new, empty collection.
  ASSERT_TRUE(two->Drop("my-shop_1").ok());
  EXPECT_EQ(one->Get("my-shop_1").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(two->Create(Describe("my-shop_1", 3)).ok());
  auto fresh = one->Get("my-shop_1");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->get(), mine.get());
  EXPECT_EQ((*fresh)->description().index.dim, 3);
  EXPECT_EQ(*(*fresh)->Count(), 0u);
  EXPECT_EQ(fake.RowCount("iris_catalog"), 1);
}

TEST(MilvusCollectionStoreTest, TransientFailuresAreRetriedAndLastingOnesReported) {
  testing::FakeMilvusServer fake("root:k");
  auto store = MustOpen(OptionsFor(fake));
  auto c = std::move(store->Create(Describe("retry", 2))).value();
  fake.FailNext(2, 2);  // "service unavailable" in an HTTP 200 reply
  EXPECT_TRUE(c->Upsert("x", std::vector<float>{1, 0}).ok()) << "two failures, then the third attempt succeeds";
  fake.FailNext(2, 8, 429);  // rate limited, with proxy.http.standardErrorStatus
  EXPECT_TRUE(*c->Contains("x"));
  fake.FailNext(10, 2);
  auto lasting = c->Count();
  ASSERT_FALSE(lasting.ok());
  EXPECT_EQ(lasting.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lasting.status().message().find("code 2"), std::string::npos) << lasting.status().message();
  fake.FailNext(0, 2);
  EXPECT_EQ(*c->Count(), 1u);
  fake.FailNext(1, 1100);  // not transient: answered at once
  const int before = fake.requests();
  EXPECT_EQ(c->Count().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake.requests(), before + 1);
}

TEST(MilvusCollectionStoreTest, AWrongTokenOrNoServerIsAClearError) {
  testing::FakeMilvusServer fake("root:right");
  auto refused = MilvusCollectionStore::Open(OptionsFor(fake, "root:wrong-secret"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("storage.milvus_token"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("wrong-secret"), std::string::npos) << "the token is never quoted";

  MilvusStoreOptions nowhere;
  nowhere.client.url = "http://127.0.0.1:1";
  nowhere.client.token = "root:wrong-secret";
  nowhere.client.max_retries = 1;
  nowhere.client.backoff_initial_ms = 1;
  auto unreachable = MilvusCollectionStore::Open(nowhere);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(unreachable.status().message().find("wrong-secret"), std::string::npos);

  for (const std::string& prefix : std::vector<std::string>{"1abc", "a-b", "a/b", std::string(33, 'a')}) {
    MilvusStoreOptions bad = OptionsFor(fake, "root:right");
    bad.collection_prefix = prefix;
    EXPECT_EQ(MilvusCollectionStore::Open(bad).status().code(), StatusCode::kInvalidArgument) << prefix;
  }
  MilvusStoreOptions no_prefix = OptionsFor(fake, "root:right");
  no_prefix.collection_prefix = "";
  EXPECT_TRUE(MilvusCollectionStore::Open(no_prefix).ok());
  MilvusStoreOptions bad_url = OptionsFor(fake, "root:right");
  bad_url.client.url = "ftp://x";
  EXPECT_EQ(MilvusCollectionStore::Open(bad_url).status().code(), StatusCode::kInvalidArgument);
}

TEST(MilvusCollectionStoreTest, AHalfMadeCollectionIsReportedAndDropRemovesIt) {
  testing::FakeMilvusServer fake("root:k");
  auto store = MustOpen(OptionsFor(fake));
  // What a create that stopped after Milvus made the collection leaves: no catalog row.
  MilvusClient client = std::move(MilvusClient::Create(OptionsFor(fake).client)).value();
  const nlohmann::json schema = {
      {"fields",
       {{{"fieldName", "id"},
         {"dataType", "VarChar"},
         {"isPrimary", true},
         {"elementTypeParams", {{"max_length", "8"}}}},
        {{"fieldName", "vector"}, {"dataType", "FloatVector"}, {"elementTypeParams", {{"dim", "2"}}}}}}};
  ASSERT_TRUE(
      client.Call("collections/create", nlohmann::json{{"collectionName", "iris_c_orphan"}, {"schema", schema}}).ok());
  auto created = store->Create(Describe("orphan", 2));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(created.status().message().find("drop 'orphan'"), std::string::npos) << created.status().message();
  EXPECT_EQ(store->Get("orphan").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Drop("orphan").ok());
  EXPECT_EQ(fake.RowCount("iris_c_orphan"), -1);
  EXPECT_TRUE(store->Create(Describe("orphan", 2)).ok());
  EXPECT_EQ(store->Drop("never-made").code(), StatusCode::kNotFound);
}

TEST(MilvusCollectionStoreTest, AReleasedCollectionIsLoadedAgainOnItsNextRead) {
  testing::FakeMilvusServer fake("root:k");
  auto store = MustOpen(OptionsFor(fake));
  auto c = std::move(store->Create(Describe("released", 2))).value();
  ASSERT_TRUE(c->Upsert("x", std::vector<float>{1, 0}).ok());
  fake.Release("iris_c_released");
  const int loads = fake.loads();
  auto hits = c->Search(std::vector<float>{1, 0}, 1);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(fake.loads(), loads + 1);
}

TEST(MilvusCollectionStoreTest, WhatMilvusCannotHoldIsRefusedBeforeItIsSent) {
  testing::FakeMilvusServer fake("root:k");
  auto store = MustOpen(OptionsFor(fake));
  EXPECT_EQ(store->Create(Describe("one-d", 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Create(Describe("huge", 40000)).status().code(), StatusCode::kInvalidArgument);
  auto c = std::move(store->Create(Describe("f", 2))).value();
  EXPECT_EQ(c->Upsert(std::string(kMaxMilvusIdBytes + 1, 'i'), std::vector<float>{1, 0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(c->Upsert(std::string(kMaxMilvusIdBytes, 'i'), std::vector<float>{1, 0}).ok());
  ASSERT_TRUE(c->Upsert("x", std::vector<float>{1, 0}, {{"a", nullptr}, {"b", "v"}}).ok());
  SearchFilter null_value;
  null_value.metadata_equals["a"] = nullptr;
  EXPECT_EQ(c->Search(std::vector<float>{1, 0}, 1, null_value).status().code(), StatusCode::kInvalidArgument);
  SearchFilter bracketed;
  bracketed.metadata_equals["a]b"] = "x";
  auto refused = c->Search(std::vector<float>{1, 0}, 1, bracketed);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("a]b"), std::string::npos);

  // What reaches Milvus is the documented expression; a top_n above ef_search raises ef with it.
  SearchFilter b;
  b.metadata_equals["b"] = "v";
  b.exclude_id = "y";
  auto hits = c->Search(std::vector<float>{1, 0}, 500, b);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ(fake.last_filter(), "(metadata[\"b\"] == \"v\") and (id != \"y\")");
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, "x");
  EXPECT_TRUE(c->Search(std::vector<float>{1, 0}, 3, {}, std::nullopt, SearchMode::kExact).ok());
}

}  // namespace
}  // namespace iris
