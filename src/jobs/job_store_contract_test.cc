// One suite, both JobStore backends: what job_store.h promises must hold on iris.db (SqliteJobStore)
// and on a real PostgreSQL server started for the test (PostgresJobStore, support/postgres_process.h).
// Backend-specific details (SQL-level corruption, indexes) stay in sqlite_job_store_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "jobs/job_runner.h"
#include "jobs/postgres_job_store.h"
#include "jobs/sqlite_job_store.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

// A backend's database; Open() gives a new store (a "process") on the same data.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<JobStore> Open() = 0;
};

class SqliteBackend : public Backend {
 public:
  SqliteBackend() {
    auto db = Database::Open(dir_.path() / "iris.db");
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    db_ = std::move(db).value();
  }
  std::unique_ptr<JobStore> Open() override { return std::make_unique<SqliteJobStore>(*db_); }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

class PostgresBackend : public Backend {
 public:
  PostgresBackend() : url_(testing::PostgresProcess::Shared().CreateDatabase()) {}
  std::unique_ptr<JobStore> Open() override {
    auto db = PostgresDatabase::Open(url_);
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    databases_.push_back(std::move(db).value());
    return std::make_unique<PostgresJobStore>(*databases_.back());
  }

 private:
  std::string url_;
  std::vector<std::unique_ptr<PostgresDatabase>> databases_;
};

class JobStoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      backend_ = std::make_unique<SqliteBackend>();
    } else {
      backend_ = std::make_unique<PostgresBackend>();
    }
    store_ = backend_->Open();
  }

  std::string CreateOrDie(std::vector<std::string> items, std::string kind = "k") {
    auto id = store_->Create({kind, {{"p", 1}}, std::move(items)});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  JobView GetOrDie(const std::string& id) {
    auto job = store_->Get(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : JobView{};
  }
  ClaimedItem ClaimOrDie(const std::string& runner, std::int64_t now_ms, JobStore* store = nullptr) {
    auto claimed = (store ? store : store_.get())->ClaimNextItem(runner, {"k"}, now_ms);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status().ToString();
    return claimed.ok() && claimed->has_value() ? **claimed : ClaimedItem{};
  }
  void Done(const std::string& runner, const ClaimedItem& item, nlohmann::json result = nullptr) {
    ItemOutcome outcome;
    outcome.result = std::move(result);
    auto recorded = store_->Complete(runner, item, outcome);
    ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
    EXPECT_TRUE(*recorded);
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<JobStore> store_;
};

TEST_P(JobStoreContractTest, ItemsAreClaimedInOrderAndTheJobSucceedsWithTheirResults) {
  ASSERT_TRUE(store_->RegisterRunner("r1", 1000).ok());
  const std::string id = CreateOrDie({"a", "b", "c"});
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.total, 3);
  EXPECT_EQ(job.params, nlohmann::json({{"p", 1}}));
  EXPECT_FALSE(job.created_at.empty());

  const ClaimedItem first = ClaimOrDie("r1", 1000);
  EXPECT_EQ(first.item, "a");
  EXPECT_EQ(first.index, 0);
  EXPECT_EQ(first.attempt, 1);
  EXPECT_EQ(first.params, nlohmann::json({{"p", 1}}));
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kRunning);
  Done("r1", first, {{"n", 1}});
  Done("r1", ClaimOrDie("r1", 1000));
  const ClaimedItem last = ClaimOrDie("r1", 1000);
  EXPECT_EQ(last.item, "c");
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kRunning);
  Done("r1", last);

  job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 3);
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", 3}, {"failed", 0}, {"not_run", 0}}));
  EXPECT_FALSE(job.finished_at.empty());
  auto items = store_->Items(id, 0, 10);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].state, "done");
  EXPECT_EQ((*items)[0].result, nlohmann::json({{"n", 1}}));
  EXPECT_TRUE((*items)[1].result.is_null());
  auto none = store_->ClaimNextItem("r1", {"k"}, 1000);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(JobStoreContractTest, FailedItemsAreListedAndAJobWhoseItemsAllFailedFails) {
  const std::string partly = CreateOrDie({"ok", "bad"});
  Done("r1", ClaimOrDie("r1", 0));
  ItemOutcome failed{ItemOutcome::Kind::kFailed, "Unprocessable: not an image", nullptr, 0};
  ASSERT_TRUE(store_->Complete("r1", ClaimOrDie("r1", 0), failed).ok());
  JobView job = GetOrDie(partly);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.failed_items, 1);
  ASSERT_EQ(job.errors.size(), 1u);
  EXPECT_EQ(job.errors[0].item, "bad");
  EXPECT_EQ(job.errors[0].message, "Unprocessable: not an image");

  const std::string all_bad = CreateOrDie({"x"});
  ASSERT_TRUE(store_->Complete("r1", ClaimOrDie("r1", 0), failed).ok());
  job = GetOrDie(all_bad);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(job.error, "all 1 items failed");
}

