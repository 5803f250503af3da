#include "jobs/job_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "jobs/sqlite_job_store.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using namespace std::chrono_literals;

JobRunnerOptions FastOptions(int workers) {
  JobRunnerOptions o;
  o.workers = workers;
  o.backoff_initial = 5ms;
  o.backoff_max = 100ms;
  o.poll_interval = 20ms;
  o.heartbeat_interval = 30ms;
  o.lease = 300ms;
  return o;
}

std::unique_ptr<Database> OpenOrDie(const std::filesystem::path& file) {
  auto db = Database::Open(file);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

// Polls until the job is in a final state (or `timeout` passes) and returns it.
JobView WaitForEnd(JobStore& store, const std::string& task_id, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto job = store.Get(task_id);
    if (!job.ok()) {
      ADD_FAILURE() << job.status().ToString();
      return {};
    }
    if (IsFinal(job->status) || std::chrono::steady_clock::now() > deadline) return *job;
    std::this_thread::sleep_for(5ms);
  }
}

std::vector<std::string> Numbered(int n, const std::string& prefix = "item-") {
  std::vector<std::string> items;
  for (int i = 0; i < n; ++i) items.push_back(prefix + std::to_string(i));
  return items;
}

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenOrDie(dir_.path() / "iris.db");
    ASSERT_NE(db_, nullptr);
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(JobRunnerTest, ProcessesEveryItemAndReportsProgress) {
  JobRunner runner(*db_, FastOptions(1));
  std::mutex mutex;
  std::condition_variable cv;
  bool gate_open = false;
  std::multiset<std::string> seen;
  ASSERT_TRUE(runner
                  .Register("upper",
                            [&](JobItemContext& ctx) {
                              std::unique_lock<std::mutex> lock(mutex);
                              if (ctx.index == 4) cv.wait(lock, [&] { return gate_open; });  // hold item 4
                              seen.insert(ctx.item);
                              ctx.result = {{"length", ctx.item.size()}, {"factor", ctx.params["factor"]}};
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto id = runner.Submit({"upper", {{"factor", 3}}, Numbered(10)});
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  // While item 4 is held, exactly items 0..3 are done.
  JobView midway;
  for (int i = 0; i < 2000; ++i) {
    midway = *runner.store().Get(*id);
    if (midway.done == 4) break;
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(30ms);
  midway = *runner.store().Get(*id);
  EXPECT_EQ(midway.status, JobStatus::kRunning);
  EXPECT_EQ(midway.done, 4);
  EXPECT_EQ(midway.total, 10);
  {
    std::lock_guard<std::mutex> lock(mutex);
    gate_open = true;
  }
  cv.notify_all();

  JobView job = WaitForEnd(runner.store(), *id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 10);
  EXPECT_EQ(job.total, 10);
  EXPECT_TRUE(job.errors.empty());
  EXPECT_FALSE(job.finished_at.empty());
  EXPECT_EQ(job.result, nlohmann::json({{"succeeded", 10}, {"failed", 0}, {"not_run", 0}}));
  {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_EQ(seen.size(), 10u);
    for (const std::string& item : Numbered(10)) EXPECT_EQ(seen.count(item), 1u) << item;
  }
  auto items = runner.store().Items(*id, 9, 1);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ((*items)[0].result, nlohmann::json({{"length", 6}, {"factor", 3}}));
}

TEST_F(JobRunnerTest, RetriesTransientFailuresWithBackoffAndGivesUpAfterMaxAttempts) {
  JobRunnerOptions options = FastOptions(2);
  options.backoff_initial = 40ms;
  options.max_attempts = 3;
  JobRunner runner(*db_, options);
  std::mutex mutex;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> calls;
  ASSERT_TRUE(runner
                  .Register("flaky",
                            [&](JobItemContext& ctx) -> Status {
                              std::lock_guard<std::mutex> lock(mutex);
                              auto& times = calls[ctx.item];
                              times.push_back(std::chrono::steady_clock::now());
                              EXPECT_EQ(ctx.attempt, static_cast<int>(times.size()));
                              if (ctx.item == "twice-busy" && times.size() <= 2) return Unavailable("busy");
                              if (ctx.item == "timeout") return DeadlineExceeded("took too long");
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto id = runner.Submit({"flaky", {}, {"twice-busy", "timeout", "fine"}});
  ASSERT_TRUE(id.ok());
  JobView job = WaitForEnd(runner.store(), *id);

  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 3);
  EXPECT_EQ(job.failed_items, 1);
  ASSERT_EQ(job.errors.size(), 1u);
  EXPECT_EQ(job.errors[0].item, "timeout");
  EXPECT_EQ(job.errors[0].attempts, 3);
  EXPECT_NE(job.errors[0].message.find("took too long"), std::string::npos) << job.errors[0].message;

  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(calls["twice-busy"].size(), 3u);
  ASSERT_EQ(calls["timeout"].size(), 3u);
  EXPECT_EQ(calls["fine"].size(), 1u);
  // Backoff before retry r is uniform in [d/2, d], d = 40 ms * 2^(r-1): at least 20 ms, then 40 ms
  // (less 2 ms: due times are whole unix milliseconds).
  for (const char* item : {"twice-busy", "timeout"}) {
    const auto& t = calls[item];
    EXPECT_GE(t[1] - t[0], 18ms) << item;
    EXPECT_GE(t[2] - t[1], 38ms) << item;
    EXPECT_LT(t[2] - t[0], 1000ms) << item;  // and not much more
  }
  auto items = runner.store().Items(*id, 0, 1);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ((*items)[0].state, "done");
  EXPECT_EQ((*items)[0].attempts, 3);
}

TEST_F(JobRunnerTest, PermanentFailuresAreRecordedOnceAndTheJobGoesOn) {
  JobRunner runner(*db_, FastOptions(2));
  std::atomic<int> bad_calls{0};
  ASSERT_TRUE(runner
                  .Register("strict",
                            [&](JobItemContext& ctx) -> Status {
                              if (ctx.item == "bad") {
                                ++bad_calls;
                                return InvalidArgument("not an image");
                              }
                              if (ctx.item == "throws") throw std::runtime_error("kaboom");
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto mixed = runner.Submit({"strict", {}, {"a", "bad", "b", "throws", "c"}});
  auto all_bad = runner.Submit({"strict", {}, {"bad", "throws"}});
  ASSERT_TRUE(mixed.ok() && all_bad.ok());

  JobView job = WaitForEnd(runner.store(), *mixed);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 5);
  EXPECT_EQ(job.failed_items, 2);
  ASSERT_EQ(job.errors.size(), 2u);
  EXPECT_EQ(job.errors[0].item, "bad");
  EXPECT_EQ(job.errors[0].message, "InvalidArgument: not an image");
  EXPECT_EQ(job.errors[0].attempts, 1);
  EXPECT_EQ(job.errors[1].item, "throws");
  EXPECT_NE(job.errors[1].message.find("kaboom"), std::string::npos);
  nlohmann::json json = job.ToJson();
  EXPECT_EQ(json["errors"][0],
            nlohmann::json({{"item", "bad"}, {"message", "InvalidArgument: not an image"}, {"attempts", 1}}));

  JobView failed = WaitForEnd(runner.store(), *all_bad);
  EXPECT_EQ(failed.status, JobStatus::kFailed);
  EXPECT_EQ(failed.error, "all 2 items failed");
  EXPECT_EQ(bad_calls.load(), 2);  // once per job: permanent errors are not retried
}

TEST_F(JobRunnerTest, CancelStopsTheJobBetweenItems) {
  JobRunner runner(*db_, FastOptions(1));
  std::atomic<int> calls{0};
  std::atomic<bool> saw_stop{false};
  ASSERT_TRUE(runner
                  .Register("slow",
                            [&](JobItemContext& ctx) {
                              ++calls;
                              std::this_thread::sleep_for(10ms);
                              if (ctx.stop_requested()) saw_stop = true;
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto id = runner.Submit({"slow", {}, Numbered(200)});
  ASSERT_TRUE(id.ok());
  while (runner.store().Get(*id)->done < 3) std::this_thread::sleep_for(1ms);
  auto cancel = runner.store().RequestCancel(*id);
  ASSERT_TRUE(cancel.ok()) << cancel.status().ToString();
  JobView job = WaitForEnd(runner.store(), *id);
  EXPECT_EQ(job.status, JobStatus::kCancelled);
  EXPECT_EQ(job.error, "cancelled by request");
  EXPECT_GE(job.done, 3);
  EXPECT_LE(job.done, cancel->done + 1);  // at most the item in flight finished after the request
  EXPECT_EQ(job.result["not_run"], 200 - job.done);
  const int calls_at_end = calls.load();
  EXPECT_EQ(calls_at_end, job.done);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), calls_at_end);  // nothing more is claimed
  EXPECT_EQ(runner.store().RequestCancel(*id)->status, JobStatus::kCancelled);
}

TEST_F(JobRunnerTest, NeverRunsMoreHandlersAtOnceThanWorkers) {
  constexpr int kWorkers = 3;
  JobRunner runner(*db_, FastOptions(kWorkers));
  std::atomic<int> active{0}, peak{0}, calls{0};
  ASSERT_TRUE(runner
                  .Register("busy",
                            [&](JobItemContext&) {
                              const int now = ++active;
                              int seen = peak.load();
                              while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                              }
                              std::this_thread::sleep_for(15ms);
                              --active;
                              ++calls;
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto first = runner.Submit({"busy", {}, Numbered(15, "a")});
  auto second = runner.Submit({"busy", {}, Numbered(15, "b")});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(WaitForEnd(runner.store(), *first).status, JobStatus::kSucceeded);
  EXPECT_EQ(WaitForEnd(runner.store(), *second).status, JobStatus::kSucceeded);
  EXPECT_EQ(calls.load(), 30);
  EXPECT_EQ(peak.load(), kWorkers);  // reached, never exceeded
}

TEST_F(JobRunnerTest, ShutdownRequeuesTheJobAndANewRunnerFinishesIt) {
  std::mutex mutex;
  std::multiset<std::string> seen;
  auto handler = [&](JobItemContext& ctx) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(ctx.item);
    return Status::Ok();
  };
  std::string id;
  {
    JobRunner runner(*db_, FastOptions(2));
    ASSERT_TRUE(runner.Register("work", handler).ok());
    ASSERT_TRUE(runner.Start().ok());
    auto submitted = runner.Submit({"work", {}, Numbered(60)});
    ASSERT_TRUE(submitted.ok());
    id = *submitted;
    while (runner.store().Get(id)->done < 5) std::this_thread::sleep_for(1ms);
    runner.Shutdown();
    JobView stopped = *runner.store().Get(id);
    EXPECT_EQ(stopped.status, JobStatus::kQueued);
    EXPECT_LT(stopped.done, 60);
    EXPECT_EQ(stopped.recoveries, 0);
  }
  JobRunner next(*db_, FastOptions(2));
  ASSERT_TRUE(next.Register("work", handler).ok());
  ASSERT_TRUE(next.Start().ok());
  JobView job = WaitForEnd(next.store(), id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, 60);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(seen.size(), 60u);  // a graceful stop runs no item twice
  for (const std::string& item : Numbered(60)) EXPECT_EQ(seen.count(item), 1u) << item;
}

TEST_F(JobRunnerTest, AnItemCanAppendMoreWorkToItsJob) {
  JobRunner runner(*db_, FastOptions(2));
  std::mutex mutex;
  std::multiset<std::string> seen;
  ASSERT_TRUE(runner
                  .Register("pages",
                            [&](JobItemContext& ctx) -> Status {
                              {
                                std::lock_guard<std::mutex> lock(mutex);
                                seen.insert(ctx.item);
                              }
                              if (ctx.item.starts_with("page:")) {
                                const int page = std::stoi(ctx.item.substr(5));
                                std::vector<std::string> more =
                                    Numbered(3, std::string("p").append(std::to_string(page)).append("-"));
                                if (page < 3) more.push_back(std::string("page:").append(std::to_string(page + 1)));
                                return ctx.AppendItems(more);
                              }
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  auto id = runner.Submit({"pages", {}, {"page:1"}});
  ASSERT_TRUE(id.ok());
  JobView job = WaitForEnd(runner.store(), *id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.total, 12);  // 3 pages + 3 items each
  EXPECT_EQ(job.done, 12);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(seen.count("p3-2"), 1u);
}

// --- crash tests: a runner in a forked child is killed with SIGKILL ---

std::vector<std::string> ReadLines(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Appends one line with a single write(2), so a kill never leaves half a line.
void AppendLine(const std::filesystem::path& file, const std::string& line) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  const std::string text = line + "\n";
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
}

// Runs a JobRunner in a child process until `task_id` ends (exit 0) or 20 s pass (exit 3).
// Must be called with no other threads alive in this process.
pid_t ForkRunner(const std::filesystem::path& db_file, const std::string& task_id, const JobRunnerOptions& options,
                 JobItemHandler handler) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  int code = 3;
  {
    auto db = Database::Open(db_file);
    if (!db.ok()) ::_exit(4);
    JobRunner runner(**db, options);
    if (!runner.Register("crashy", std::move(handler)).ok() || !runner.Start().ok()) ::_exit(5);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = runner.store().Get(task_id);
      if (job.ok() && IsFinal(job->status)) {
        code = 0;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ::_exit(code);
}

TEST(JobRunnerCrashTest, AJobKilledMidwayResumesWithTheItemsNotYetDone) {
  testing::TempDir dir;
  const auto db_file = dir.path() / "iris.db";
  const auto child_log = dir.path() / "child.log", parent_log = dir.path() / "parent.log";
  constexpr int kItems = 40, kWorkers = 2;
  std::string id;
  {
    auto db = OpenOrDie(db_file);
    ASSERT_NE(db, nullptr);
    auto created = SqliteJobStore(*db).Create({"crashy", {}, Numbered(kItems)});
    ASSERT_TRUE(created.ok());
    id = *created;
  }  // no connection is open across the fork
  const pid_t child = ForkRunner(db_file, id, FastOptions(kWorkers), [&](JobItemContext& ctx) {
    std::this_thread::sleep_for(10ms);
    AppendLine(child_log, ctx.item);  // the work's side effect, before the outcome is committed
    // item-15 has done its work but hangs before returning: it is surely in flight at the kill.
    if (ctx.item == "item-15") std::this_thread::sleep_for(30s);
    return Status::Ok();
  });
  ASSERT_GT(child, 0);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto has_line = [&](const std::string& item) {
    const std::vector<std::string> lines = ReadLines(child_log);
    return std::find(lines.begin(), lines.end(), item) != lines.end();
  };
  while (!has_line("item-15") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // the other worker goes on meanwhile
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL) << "child ended on its own";

  auto db = OpenOrDie(db_file);
  ASSERT_NE(db, nullptr);
  SqliteJobStore store(*db);
  JobView killed = *store.Get(id);
  EXPECT_EQ(killed.status, JobStatus::kRunning);  // as the dead process left it
  EXPECT_GE(killed.done, 10);
  EXPECT_LT(killed.done, kItems);
  const std::vector<std::string> before = ReadLines(child_log);

  JobRunner runner(*db, FastOptions(kWorkers));
  ASSERT_TRUE(runner
                  .Register("crashy",
                            [&](JobItemContext& ctx) {
                              AppendLine(parent_log, ctx.item);
                              return Status::Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start().ok());
  JobView job = WaitForEnd(store, id);
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  EXPECT_EQ(job.done, kItems);  // each item recorded exactly once
  EXPECT_EQ(job.failed_items, 0);
  EXPECT_EQ(job.recoveries, 1);
  auto items = store.Items(id, 0, kItems);
  ASSERT_TRUE(items.ok());
  for (const JobItemView& item : *items) EXPECT_EQ(item.state, "done") << item.item;

  // Every item ran to completion at least once; only items in flight at the kill ran twice.
  std::multiset<std::string> all(before.begin(), before.end());
  const std::vector<std::string> after = ReadLines(parent_log);
  all.insert(after.begin(), after.end());
  int repeated = 0;
  for (const std::string& item : Numbered(kItems)) {
    EXPECT_GE(all.count(item), 1u) << item;
    repeated += static_cast<int>(all.count(item)) - 1;
  }
  EXPECT_GE(all.count("item-15"), 2u);  // at-least-once: its outcome was lost with the process
  EXPECT_LE(repeated, kWorkers);
  EXPECT_EQ(static_cast<std::int64_t>(after.size()), kItems - killed.done);  // done items are skipped
}

TEST(JobRunnerCrashTest, AJobThatKeepsCrashingItsProcessEndsFailedWithAReason) {
  testing::TempDir dir;
  const auto db_file = dir.path() / "iris.db";
  std::string id;
  {
    auto db = OpenOrDie(db_file);
    ASSERT_NE(db, nullptr);
    auto created = SqliteJobStore(*db).Create({"crashy", {}, {"ok-1", "poison", "ok-2", "ok-3"}});
    ASSERT_TRUE(created.ok());
    id = *created;
  }
  JobRunnerOptions options = FastOptions(1);
  options.max_recoveries = 2;
  int killed = 0, finished = 0;
  for (int run = 0; run < 6 && finished == 0; ++run) {
    const pid_t child = ForkRunner(db_file, id, options, [](JobItemContext& ctx) {
      if (ctx.item == "poison") ::raise(SIGKILL);  // a crash in the middle of the item
      return Status::Ok();
    });
    ASSERT_GT(child, 0);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL) ++killed;
    if (WIFEXITED(wait_status)) {
      ASSERT_EQ(WEXITSTATUS(wait_status), 0) << "child runner failed";
      ++finished;
    }
  }
  EXPECT_EQ(killed, 3);  // the first crash and two recoveries; the third recovery gives up
  EXPECT_EQ(finished, 1);

  auto db = OpenOrDie(db_file);
  ASSERT_NE(db, nullptr);
  JobView job = *SqliteJobStore(*db).Get(id);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_EQ(job.recoveries, 3);
  EXPECT_NE(job.error.find("stopped 3 times"), std::string::npos) << job.error;
  EXPECT_EQ(job.done, 3);  // the other items were done meanwhile
  EXPECT_EQ(job.result["not_run"], 1);
}

}  // namespace
}  // namespace iris
