#include "index/collection_manager.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace iris {
namespace {

CollectionSpec L2Spec(int dim = 4) {
  CollectionSpec spec;
  spec.dim = dim;
  spec.metric = Metric::kL2;
  return spec;
}

TEST(CollectionManagerTest, CreateGetListDrop) {
  testing::TempDir dir;
  auto manager = CollectionManager::Open(dir.path() / "collections");
  ASSERT_TRUE(manager.ok()) << manager.status().ToString();
  auto& m = **manager;
  ASSERT_TRUE(m.Create("shoes", L2Spec()).ok());
  ASSERT_TRUE(m.Create("bags-2", L2Spec(8)).ok());
  EXPECT_EQ(m.Names(), (std::vector<std::string>{"bags-2", "shoes"}));
  auto shoes = m.GetDurable("shoes");
  ASSERT_TRUE(shoes.ok());
  EXPECT_EQ((*shoes)->options().index.dim, 4);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "collections" / "shoes" / "collection.meta.json"));

  EXPECT_EQ(m.Create("shoes", L2Spec()).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(m.GetDurable("hats").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(m.Drop("shoes").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "collections" / "shoes"));
  EXPECT_EQ(m.GetDurable("shoes").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(m.Drop("shoes").code(), StatusCode::kNotFound);
  EXPECT_EQ(m.Names(), (std::vector<std::string>{"bags-2"}));
  // The name can be reused after a drop, and the new collection starts empty.
  ASSERT_TRUE(m.Create("shoes", L2Spec()).ok());
  EXPECT_EQ((*m.GetDurable("shoes"))->index().size(), 0u);
}

TEST(CollectionManagerTest, RejectsBadNamesAndSpecs) {
  testing::TempDir dir;
  auto m = std::move(CollectionManager::Open(dir.path())).value();
  for (std::string name : {std::string(""), std::string(65, 'a'), std::string("a/b"), std::string(".."),
                           std::string("with space"), std::string("é")}) {
    EXPECT_EQ(m->Create(name, L2Spec()).status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(m->Create(std::string(64, 'a'), L2Spec()).ok());
  EXPECT_EQ(m->Create("zero-dim", L2Spec(0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "zero-dim"));
}

TEST(CollectionManagerTest, CreateBeyondMaxCollectionsIsRefused) {
  testing::TempDir dir;
  CollectionManagerOptions options;
  options.max_collections = 2;
  auto m = std::move(CollectionManager::Open(dir.path(), options)).value();
  ASSERT_TRUE(m->Create("a", L2Spec()).ok());
  ASSERT_TRUE(m->Create("b", L2Spec()).ok());
  auto refused = m->Create("c", L2Spec());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("collections.max_collections"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "c"));
  // Dropping one makes room again.
  ASSERT_TRUE(m->Drop("a").ok());
  EXPECT_TRUE(m->Create("c", L2Spec()).ok());

  // More collections on disk than the bound still all open; only creating more is refused.
  m.reset();
  options.max_collections = 1;
  auto reopened = std::move(CollectionManager::Open(dir.path(), options)).value();
  EXPECT_EQ(reopened->Names(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(reopened->Create("d", L2Spec()).status().code(), StatusCode::kResourceExhausted);
}

TEST(CollectionManagerTest, AFailedCreateLeavesNoDirectory) {
  testing::TempDir dir;
  auto m = std::move(CollectionManager::Open(dir.path())).value();
  // A directory where the first log file must go makes the create fail after the meta file was
  // written (opening the log fails), the latest point a create can fail.
  std::filesystem::create_directories(dir.path() / "broken-create" / "log-00000000000000000000.iriswal");
  auto failed = m->Create("broken-create", L2Spec());
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "broken-create"));
  EXPECT_EQ(m->GetDurable("broken-create").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(m->Names().empty());
  // Nothing is left to be reported broken at the next start, and the name can be used.
  m.reset();
  auto reopened = std::move(CollectionManager::Open(dir.path())).value();
  EXPECT_TRUE(reopened->Broken().empty());
  EXPECT_TRUE(reopened->Create("broken-create", L2Spec()).ok());
}

TEST(CollectionManagerTest, ReopensCollectionsWithTheirItems) {
  testing::TempDir dir;
  const std::vector<float> v = {1, 2, 3, 4};
  {
    auto m = std::move(CollectionManager::Open(dir.path())).value();
    auto a = std::move(m->Create("a", L2Spec())).value();
    ASSERT_TRUE(a->Upsert("x", v, {{"colour", "red"}}).ok());
    auto b = std::move(m->Create("b", L2Spec())).value();
    ASSERT_TRUE(b->Upsert("y", v).ok());
    ASSERT_TRUE(m->CheckpointAll().ok());
    ASSERT_TRUE(b->Upsert("z", v).ok());  // only in the log
  }
  auto m = std::move(CollectionManager::Open(dir.path())).value();
  EXPECT_EQ(m->Names(), (std::vector<std::string>{"a", "b"}));
  auto x = (*m->GetDurable("a"))->index().Get("x");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->vector, v);
  EXPECT_EQ(x->metadata["colour"], "red");
  EXPECT_EQ((*m->GetDurable("b"))->index().size(), 2u);
}

TEST(CollectionManagerTest, CorruptCollectionIsReportedNotEmptied) {
  testing::TempDir dir;
  {
    auto m = std::move(CollectionManager::Open(dir.path())).value();
    ASSERT_TRUE(m->Create("good", L2Spec()).ok());
    ASSERT_TRUE(m->Create("bad", L2Spec()).ok());
  }
  const auto meta = dir.path() / "bad" / "collection.meta.json";
  std::ofstream(meta, std::ios::trunc) << "{not json";
  auto m = std::move(CollectionManager::Open(dir.path())).value();
  EXPECT_EQ(m->Names(), (std::vector<std::string>{"good"}));
  auto bad = m->GetDurable("bad");
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("could not be opened"), std::string::npos) << bad.status().message();
  EXPECT_EQ(m->Broken().size(), 1u);
  // Nothing was rewritten, and the name is not silently reused.
  EXPECT_TRUE(std::filesystem::exists(meta));
  EXPECT_EQ(m->Create("bad", L2Spec()).status().code(), StatusCode::kAlreadyExists);
  // An explicit drop removes it.
  ASSERT_TRUE(m->Drop("bad").ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "bad"));
  EXPECT_TRUE(m->Create("bad", L2Spec()).ok());
}

TEST(CollectionManagerTest, ConcurrentCreatesOfOneNameMakeExactlyOne) {
  testing::TempDir dir;
  auto m = std::move(CollectionManager::Open(dir.path())).value();
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = m->Create("same", L2Spec());
      if (r.ok()) ++created;
      if (r.status().code() == StatusCode::kAlreadyExists) ++duplicates;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), 7);
}

}  // namespace
}  // namespace iris