TEST_P(JobStoreContractTest, ARetriedItemWaitsForItsBackoffAndCountsItsAttempts) {
  const std::string id = CreateOrDie({"a"});
  ItemOutcome retry{ItemOutcome::Kind::kRetry, "Unavailable: busy", nullptr, 5000};
  ASSERT_TRUE(store_->Complete("r1", ClaimOrDie("r1", 1000), retry).ok());
  auto early = store_->ClaimNextItem("r1", {"k"}, 4999);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());
  auto next = store_->NextRetryAt({"k"});
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, 5000);
  const ClaimedItem again = ClaimOrDie("r1", 5000);
  EXPECT_EQ(again.attempt, 2);
  Done("r1", again);
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kSucceeded);
}

TEST_P(JobStoreContractTest, ConcurrentClaimersFromSeveralStoresNeverShareAnItem) {
  constexpr int kItems = 120;
  std::vector<std::string> items;
  for (int i = 0; i < kItems; ++i) items.push_back("item-" + std::to_string(i));
  const std::string id = CreateOrDie(items);
  // Three "processes" (own store, own connections on PostgreSQL), two threads each.
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int s = 0; s < 3; ++s) stores.push_back(backend_->Open());
  std::mutex mutex;
  std::map<std::string, int> claims;
  std::map<int, int> per_store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      JobStore& store = *stores[t % 3];
      const std::string runner = "runner-" + std::to_string(t);
      while (true) {
        auto claimed = store.ClaimNextItem(runner, {"k"}, 0);
        if (!claimed.ok()) {
          ADD_FAILURE() << claimed.status().ToString();
          return;
        }
        if (!claimed->has_value()) return;
        {
          std::lock_guard lock(mutex);
          ++claims[(*claimed)->item];
          ++per_store[t % 3];
        }
        auto recorded = store.Complete(runner, **claimed, ItemOutcome{});
        EXPECT_TRUE(recorded.ok() && *recorded) << recorded.status().ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kItems));
  for (const auto& [item, count] : claims) EXPECT_EQ(count, 1) << item;
  const JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, kItems);
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", kItems}, {"failed", 0}, {"not_run", 0}}));
}

