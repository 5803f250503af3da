// JobStore: the persistent queue of background jobs, as an interface with two implementations:
//   SqliteJobStore   (sqlite_job_store.h)   iris.db in the data dir: the embedded default, one process
//   PostgresJobStore (postgres_job_store.h) a PostgreSQL database shared by several `iris serve`
//                                           processes (storage.database_url; docs/scale-out.md)
// Both keep the same model and answer alike (jobs/job_store_contract_test.cc runs one suite on both).
// JobRunner (job_runner.h) does the work; the HTTP layer only needs Create, Get, Items and
// RequestCancel.
//
// Model. A job is a kind (which handler runs it), JSON params and an ordered list of items (strings
// the handler understands: a path, an image id, ...), all written by Create in one transaction.
// Every item has its own row and state, so work is claimed, retried and recorded per item:
//   item:  pending --claim--> running --> done | failed           (final)
//                                      --> pending                 (transient error: retry after a
//                                                                   backoff; or released at shutdown
//                                                                   or taken back from a dead process)
//   job:   queued --first claim--> running --> succeeded | failed | cancelled
//                                          --> queued (every in-flight item given back: shutdown or
//                                                      recovery after a crash)
// A job ends when no item is pending or running: "succeeded" when at least one item is done (the
// failed ones are listed in errors[]) or it has no items, "failed" when every item failed. It also
// ends "failed" with a reason when processes died while working on it more than max_recoveries
// times (a crash loop), and "cancelled" once a cancel was asked and no item of it is in flight.
// progress.done counts finished items (done + failed), progress.total all items.
//
// Delivery is at-least-once per item: a handler may run again for an item whose process died
// before its outcome was committed, but an item's outcome is recorded once (claims and outcomes are
// guarded by the owning runner id and the item's state, inside one transaction each). With several
// processes on one PostgreSQL database, a pending item is claimed by exactly one of them.
//
// Runners: each JobRunner has a row in job_runners with a heartbeat (unix ms). An item in state
// running names its owner. RecoverDeadRunners takes back the items of runners whose heartbeat is
// older than the lease (or that have no row) and counts a recovery on each job it touches.
// Times passed as now_ms are unix milliseconds (the runner's clock; tests pass their own).
//
// Errors: kNotFound for an unknown task_id, kFailedPrecondition for cancelling a finished job,
// kInvalidArgument for an empty kind or params nested deeper than kMaxJsonDepth (core/json_limits.h);
// kResourceExhausted / kUnprocessable for a job beyond the pending-items bound of Create; SQLite
// errors as the backend maps them (kUnavailable for a database that cannot be reached). Stored JSON that reads back
// nested deeper than kMaxStoredJsonDepth (written by something else) reads as {} (params) or null (results).
// Thread-safety: all methods of both implementations are safe from any thread (each is one
// transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
std::string_view JobStatusName(JobStatus status);
bool IsFinal(JobStatus status);

struct JobItemError {
  std::string item;
  std::string message;
  int attempts = 0;
};

struct JobView {
  std::string task_id;
  std::string kind;
  nlohmann::json params;
  JobStatus status = JobStatus::kQueued;
  std::int64_t done = 0;          // items finished: succeeded + failed
  std::int64_t total = 0;         // items in the job
  std::int64_t failed_items = 0;  // items that failed for good (errors lists the first max_errors)
  std::vector<JobItemError> errors;
  bool cancel_requested = false;
  int recoveries = 0;
  std::string error;                                // why the job failed or was cancelled; "" otherwise
  std::string created_at, started_at, finished_at;  // ISO-8601 UTC; "" when not yet
  nlohmann::json result;                            // null until the job ends

  // {"task_id", "kind", "status", "progress": {"done", "total"}, "errors": [{"item", "message",
  // "attempts"}], "failed_items", "error", "created_at", "started_at", "finished_at", "result"}
  // (times and error null when empty). params are left out: they may be large.
  nlohmann::json ToJson() const;
};

struct JobItemView {
  std::int64_t index = 0;
  std::string item;
  std::string state;  // pending | running | done | failed
  int attempts = 0;
  std::string error;
  nlohmann::json result;  // what the handler returned for a done item; null otherwise
};

struct NewJob {
  std::string kind;
  nlohmann::json params = nlohmann::json::object();
  std::vector<std::string> items;
};

// An item handed to one runner by ClaimNextItem.
struct ClaimedItem {
  std::string task_id;
  std::string kind;
  nlohmann::json params;
  std::int64_t index = 0;
  std::string item;
  int attempt = 1;  // 1 for the first try
};

// What became of a claimed item.
struct ItemOutcome {
  enum class Kind {
    kDone,      // succeeded; result is kept
    kFailed,    // failed for good; message goes to errors[]
    kRetry,     // transient failure: pending again, claimable from retry_at_ms
    kReleased,  // not attempted after all (shutdown): pending again, the attempt is not counted
  };
  Kind kind = Kind::kDone;
  std::string message;
  nlohmann::json result;
  std::int64_t retry_at_ms = 0;
};

