// One suite, both classifier stores: what classify/classifier_store.h promises must hold for a folder
// (FolderClassifierStore) and for PostgreSQL (PostgresClassifierStore on a real server started by
// tests/support/postgres_process.h). Open() gives a second store on the same data -- another process.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "classify/classifier_test_data.h"
#include "classify/folder_classifier_store.h"
#include "classify/postgres_classifier_store.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using testing::CutClassifier;
using testing::TestSet;
using testing::V;

// An engine's data; Open() gives a new store on it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::shared_ptr<ClassifierStore> Open() = 0;
};

class FolderBackend : public Backend {
 public:
  std::shared_ptr<ClassifierStore> Open() override {
    return std::make_shared<FolderClassifierStore>(dir_.path() / "classifiers");
  }

 private:
  testing::TempDir dir_;
};

class PostgresBackend : public Backend {
 public:
  PostgresBackend() : url_(testing::PostgresProcess::Shared().CreateDatabase()) {}
  std::shared_ptr<ClassifierStore> Open() override {
    auto db = PostgresDatabase::Open(url_);
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    databases_.push_back(std::move(db).value());
    return std::make_shared<PostgresClassifierStore>(*databases_.back());
  }

 private:
  std::string url_;
  std::vector<std::unique_ptr<PostgresDatabase>> databases_;
};

class ClassifierStoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "folder") {
      backend_ = std::make_unique<FolderBackend>();
    } else {
      backend_ = std::make_unique<PostgresBackend>();
    }
    store_ = backend_->Open();
  }
  std::unique_ptr<Backend> backend_;
  std::shared_ptr<ClassifierStore> store_;
};

TEST_P(ClassifierStoreContractTest, SavesLoadsAndNamesVersions) {
  EXPECT_TRUE(store_->Collections()->empty());
  EXPECT_TRUE(store_->Versions("a")->empty());
  EXPECT_EQ(store_->IndexStamp().value(), "");

  Classifier given = CutClassifier("a", V(5), 0.3);
  auto file = store_->Save(given);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file, "collection_a/classifier_" + V(5) + ".json");
  Classifier again = CutClassifier("a", V(5), 0.3);
  EXPECT_EQ(store_->Save(again).status().code(), StatusCode::kAlreadyExists);

  // Versions chosen by the store are unique even when saved within one second.
  Classifier first = CutClassifier("b", "", 0.3), second = CutClassifier("b", "", 0.3);
  ASSERT_TRUE(store_->Save(first).ok());
  ASSERT_TRUE(store_->Save(second).ok());
  EXPECT_TRUE(IsValidClassifierVersion(first.version));
  EXPECT_LT(first.version, second.version);
  EXPECT_EQ(store_->Versions("b").value(), (std::vector<std::string>{first.version, second.version}));
  EXPECT_EQ(store_->Collections().value(), (std::vector<std::string>{"a", "b"}));

  auto loaded = store_->Load("a", V(5));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(ClassifierToJson(*loaded), ClassifierToJson(given));
  EXPECT_EQ(store_->Load("a", V(6)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Load("../x", V(5)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Load("a", "yesterday").status().code(), StatusCode::kInvalidArgument);
  Classifier bad_id = CutClassifier("no/slash", V(1), 0.3);
  EXPECT_EQ(store_->Save(bad_id).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ClassifierStoreContractTest, BakeOffKeepsTheBestAndPointsTheIndexAtIt) {
  // cut 0.45 is perfect on the test set; 0.25 and 0.05 are worse in precision.
  for (auto [v, cut] : std::vector<std::pair<int, double>>{{1, 0.05}, {2, 0.45}, {3, 0.25}}) {
    Classifier c = CutClassifier("k", V(v), cut);
    ASSERT_TRUE(store_->Save(c).ok());
  }
  Classifier other = CutClassifier("other", V(1), 0.45);
  ASSERT_TRUE(store_->Save(other).ok());
  ASSERT_TRUE(store_->BakeOff("other", TestSet()).ok());
  const std::string stamp = store_->IndexStamp().value();
  EXPECT_NE(stamp, "");

  auto result = store_->BakeOff("k", TestSet(), 2);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->ranked.size(), 3u);
  EXPECT_EQ(result->ranked[0].version, V(2));
  EXPECT_EQ(result->ranked[1].version, V(3));
  EXPECT_EQ(result->deleted, (std::vector<std::string>{"collection_k/classifier_" + V(1) + ".json"}));
  EXPECT_EQ(store_->Versions("k").value(), (std::vector<std::string>{V(2), V(3)}));
  EXPECT_NE(store_->IndexStamp().value(), stamp);

  auto index = store_->ReadBestModels();
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(index->size(), 2u);  // the other collection's entry is kept
  EXPECT_EQ(index->at("k").version, V(2));
  EXPECT_EQ(index->at("k").file, "collection_k/classifier_" + V(2) + ".json");
  EXPECT_DOUBLE_EQ(index->at("k").macro_precision, 1.0);
  EXPECT_EQ(index->at("k").test_samples, 8);
  EXPECT_EQ(index->at("other").version, V(1));
  auto best = store_->LoadBest("k");
  ASSERT_TRUE(best.ok());
  EXPECT_EQ((*best)->version, V(2));

  EXPECT_EQ(store_->LoadBest("none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->BakeOff("none", TestSet()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->SetBest("k", {"", V(1), 1, 1, 8}).code(), StatusCode::kFailedPrecondition);  // deleted
  EXPECT_TRUE(store_->SetBest("k", {"", V(3), 0.75, 1, 8}).ok());
  EXPECT_EQ(store_->LoadBest("k").value()->version, V(3));
}

TEST_P(ClassifierStoreContractTest, AnotherProcessSeesNewTrainingWithoutARestart) {
  std::shared_ptr<ClassifierStore> server_side = backend_->Open();
  ClassifierCache cache(server_side);
  EXPECT_EQ(cache.Get("9").status().code(), StatusCode::kNotFound);

  Classifier first = CutClassifier("9", V(1), 0.25);
  ASSERT_TRUE(store_->Save(first).ok());
  ASSERT_TRUE(store_->BakeOff("9", TestSet()).ok());
  auto a = cache.Get("9");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->version, V(1));
  EXPECT_EQ(cache.Get("9")->get(), a->get());  // read once

  Classifier better = CutClassifier("9", V(2), 0.45);
  ASSERT_TRUE(store_->Save(better).ok());
  ASSERT_TRUE(store_->BakeOff("9", TestSet(), 1).ok());
  auto b = cache.Get("9");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)->version, V(2));
}

TEST_P(ClassifierStoreContractTest, TrainersInTwoProcessesLoseNoIndexEntry) {
  std::shared_ptr<ClassifierStore> other = backend_->Open();
  auto train = [](ClassifierStore& store, const std::string& prefix) {
    for (int i = 0; i < 6; ++i) {
      const std::string id = prefix + std::to_string(i);
      Classifier c = CutClassifier(id, V(1), 0.45);
      if (!store.Save(c).ok()) return false;
      if (!store.BakeOff(id, TestSet()).ok()) return false;
    }
    return true;
  };
  auto a = std::async(std::launch::async, train, std::ref(*store_), "p");
  auto b = std::async(std::launch::async, train, std::ref(*other), "q");
  EXPECT_TRUE(a.get());
  EXPECT_TRUE(b.get());
  auto index = store_->ReadBestModels();
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->size(), 12u);
}

INSTANTIATE_TEST_SUITE_P(Stores, ClassifierStoreContractTest, ::testing::Values("folder", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace iris
