#include "classify/folder_classifier_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "classify/classifier_test_data.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

namespace fs = std::filesystem;

using testing::CutClassifier;
using testing::TestSet;
using testing::V;

TEST(FolderClassifierStoreTest, SaveWritesTheDocumentedLayoutAndAssignsUniqueVersions) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path() / "classifiers");
  Classifier a = CutClassifier("shoes", "", 0.45), b = CutClassifier("shoes", "", 0.45);
  auto fa = store.Save(a);
  auto fb = store.Save(b);
  ASSERT_TRUE(fa.ok() && fb.ok()) << fa.status().ToString() << fb.status().ToString();
  EXPECT_TRUE(IsValidClassifierVersion(a.version)) << a.version;
  EXPECT_NE(a.version, b.version);  // same second: the next free one
  EXPECT_LT(a.version, b.version);
  EXPECT_EQ(*fa, "collection_shoes/classifier_" + a.version + ".json");
  EXPECT_TRUE(fs::is_regular_file(store.dir() / *fa));
  auto versions = store.Versions("shoes");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions, (std::vector<std::string>{a.version, b.version}));
  Classifier again = CutClassifier("shoes", a.version, 0.3);
  EXPECT_EQ(store.Save(again).status().code(), StatusCode::kAlreadyExists);
  Classifier bad = CutClassifier("../x", "", 0.3);
  EXPECT_EQ(store.Save(bad).status().code(), StatusCode::kInvalidArgument);
  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(store.dir())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(FolderClassifierStoreTest, BakeOffRanksByPrecisionThenRecallThenNewerAndKeepsTheBest) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path());
  // On TestSet(): cut 0.45 is perfect (P=R=1). cut 0.55 misses x=0.5: predictions 0000 0111 ->
  // precision (4/5 + 3/3)/2 = 0.9, recall (1 + 3/4)/2 = 0.875. cut 0.35 adds a false positive at 0.4:
  // precision (3/3 + 4/5)/2 = 0.9, recall (3/4 + 1)/2 = 0.875 -- a tie with 0.55 broken by the newer
  // version. cut 0.05 says yes to all: precision (0 + 0.5)/2 = 0.25.
  struct Entry {
    int second;
    double cut;
  };
  for (auto [second, cut] : {Entry{1, 0.55}, Entry{2, 0.05}, Entry{3, 0.45}, Entry{4, 0.35}, Entry{5, 0.45}}) {
    Classifier c = CutClassifier("7", V(second), cut);
    ASSERT_TRUE(store.Save(c).ok());
  }
  // Another model's version cannot be evaluated here: it ranks after every evaluated one.
  Classifier other = CutClassifier("7", V(9), 0.45, "other-model");
  ASSERT_TRUE(store.Save(other).ok());

  auto result = store.BakeOff("7", TestSet(), 3);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<std::string> order;
  for (const auto& c : result->ranked) order.push_back(c.version);
  EXPECT_EQ(order, (std::vector<std::string>{V(5), V(3), V(4), V(1), V(2), V(9)}));
  EXPECT_DOUBLE_EQ(result->ranked[0].metrics.macro_precision, 1.0);
  EXPECT_DOUBLE_EQ(result->ranked[2].metrics.macro_precision, 0.9);
  EXPECT_DOUBLE_EQ(result->ranked[2].metrics.macro_recall, 0.875);
  EXPECT_DOUBLE_EQ(result->ranked[4].metrics.macro_precision, 0.25);
  EXPECT_FALSE(result->ranked[5].evaluated);
  EXPECT_NE(result->ranked[5].note.find("other-model"), std::string::npos);
  EXPECT_EQ(result->deleted.size(), 3u);
  EXPECT_EQ(*store.Versions("7"), (std::vector<std::string>{V(3), V(4), V(5)}));

  // best_models.json points at the best file, with its bake-off metrics.
  std::ifstream in(dir.path() / "best_models.json");
  auto index = nlohmann::json::parse(in);
  EXPECT_EQ(index["7"]["file"], "collection_7/classifier_" + V(5) + ".json");
  EXPECT_EQ(index["7"]["version"], V(5));
  EXPECT_EQ(index["7"]["macro_precision"], 1.0);
  EXPECT_EQ(index["7"]["test_samples"], 8);
  auto best = store.LoadBest("7");
  ASSERT_TRUE(best.ok()) << best.status().ToString();
  EXPECT_EQ((*best)->version, V(5));
}

