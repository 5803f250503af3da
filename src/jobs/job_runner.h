// JobRunner: runs the items of queued jobs (job_store.h) on a fixed number of worker threads.
//
// Handlers are registered per job kind and called once per item (not once per job): the runner
// claims items one at a time from the store (oldest job first), so progress, retries, cancellation
// and crash recovery all work per item, and the items of one job spread over all the workers. At
// most options.workers handler calls run at once in this runner, over all jobs together.
//
// Outcome of a handler call:
//   * OK: the item is done; JobItemContext::result (JSON, may stay null) is stored with it.
//   * a transient error (IsTransientJobError: kUnavailable, kDeadlineExceeded, kResourceExhausted,
//     kStorageFull)
//     before max_attempts: the item goes back to pending and is claimable again after an
//     exponential backoff with jitter, uniform in [d/2, d] with d = min(backoff_max,
//     backoff_initial * 2^(attempt-1)). The worker does not sleep on it; it takes other work.
//   * any other error, a transient one on the last attempt, or an exception: the item failed for
//     good; "<Code>: <message>" goes to the job's errors[] and the job goes on with other items.
// A job ends succeeded when at least one item is done (failed items listed in errors[]), failed
// when every item failed, cancelled after RequestCancel (checked before every claim; a handler can
// poll JobItemContext::stop_requested() to stop early).
//
// Shutdown(): stops claiming, asks running handlers to stop (stop_requested() turns true), waits
// for them, and gives their jobs back as queued for the next start. An item whose handler returns
// an error while the runner is stopping is given back unattempted; one that returns OK is done.
// There is no hard deadline: a thread cannot be killed, so long handlers must poll stop_requested.
//
// Crashes: a heartbeat thread refreshes this runner's row every heartbeat_interval and takes back
// the in-flight items of runners silent for longer than `lease` (JobStore::RecoverDeadRunners),
// also once at Start(). Those items run again (at-least-once: a handler must tolerate a repeat for
// an item whose process died after doing the work but before the outcome was committed); items
// already recorded are never run again. A job whose runner died more than max_recoveries times
// ends failed with the reason.
//
// Other processes: on a shared store (PostgresJobStore) a job created, or items given back, by another
// process wakes the idle workers at once (JobStore::SubscribeToNewWork); poll_interval stays the
// fallback.
//
// Thread-safety: Register before Start; Submit, Wake, store() from any thread; Start and Shutdown
// from one owning thread. The Database (or the store's database) must outlive the runner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "jobs/job_store.h"
#include "store/database.h"

namespace iris {

struct JobRunnerOptions {
  int workers = 2;       // handler calls at once, at least 1
  int max_attempts = 5;  // per item, counting the first
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds poll_interval{500};  // idle workers look for new work this often
  std::chrono::milliseconds heartbeat_interval{2000};
  std::chrono::milliseconds lease{15000};  // a runner silent this long is presumed dead
  int max_recoveries = 3;                  // crashes tolerated per job before it is failed
  // Submit refuses a job that would bring the unfinished items of all queued and running jobs past
  // this (JobStore::Create); 0: no bound.
  std::int64_t max_pending_items = 0;
  // Ended jobs older than this are deleted (at Start, then hourly); zero keeps them forever.
  std::chrono::seconds retention{30 * 24 * 3600};
};

struct JobItemContext {
  std::string task_id;
  std::string kind;
  nlohmann::json params;  // the job's
  std::string item;
  std::int64_t index = 0;  // position in the job, 0-based
  int attempt = 1;         // 1 on the first try
  nlohmann::json result;   // set by the handler; stored with a done item

  // True once the job was asked to cancel or the runner is shutting down. Costs one database read.
  bool stop_requested() const { return stop_ ? stop_() : false; }
  // Adds more items to this job (JobStore::AppendItems): for jobs that discover their work as they
  // go. Appends only the first time this item runs; on a repeat after a crash it does nothing.
  // Idle workers are woken.
  Status AppendItems(const std::vector<std::string>& items) const { return append_ ? append_(items) : Status::Ok(); }

  std::function<bool()> stop_;
  std::function<Status(const std::vector<std::string>&)> append_;
};

using JobItemHandler = std::function<Status(JobItemContext&)>;

// kUnavailable, kDeadlineExceeded and kResourceExhausted: worth another attempt later.
bool IsTransientJobError(const Status& status);

class JobRunner {
 public:
  // On iris.db (SqliteJobStore), the embedded default.
  explicit JobRunner(Database& db, JobRunnerOptions options = {});
  // On any store, e.g. a PostgresJobStore shared with other processes.
  explicit JobRunner(std::unique_ptr<JobStore> store, JobRunnerOptions options = {});
  ~JobRunner();  // Shutdown()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Before Start. kInvalidArgument for an empty kind or handler, kAlreadyExists for a second one.
  Status Register(const std::string& kind, JobItemHandler handler);
  // Registers this runner, recovers dead runners' items and starts the threads. Jobs of kinds
  // without a handler are left queued (another process may handle them).
  Status Start();
  // Creates the job (JobStore::Create) and wakes idle workers.
  Result<std::string> Submit(const NewJob& job);
  // Wakes idle workers to look for work now (e.g. after another JobStore created a job).
  void Wake();
  void Shutdown();

  JobStore& store() { return store_; }
  const std::string& runner_id() const { return runner_id_; }

 private:
  void WorkerLoop();
  void HeartbeatLoop();
  void Purge();
  void Process(const ClaimedItem& claimed);
  std::chrono::milliseconds Backoff(int attempt);
  void WaitForWork(std::chrono::milliseconds max_wait);

  std::unique_ptr<JobStore> store_owner_;
  JobStore& store_;
  const JobRunnerOptions options_;
  const std::string runner_id_;
  std::map<std::string, JobItemHandler> handlers_;
  std::vector<std::string> kinds_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wake_generation_ = 0;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::mt19937_64 rng_;  // guarded by mutex_
  std::vector<std::thread> workers_;
  std::thread heartbeat_;
  std::unique_ptr<WorkSubscription> subscription_;  // other processes' new work wakes the workers
};

}  // namespace iris
