#include "jobs/sqlite_job_store.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "support/temp_dir.h"

namespace iris {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<SqliteJobStore>(*db_);
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

  ClaimedItem ClaimOrDie(const std::string& runner, std::int64_t now_ms) {
    auto claimed = store_->ClaimNextItem(runner, {"k"}, now_ms);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status().ToString();
    return claimed.ok() && claimed->has_value() ? **claimed : ClaimedItem{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<JobStore> store_;
};

TEST_F(JobStoreTest, ParamsNestedTooDeepAreRefusedAndStoredOnesReadBackEmpty) {
  nlohmann::json deep = 1;
  for (int depth = 0; depth < 65; ++depth) deep = nlohmann::json::array({deep});
  const auto refused = store_->Create({"k", {{"p", deep}}, {"a"}});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "job params: JSON nested deeper than 64 levels");

  // A row written by something else, 70,000 levels deep: read back as {} and null, never built.
  const std::string id = CreateOrDie({"a"});
  const std::string nested = std::string(70'000, '[') + std::string(70'000, ']');
  ASSERT_TRUE(db_->Write([&](SqliteConnection& c) {
                   return c.Execute("UPDATE jobs SET params = '" + nested + "', result = '" + nested + "'");
                 })
                  .ok());
  const JobView job = GetOrDie(id);
  EXPECT_EQ(job.params, nlohmann::json::object());
  EXPECT_TRUE(job.result.is_null());
  EXPECT_EQ(ClaimOrDie("r", 0).params, nlohmann::json::object());
}

TEST_F(JobStoreTest, CreateQueuesAJobWithItsItems) {
  const std::string id = CreateOrDie({"a", "b", "c"});
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.kind, "k");
  EXPECT_EQ(job.params, nlohmann::json({{"p", 1}}));
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.done, 0);
  EXPECT_EQ(job.total, 3);
  EXPECT_FALSE(job.created_at.empty());
  EXPECT_TRUE(job.started_at.empty());
  nlohmann::json json = job.ToJson();
  EXPECT_EQ(json["status"], "queued");
  EXPECT_EQ(json["progress"], nlohmann::json({{"done", 0}, {"total", 3}}));
  EXPECT_TRUE(json["errors"].empty());

  auto items = store_->Items(id, 1, 10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].item, "b");
  EXPECT_EQ((*items)[1].state, "pending");

  EXPECT_EQ(store_->Get("no-such-task").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Create({"", {}, {"x"}}).status().code(), StatusCode::kInvalidArgument);
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(NewTaskId());
  EXPECT_EQ(ids.size(), 100u);
}

TEST_F(JobStoreTest, JobWithoutItemsSucceedsAtOnce) {
  JobView job = GetOrDie(CreateOrDie({}));
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_FALSE(job.finished_at.empty());
}

