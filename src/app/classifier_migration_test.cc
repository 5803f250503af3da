// CopyClassifiers between a classifiers folder and a real PostgreSQL (tests/support/postgres_process.h),
// both ways, resumed, and refusing a target that holds other versions.
#include "app/classifier_migration.h"

#include <gtest/gtest.h>

#include "classify/folder_classifier_store.h"
#include "classify/postgres_classifier_store.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris::app {
namespace {

Classifier Trained(std::string id, std::string version, double cut) {
  Classifier c;
  c.collection_id = std::move(id);
  c.version = std::move(version);
  c.embedding_model = "clip";
  c.normalized_embeddings = true;
  c.model.weights = {1.5, -0.25, 0.125};
  c.model.bias = -cut;
  c.training = {40, 12, 0.5, "balanced"};
  c.metrics = {0.8125, 0.7, 0.75, 9};
  return c;
}

TEST(ClassifierMigrationTest, FolderToPostgresAndBackKeepsEveryVersionAndTheIndex) {
  iris::testing::TempDir dir;
  FolderClassifierStore folder(dir.path() / "classifiers");
  for (const auto& [id, version] : std::vector<std::pair<std::string, std::string>>{
           {"rings", "20261201T100000Z"}, {"rings", "20261202T100000Z"}, {"necklaces", "20261203T100000Z"}}) {
    Classifier c = Trained(id, version, 0.1);
    ASSERT_TRUE(folder.Save(c).ok());
  }
  ASSERT_TRUE(folder.SetBest("rings", {"", "20261202T100000Z", 0.9, 0.8, 20}).ok());
  ASSERT_TRUE(folder.SetBest("necklaces", {"", "20261203T100000Z", 1.0 / 3.0, 0.7, 9}).ok());

  auto db = PostgresDatabase::Open(iris::testing::PostgresProcess::Shared().CreateDatabase());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  PostgresClassifierStore shared(**db);

  auto first = CopyClassifiers(folder, shared);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->copied, 3);
  EXPECT_EQ(first->versions, 3);
  EXPECT_EQ(first->best_entries, 2);
  auto best = shared.LoadBest("necklaces");
  ASSERT_TRUE(best.ok()) << best.status().ToString();
  EXPECT_EQ(ClassifierToJson(**best), ClassifierToJson(Trained("necklaces", "20261203T100000Z", 0.1)));
  EXPECT_DOUBLE_EQ(shared.ReadBestModels()->at("necklaces").macro_precision, 1.0 / 3.0);

  auto again = CopyClassifiers(folder, shared);  // resumed / repeated: nothing left to copy
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->copied, 0);
  EXPECT_EQ(again->checksum, first->checksum);
  EXPECT_TRUE(CopyClassifiers(folder, shared, /*verify_only=*/true).ok());

  FolderClassifierStore back(dir.path() / "back");
  auto returned = CopyClassifiers(shared, back);
  ASSERT_TRUE(returned.ok()) << returned.status().ToString();
  EXPECT_EQ(returned->checksum, first->checksum);
  EXPECT_EQ(back.LoadBest("rings").value()->version, "20261202T100000Z");

  // A target that already holds another version does not verify.
  Classifier extra = Trained("rings", "20261130T100000Z", 0.2);
  ASSERT_TRUE(shared.Save(extra).ok());
  auto differs = CopyClassifiers(folder, shared);
  EXPECT_EQ(differs.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(differs.status().message().find("3 versions"), std::string::npos) << differs.status().message();
}

}  // namespace
}  // namespace iris::app