TEST(FolderClassifierStoreTest, BakeOffKeepsOtherCollectionsInTheIndex) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path());
  for (const char* id : {"a", "b"}) {
    Classifier c = CutClassifier(id, V(1), 0.45);
    ASSERT_TRUE(store.Save(c).ok());
    ASSERT_TRUE(store.BakeOff(id, TestSet()).ok());
  }
  auto index = store.ReadBestModels();
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->size(), 2u);
  EXPECT_EQ(store.BakeOff("none", TestSet()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.BakeOff("a", TestSet(), 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(FolderClassifierStoreTest, LoadBestExplainsWhatIsMissing) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path());
  auto none = store.LoadBest("42");
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("no classifier for collection '42'"), std::string::npos);
  EXPECT_NE(none.status().message().find("iris train-classifier"), std::string::npos);
  EXPECT_EQ(store.LoadBest("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);

  // An index entry whose file points elsewhere is refused, never opened.
  std::ofstream(dir.path() / "best_models.json")
      << R"({"42": {"file": "../../secret.json", "version": "20260101T000001Z", "macro_precision": 1}})";
  auto traversal = store.LoadBest("42");
  EXPECT_EQ(traversal.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(traversal.status().message().find("collection_42/classifier_20260101T000001Z.json"), std::string::npos)
      << traversal.status().message();

  // An entry whose file was deleted: a server-side problem, FailedPrecondition naming the file.
  std::ofstream(dir.path() / "best_models.json")
      << R"({"42": {"file": "collection_42/classifier_20260101T000001Z.json", "version": "20260101T000001Z"}})";
  auto gone = store.LoadBest("42");
  EXPECT_EQ(gone.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(gone.status().message().find("classifier_20260101T000001Z.json"), std::string::npos);

  // A file renamed by hand to another collection is refused.
  fs::create_directories(dir.path() / "collection_42");
  std::ofstream(dir.path() / "collection_42/classifier_20260101T000001Z.json")
      << ClassifierToJson(CutClassifier("41", V(1), 0.4));
  EXPECT_EQ(store.LoadBest("42").status().code(), StatusCode::kFailedPrecondition);
}

TEST(FolderClassifierStoreTest, CacheReloadsWhenBestModelsChanges) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path());
  ClassifierCache cache(std::make_shared<FolderClassifierStore>(dir.path()));
  EXPECT_EQ(cache.Get("9").status().code(), StatusCode::kNotFound);  // nothing trained yet

  Classifier first = CutClassifier("9", V(1), 0.45);
  ASSERT_TRUE(store.Save(first).ok());
  ASSERT_TRUE(store.BakeOff("9", TestSet()).ok());
  auto a = cache.Get("9");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->version, V(1));
  EXPECT_EQ(cache.Get("9")->get(), a->get());  // loaded once

  // New training with a better (perfect) version while the "server" runs.
  Classifier worse = CutClassifier("9", V(0), 0.05);
  Classifier better = CutClassifier("9", V(2), 0.45);
  ASSERT_TRUE(store.Save(worse).ok());
  ASSERT_TRUE(store.Save(better).ok());
  ASSERT_TRUE(store.BakeOff("9", TestSet()).ok());
  auto b = cache.Get("9");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->version, V(2));  // picked up without a restart (same size file, new inode/mtime)
}

TEST(FolderClassifierStoreTest, CacheIsSafeUnderConcurrentUse) {
  testing::TempDir dir;
  FolderClassifierStore store(dir.path());
  Classifier c = CutClassifier("x", V(1), 0.45);
  ASSERT_TRUE(store.Save(c).ok());
  ASSERT_TRUE(store.BakeOff("x", TestSet()).ok());
  ClassifierCache cache(std::make_shared<FolderClassifierStore>(dir.path()));
  std::vector<std::future<int>> runs;
  for (int t = 0; t < 8; ++t) {
    runs.push_back(std::async(std::launch::async, [&] {
      int good = 0;
      const std::vector<float> e = {0.9f, 0.0f};
      for (int i = 0; i < 200; ++i) {
        auto got = cache.Get("x");
        if (got.ok() && (*got)->Predict(e, "m")->is_in_collection) ++good;
      }
      return good;
    }));
  }
  // Meanwhile a trainer keeps rewriting the index.
  for (int i = 2; i < 12; ++i) {
    Classifier next = CutClassifier("x", V(i), 0.45);
    ASSERT_TRUE(store.Save(next).ok());
    ASSERT_TRUE(store.BakeOff("x", TestSet(), 3).ok());
  }
  for (auto& r : runs) EXPECT_EQ(r.get(), 200);
  EXPECT_EQ(store.Versions("x")->size(), 3u);
}

}  // namespace
}  // namespace iris