TEST_F(JobStoreTest, OutcomesAreRecordedOnceAndEndTheJob) {
  const std::string id = CreateOrDie({"a", "b", "c"});
  ClaimedItem a = ClaimOrDie("r1", 1000);
  EXPECT_EQ(a.item, "a");
  EXPECT_EQ(a.attempt, 1);
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kRunning);
  EXPECT_FALSE(GetOrDie(id).started_at.empty());

  auto first = store_->Complete("r1", a, {ItemOutcome::Kind::kDone, "", {{"out", 7}}, 0});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto again = store_->Complete("r1", a, {ItemOutcome::Kind::kDone, "", nullptr, 0});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // not running any more: ignored, not counted twice
  EXPECT_EQ(GetOrDie(id).done, 1);

  ClaimedItem b = ClaimOrDie("r1", 1000);
  EXPECT_EQ(b.item, "b");
  // A transient failure: pending again, claimable only from retry_at.
  ASSERT_TRUE(store_->Complete("r1", b, {ItemOutcome::Kind::kRetry, "Unavailable: busy", nullptr, 5000}).ok());
  auto next_retry = store_->NextRetryAt({"k"});
  ASSERT_TRUE(next_retry.ok());
  EXPECT_EQ(*next_retry, std::optional<std::int64_t>(5000));
  ClaimedItem c = ClaimOrDie("r1", 1000);
  EXPECT_EQ(c.item, "c");  // b is waiting for its backoff
  auto none = store_->ClaimNextItem("r1", {"k"}, 4999);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->Complete("r1", c, {ItemOutcome::Kind::kFailed, "InvalidArgument: bad", nullptr, 0}).ok());
  ClaimedItem b2 = ClaimOrDie("r1", 5000);
  EXPECT_EQ(b2.item, "b");
  EXPECT_EQ(b2.attempt, 2);
  ASSERT_TRUE(store_->Complete("r1", b2, {ItemOutcome::Kind::kDone, "", nullptr, 0}).ok());

  JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 3);
  EXPECT_EQ(job.failed_items, 1);
  ASSERT_EQ(job.errors.size(), 1u);
  EXPECT_EQ(job.errors[0].item, "c");
  EXPECT_EQ(job.errors[0].message, "InvalidArgument: bad");
  EXPECT_EQ(job.errors[0].attempts, 1);
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", 2}, {"failed", 1}, {"not_run", 0}}));
  auto items = store_->Items(id, 0, 10);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ((*items)[0].result, nlohmann::json({{"out", 7}}));
  EXPECT_EQ((*items)[1].attempts, 2);
  EXPECT_TRUE((*items)[1].error.empty());
}