TEST_P(JobStoreContractTest, ADeadRunnersItemIsTakenBackAndItsLateOutcomeIgnored) {
  ASSERT_TRUE(store_->RegisterRunner("dead", 1000).ok());
  ASSERT_TRUE(store_->RegisterRunner("alive", 1000).ok());
  const std::string id = CreateOrDie({"a", "b"});
  const ClaimedItem lost = ClaimOrDie("dead", 1000);
  ASSERT_TRUE(store_->Heartbeat("alive", 20'000).ok());
  auto recovered = store_->RecoverDeadRunners("alive", 20'000, 15'000, 3);
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(*recovered, 1);
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.recoveries, 1);
  EXPECT_EQ(job.status, JobStatus::kQueued);

  auto late = store_->Complete("dead", lost, ItemOutcome{});
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  const ClaimedItem again = ClaimOrDie("alive", 20'000);
  EXPECT_EQ(again.item, "a");
  EXPECT_EQ(again.attempt, 2);
  Done("alive", again);
  Done("alive", ClaimOrDie("alive", 20'000));
  job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 2);
  // A live runner's items are left alone.
  const std::string other = CreateOrDie({"c"});
  ClaimOrDie("alive", 20'000);
  auto none = store_->RecoverDeadRunners("someone", 21'000, 15'000, 3);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(GetOrDie(other).status, JobStatus::kRunning);
}

TEST_P(JobStoreContractTest, AJobWhoseRunnersKeepDyingEndsFailedWithTheReason) {
  const std::string id = CreateOrDie({"poison", "b"});
  for (int crash = 1; crash <= 3; ++crash) {
    ClaimOrDie("dead-" + std::to_string(crash), 0);
    auto recovered = store_->RecoverDeadRunners("me", 100'000 * crash, 15'000, 2);
    ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  }
  const JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(job.recoveries, 3);
  EXPECT_NE(job.error.find("crash loop"), std::string::npos) << job.error;
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", 0}, {"failed", 0}, {"not_run", 2}}));
}

TEST_P(JobStoreContractTest, CancelStopsClaimsAndEndsTheJobOnceNothingIsInFlight) {
  const std::string queued = CreateOrDie({"a"});
  auto cancelled = store_->RequestCancel(queued);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, JobStatus::kCancelled);

  const std::string running = CreateOrDie({"a", "b"});
  const ClaimedItem in_flight = ClaimOrDie("r1", 0);
  cancelled = store_->RequestCancel(running);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, JobStatus::kRunning);
  EXPECT_TRUE(cancelled->cancel_requested);
  auto none = store_->ClaimNextItem("r1", {"k"}, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto asked = store_->CancelRequested(running);
  ASSERT_TRUE(asked.ok());
  EXPECT_TRUE(*asked);
  Done("r1", in_flight);
  const JobView job = GetOrDie(running);
  EXPECT_EQ(job.status, JobStatus::kCancelled);
  EXPECT_EQ(job.done, 1);
  EXPECT_EQ(job.error, "cancelled by request");

  auto finished = store_->RequestCancel(running);
  EXPECT_TRUE(finished.ok());  // cancelling a cancelled job is a no-op
  const std::string done = CreateOrDie({});
  EXPECT_EQ(store_->RequestCancel(done).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get("no-such-task").status().code(), StatusCode::kNotFound);
}

TEST_P(JobStoreContractTest, AnItemAppendsMoreItemsOnceEvenWhenRunAgain) {
  ASSERT_TRUE(store_->RegisterRunner("r1", 0).ok());
  const std::string id = CreateOrDie({"page-1"});
  ClaimedItem page = ClaimOrDie("r1", 0);
  auto appended = store_->AppendItems("r1", page, {"p1", "p2"});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_TRUE(*appended);
  auto repeat = store_->AppendItems("r1", page, {"p1", "p2"});
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(*repeat);
  EXPECT_EQ(GetOrDie(id).total, 3);
  EXPECT_EQ(store_->AppendItems("other", page, {"x"}).status().code(), StatusCode::kFailedPrecondition);
  Done("r1", page);
  EXPECT_EQ(ClaimOrDie("r1", 0).item, "p1");
  auto items = store_->Items(id, 1, 10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].item, "p2");
  EXPECT_EQ((*items)[1].index, 2);
}

TEST_P(JobStoreContractTest, ReleasingARunnerGivesItsItemsBackUncounted) {
  ASSERT_TRUE(store_->RegisterRunner("r1", 0).ok());
  const std::string id = CreateOrDie({"a", "b"});
  ClaimOrDie("r1", 0);
  ASSERT_TRUE(store_->ReleaseRunner("r1").ok());
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kQueued);
  EXPECT_EQ(ClaimOrDie("r2", 0).attempt, 1);
}

TEST_P(JobStoreContractTest, ThePendingItemsBoundRefusesJobsThatCannotFit) {
  EXPECT_EQ(store_->Create({"k", {}, {"a", "b", "c"}}, 2).status().code(), StatusCode::kUnprocessable);
  ASSERT_TRUE(store_->Create({"k", {}, {"a", "b"}}, 3).ok());
  EXPECT_EQ(store_->Create({"k", {}, {"c", "d"}}, 3).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Create({"k", {}, {"c"}}, 3).ok());
  EXPECT_EQ(store_->Create({"", {}, {"c"}}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(JobStoreContractTest, ListCountRecordFinishedAndPurge) {
  const std::string first = CreateOrDie({"a"});
  auto recorded = store_->RecordFinished({"sync", {}, {"x", "y"}}, {{"deleted", 2}});
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  JobView sync = GetOrDie(*recorded);
  EXPECT_EQ(sync.status, JobStatus::kSucceeded);
  EXPECT_EQ(sync.done, 2);
  EXPECT_EQ(sync.result, nlohmann::json({{"deleted", 2}}));

  auto list = store_->List(10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].task_id, *recorded);  // newest first
  EXPECT_EQ((*list)[1].task_id, first);
  auto counts = store_->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->jobs["queued"], 1);
  EXPECT_EQ(counts->jobs["succeeded"], 1);
  EXPECT_EQ(counts->jobs["cancelled"], 0);
  EXPECT_EQ(counts->pending_items, 1);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto purged = store_->PurgeFinished(0);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 1);  // the finished one; the queued one stays
  EXPECT_EQ(store_->Get(*recorded).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(GetOrDie(first).status, JobStatus::kQueued);
  auto kept = store_->PurgeFinished(3600);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 0);
}

TEST_P(JobStoreContractTest, OnlyJobsOfTheAskedKindsAreClaimed) {
  CreateOrDie({"a"}, "other");
  const std::string mine = CreateOrDie({"b"}, "k");
  auto claimed = store_->ClaimNextItem("r1", {"x", "k"}, 0);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->task_id, mine);
  auto none = store_->ClaimNextItem("r1", {"k"}, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// PostgreSQL only: another process's new work reaches a subscriber (SQLite has one process).
TEST(PostgresJobStoreTest, AnotherProcessesNewJobWakesTheSubscriber) {
  PostgresBackend backend;
  auto listening = backend.Open();
  auto other = backend.Open();
  std::atomic<int> wakes{0};
  auto subscription = listening->SubscribeToNewWork([&] { ++wakes; });
  ASSERT_NE(subscription, nullptr);
  // The LISTEN takes a moment to be in place: create jobs until one is heard.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (wakes == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(other->Create({"k", {}, {"a"}}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GT(wakes, 0);
  subscription.reset();  // stops within ~250 ms
  const int heard = wakes;
  ASSERT_TRUE(other->Create({"k", {}, {"b"}}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(wakes, heard);
}

TEST(PostgresJobStoreTest, AJobRunnersIdleWorkersWakeForAnotherProcessesJobBeforeTheirNextPoll) {
  PostgresBackend backend;
  auto other = backend.Open();
  JobRunnerOptions options;
  options.workers = 1;
  options.poll_interval = std::chrono::seconds(60);  // without the wake-up nothing runs for a minute
  JobRunner runner(backend.Open(), options);
  std::atomic<int> handled{0};
  ASSERT_TRUE(runner
                  .Register("k",
                            [&](JobItemContext&) {
                              ++handled;
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker found nothing and waits
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (handled == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(other->Create({"k", {}, {"a"}}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_GT(handled, 0) << "a job created by another process waited for the 60 s poll";
  runner.Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Backends, JobStoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace iris
