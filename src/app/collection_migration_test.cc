#include "app/collection_migration.h"

#include <gtest/gtest.h>

#include "index/collection_manager.h"
#include "support/temp_dir.h"

namespace iris::app {
namespace {

std::unique_ptr<CollectionManager> OpenAt(const std::filesystem::path& dir) {
  auto m = CollectionManager::Open(dir);
  if (!m.ok()) throw std::runtime_error(m.status().ToString());
  return std::move(m).value();
}

// "p<i>", built in pieces (GCC 12's -Wrestrict misfires on "p" + std::to_string(i)).
std::string Id(int i) {
  std::string id = "p";
  id += std::to_string(i);
  return id;
}

CollectionSpec Spec(int dim, Metric metric = Metric::kCosine) {
  CollectionSpec spec;
  spec.dim = dim;
  spec.metric = metric;
  return spec;
}

TEST(CopyCollectionsTest, CopiesEveryItemResumesAndVerifies) {
  testing::TempDir dir;
  auto from = OpenAt(dir.path() / "a");
  auto to = OpenAt(dir.path() / "b");
  auto shop = std::move(from->Create("shop", Spec(3))).value();
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(shop->Upsert(Id(i), std::vector<float>{1, float(i), 2}, {{"i", i}}).ok());
  }
  ASSERT_TRUE(from->Create("empty", Spec(2, Metric::kL2)).ok());
  std::vector<std::size_t> progress;
  CollectionCopyOptions options;
  options.progress = [&](const std::string&, std::size_t n) { progress.push_back(n); };
  auto report = CopyCollections(*from, *to, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->size(), 2u);
  EXPECT_EQ((*report)[0].name, "empty");
  EXPECT_EQ((*report)[1].name, "shop");
  EXPECT_EQ((*report)[1].copied, 600u);
  EXPECT_EQ((*report)[1].items, 600u);
  EXPECT_EQ(progress, (std::vector<std::size_t>{256, 512, 600}));
  auto copied = to->Get("shop");
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ((*copied)->Get("p42")->metadata, (nlohmann::json{{"i", 42}}));
  EXPECT_EQ((*to->Get("empty"))->description().index.metric, Metric::kL2);

  // A re-run upserts again and verifies; verify-only notices a removed item.
  EXPECT_TRUE(CopyCollections(*from, *to, {}).ok());
  ASSERT_TRUE((*copied)->Delete("p7").ok());
  CollectionCopyOptions verify;
  verify.verify_only = true;
  auto differs = CopyCollections(*from, *to, verify);
  ASSERT_FALSE(differs.ok());
  EXPECT_EQ(differs.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(differs.status().message().find("'shop'"), std::string::npos) << differs.status().message();
  // A changed item is found too.
  EXPECT_TRUE(CopyCollections(*from, *to, {}).ok());
  ASSERT_TRUE((*copied)->Upsert("p8", std::vector<float>{1, 8, 2}, {{"i", "changed"}}).ok());
  differs = CopyCollections(*from, *to, verify);
  ASSERT_FALSE(differs.ok());
  EXPECT_NE(differs.status().message().find("'p8': metadata differs"), std::string::npos) << differs.status().message();
}

TEST(CopyCollectionsTest, ATargetCollectionOfAnotherKindStopsTheCopy) {
  testing::TempDir dir;
  auto from = OpenAt(dir.path() / "a");
  auto to = OpenAt(dir.path() / "b");
  ASSERT_TRUE(from->Create("shop", Spec(3)).ok());
  ASSERT_TRUE(to->Create("shop", Spec(4)).ok());
  auto refused = CopyCollections(*from, *to, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("drop it there first"), std::string::npos);
  CollectionCopyOptions verify;
  verify.verify_only = true;
  ASSERT_TRUE(from->Create("other", Spec(2)).ok());
  EXPECT_EQ(CopyCollections(*from, *to, verify).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace iris::app