TEST_F(JobStoreTest, RecordFinishedStoresADoneJobWithItsResult) {
  auto id = store_->RecordFinished({"k", {{"p", 2}}, {"x", "y"}}, {{"stored", "x"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  JobView job = GetOrDie(*id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 2);
  EXPECT_EQ(job.total, 2);
  EXPECT_EQ(job.result, nlohmann::json({{"stored", "x"}}));
  EXPECT_FALSE(job.finished_at.empty());
  auto claimed = store_->ClaimNextItem("r1", {"k"}, 1000);
  ASSERT_TRUE(claimed.ok());
  EXPECT_FALSE(claimed->has_value());  // nothing of it is ever run
}

TEST_F(JobStoreTest, AppendedItemsJoinTheJobOncePerAppendingItem) {
  const std::string id = CreateOrDie({"page:1"});
  ClaimedItem page = ClaimOrDie("r1", 1000);
  auto appended = store_->AppendItems("r1", page, {"a", "b"});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_TRUE(*appended);
  auto repeat = store_->AppendItems("r1", page, {"a", "b"});  // the same item run again after a crash
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(*repeat);
  EXPECT_FALSE(store_->AppendItems("r2", page, {"c"}).ok());  // not the owner
  EXPECT_EQ(GetOrDie(id).total, 3);
  ASSERT_TRUE(store_->Complete("r1", page, {ItemOutcome::Kind::kDone, "", nullptr, 0}).ok());
  EXPECT_EQ(GetOrDie(id).status, JobStatus::kRunning);  // a and b are still pending
  for (const char* expected : {"a", "b"}) {
    ClaimedItem item = ClaimOrDie("r1", 1000);
    EXPECT_EQ(item.item, expected);
    ASSERT_TRUE(store_->Complete("r1", item, {ItemOutcome::Kind::kDone, "", nullptr, 0}).ok());
  }
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 3);
}

TEST_F(JobStoreTest, CountsJobsPerStatusAndTheBacklog) {
  CreateOrDie({"a", "b"});
  CreateOrDie({});
  auto counts = store_->Count();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->jobs.at("queued"), 1);
  EXPECT_EQ(counts->jobs.at("succeeded"), 1);
  EXPECT_EQ(counts->jobs.at("failed"), 0);
  EXPECT_EQ(counts->pending_items, 2);
  ClaimedItem a = ClaimOrDie("r1", 1000);
  ASSERT_TRUE(store_->Complete("r1", a, {ItemOutcome::Kind::kDone, "", nullptr, 0}).ok());
  counts = store_->Count();
  EXPECT_EQ(counts->jobs.at("running"), 1);
  EXPECT_EQ(counts->pending_items, 1);
}

TEST_F(JobStoreTest, CreateRefusesJobsBeyondThePendingItemsBound) {
  constexpr std::int64_t kBound = 5;
  ASSERT_TRUE(store_->Create({"k", {}, {"a", "b", "c"}}, kBound).ok());
  // 3 unfinished + 3 > 5: refused, and nothing of it is written.
  auto refused = store_->Create({"k", {}, {"d", "e", "f"}}, kBound);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("jobs.max_pending_items"), std::string::npos);
  EXPECT_EQ(store_->List(10)->size(), 1u);
  // A job larger than the bound could never fit.
  EXPECT_EQ(store_->Create({"k", {}, {"1", "2", "3", "4", "5", "6"}}, kBound).status().code(),
            StatusCode::kUnprocessable);
  // Fits exactly; empty jobs never count.
  ASSERT_TRUE(store_->Create({"k", {}, {"d", "e"}}, kBound).ok());
  ASSERT_TRUE(store_->Create({"k", {}, {}}, kBound).ok());
  EXPECT_EQ(store_->Create({"k", {}, {"x"}}, kBound).status().code(), StatusCode::kResourceExhausted);

  // A running item still counts; a finished one (done or failed) frees its place.
  ClaimedItem a = ClaimOrDie("r1", 1000);
  EXPECT_EQ(store_->Create({"k", {}, {"x"}}, kBound).status().code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(store_->Complete("r1", a, {ItemOutcome::Kind::kFailed, "bad", nullptr, 0}).ok());
  ASSERT_TRUE(store_->Create({"k", {}, {"x"}}, kBound).ok());
  EXPECT_EQ(store_->Create({"k", {}, {"y"}}, kBound).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Create({"k", {}, {"y"}}).ok());  // 0: no bound
}

TEST_F(JobStoreTest, PurgeDeletesOnlyJobsThatEndedLongEnoughAgo) {
  const std::string done = CreateOrDie({});  // succeeded at once
  const std::string queued = CreateOrDie({"a"});
  auto kept = store_->PurgeFinished(3600);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto purged = store_->PurgeFinished(0.001);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(store_->Get(done).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(GetOrDie(queued).status, JobStatus::kQueued);
  auto items = store_->Items(queued, 0, 10);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 1u);
}

TEST_F(JobStoreTest, AJobWhoseItemsAllFailEndsFailed) {
  const std::string id = CreateOrDie({"a"});
  ClaimedItem a = ClaimOrDie("r1", 0);
  ASSERT_TRUE(store_->Complete("r1", a, {ItemOutcome::Kind::kFailed, "Internal: boom", nullptr, 0}).ok());
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(job.error, "all 1 items failed");
}

TEST_F(JobStoreTest, CancelEndsAQueuedJobAtOnceAndARunningOneWhenItsItemsEnd) {
  const std::string queued = CreateOrDie({"a"});
  auto cancelled = store_->RequestCancel(queued);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, JobStatus::kCancelled);
  EXPECT_TRUE(store_->RequestCancel(queued).ok());  // idempotent

  const std::string running = CreateOrDie({"a", "b"});
  ClaimedItem a = ClaimOrDie("r1", 0);
  auto asked = store_->RequestCancel(running);
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(asked->status, JobStatus::kRunning);
  EXPECT_TRUE(asked->cancel_requested);
  auto none = store_->ClaimNextItem("r1", {"k"}, 0);  // b is not handed out any more
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->Complete("r1", a, {ItemOutcome::Kind::kDone, "", nullptr, 0}).ok());
  JobView job = GetOrDie(running);
  EXPECT_EQ(job.status, JobStatus::kCancelled);
  EXPECT_EQ(job.done, 1);
  EXPECT_EQ(job.result["not_run"], 1);

  const std::string finished = CreateOrDie({});
  EXPECT_EQ(store_->RequestCancel(finished).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(JobStoreTest, ReleasedItemsGoBackUnattemptedAndTheJobIsQueuedAgain) {
  const std::string id = CreateOrDie({"a", "b"});
  ASSERT_TRUE(store_->RegisterRunner("r1", 0).ok());
  ClaimedItem a = ClaimOrDie("r1", 0);
  ASSERT_TRUE(store_->ReleaseRunner("r1").ok());
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.recoveries, 0);
  ClaimedItem again = ClaimOrDie("r2", 0);
  EXPECT_EQ(again.item, "a");
  EXPECT_EQ(again.attempt, 1);
  // r1's late outcome for an item it no longer owns is ignored.
  auto late = store_->Complete("r1", a, {ItemOutcome::Kind::kDone, "", nullptr, 0});
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
}