// A live subscription to other processes' new work (JobStore::SubscribeToNewWork); destroying it
// stops the calls.
class WorkSubscription {
 public:
  virtual ~WorkSubscription() = default;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Queues a job and returns its task_id (a random UUIDv4). A job without items is created
  // already succeeded. max_pending_items > 0 bounds the unfinished items (pending or running) over
  // all queued and running jobs, this one included, checked in the creating transaction: a job with
  // more items than the bound is kUnprocessable (it could never be queued), one that does not fit
  // next to the jobs already queued is kResourceExhausted (retry when they drain). 0: no bound.
  virtual Result<std::string> Create(const NewJob& job, std::int64_t max_pending_items = 0) = 0;
  // Records work that was done at once (synchronously) as a job that already succeeded, so a
  // client of an API that answers with task ids can still look it up: every item is done and
  // `result` is the job's result.
  virtual Result<std::string> RecordFinished(const NewJob& job, const nlohmann::json& result) = 0;
  // The job with its first max_errors item errors (in item order).
  virtual Result<JobView> Get(const std::string& task_id, int max_errors = 100) = 0;
  // Items [offset, offset + limit) in order.
  virtual Result<std::vector<JobItemView>> Items(const std::string& task_id, std::int64_t offset,
                                                 std::int64_t limit) = 0;
  // The most recently created jobs first, without their errors.
  virtual Result<std::vector<JobView>> List(int limit) = 0;
  // Number of jobs per status name (every status present, 0 when none) and of pending items over
  // queued and running jobs (the backlog), for metrics.
  struct Counts {
    std::map<std::string, std::int64_t> jobs;
    std::int64_t pending_items = 0;
  };
  virtual Result<Counts> Count() = 0;
  // Deletes the jobs that ended (succeeded, failed, cancelled) more than older_than_s seconds ago,
  // with their items. Queued and running jobs are never touched. Returns how many were deleted.
  virtual Result<std::int64_t> PurgeFinished(double older_than_s) = 0;
  // Asks a job to stop: a queued job (or one with nothing in flight) is cancelled at once; a
  // running one stops claiming items and becomes cancelled when its in-flight items end. Pending
  // items stay pending (progress shows how far it got). Returns the job afterwards. Cancelling a
  // cancelled job is a no-op; a succeeded or failed one is kFailedPrecondition.
  virtual Result<JobView> RequestCancel(const std::string& task_id) = 0;
  // True when a cancel was asked (or the job no longer exists).
  virtual Result<bool> CancelRequested(const std::string& task_id) = 0;

  // --- for JobRunner ---
  // Calls on_new_work, from another thread, soon after another process made items claimable (created
  // or appended to a job, gave items back): a wake-up so workers need not wait for their next poll.
  // nullptr when the backend has none (SQLite: one process, whose Submit wakes its own workers).
  virtual std::unique_ptr<WorkSubscription> SubscribeToNewWork(std::function<void()> on_new_work) {
    (void)on_new_work;
    return nullptr;
  }
  virtual Status RegisterRunner(const std::string& runner_id, std::int64_t now_ms) = 0;
  virtual Status Heartbeat(const std::string& runner_id, std::int64_t now_ms) = 0;
  // Claims the first claimable item: of a queued or running job of one of `kinds` without a cancel
  // request (oldest job first), pending and due (next_attempt_at <= now_ms). Marks it running,
  // owned by runner_id, counts the attempt, and moves its job to running. nullopt when none.
  virtual Result<std::optional<ClaimedItem>> ClaimNextItem(const std::string& runner_id,
                                                           const std::vector<std::string>& kinds,
                                                           std::int64_t now_ms) = 0;
  // The earliest next_attempt_at of a pending item claimable but for its backoff; nullopt when none.
  virtual Result<std::optional<std::int64_t>> NextRetryAt(const std::vector<std::string>& kinds) = 0;
  // For a job that discovers its work as it goes (e.g. pages of a product list): appends `items`
  // (pending) after the job's last item, on behalf of the running item `from`, and adds them to
  // total. Only once per appending item: a repeat (the item is run again after a crash) appends
  // nothing and returns false. kFailedPrecondition unless `from` is running under runner_id.
  virtual Result<bool> AppendItems(const std::string& runner_id, const ClaimedItem& from,
                                   const std::vector<std::string>& items) = 0;
  // Records an outcome and ends the job when nothing of it is left pending or running. Ignored
  // (returns false) when the item is no longer running under runner_id: it was taken back from a
  // runner presumed dead and will be (or was) processed again.
  virtual Result<bool> Complete(const std::string& runner_id, const ClaimedItem& item, const ItemOutcome& outcome) = 0;
  // Graceful stop: gives back runner_id's running items (attempt not counted), puts its jobs with
  // nothing else in flight back to queued (cancelled if a cancel was asked) and removes its row.
  virtual Status ReleaseRunner(const std::string& runner_id) = 0;
  // Takes back the running items whose owner is not a live runner (no row, or a heartbeat older
  // than now_ms - lease_ms; never self_id) and removes the stale rows. Each job touched counts one
  // recovery; past max_recoveries it ends failed with a reason, otherwise it is queued again
  // (cancelled if a cancel was asked). Returns the number of items taken back.
  virtual Result<int> RecoverDeadRunners(const std::string& self_id, std::int64_t now_ms, std::int64_t lease_ms,
                                         int max_recoveries) = 0;
};

// A random UUIDv4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex).
std::string NewTaskId();

}  // namespace iris