TEST_F(JobStoreTest, RecoveryTakesBackOnlyDeadRunnersItemsAndFailsACrashLoop) {
  const std::string id = CreateOrDie({"a", "b", "c"});
  ASSERT_TRUE(store_->RegisterRunner("dead", 1000).ok());
  ASSERT_TRUE(store_->RegisterRunner("alive", 1000).ok());
  ClaimedItem a = ClaimOrDie("dead", 1000);
  ClaimedItem b = ClaimOrDie("alive", 1000);
  ASSERT_TRUE(store_->Heartbeat("alive", 5000).ok());

  // At 5500 with a 1000 ms lease, "dead" (last beat 1000) is stale, "alive" (5000) is not.
  auto taken = store_->RecoverDeadRunners("me", 5500, 1000, /*max_recoveries=*/1);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(*taken, 1);
  JobView job = GetOrDie(id);
  EXPECT_EQ(job.recoveries, 1);
  EXPECT_EQ(job.status, JobStatus::kRunning);  // b is still in flight on "alive"
  auto items = store_->Items(id, 0, 3);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ((*items)[0].state, "pending");
  EXPECT_EQ((*items)[0].attempts, 1);  // the crashed attempt counts
  EXPECT_EQ((*items)[1].state, "running");

  // The dead runner's late outcome is ignored; the item runs again.
  auto late = store_->Complete("dead", a, {ItemOutcome::Kind::kDone, "", nullptr, 0});
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  EXPECT_EQ(GetOrDie(id).done, 0);

  // "alive" dies too: the second recovery is past max_recoveries = 1.
  taken = store_->RecoverDeadRunners("me", 9000, 1000, 1);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(*taken, 1);
  job = GetOrDie(id);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(job.recoveries, 2);
  EXPECT_NE(job.error.find("stopped 2 times"), std::string::npos) << job.error;
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", 0}, {"failed", 0}, {"not_run", 3}}));
  auto none = store_->ClaimNextItem("me", {"k"}, 9000);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  (void)b;
}

TEST_F(JobStoreTest, ClaimsOnlyRegisteredKindsOldestJobFirst) {
  const std::string other = CreateOrDie({"x"}, "other");
  const std::string first = CreateOrDie({"a"});
  const std::string second = CreateOrDie({"b"});
  ClaimedItem one = ClaimOrDie("r", 0);
  ClaimedItem two = ClaimOrDie("r", 0);
  EXPECT_EQ(one.task_id, first);
  EXPECT_EQ(two.task_id, second);
  EXPECT_EQ(one.params, nlohmann::json({{"p", 1}}));
  EXPECT_EQ(GetOrDie(other).status, JobStatus::kQueued);
  auto list = store_->List(10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].task_id, second);
}

}  // namespace
}  // namespace iris
