#include "jobs/job_runner.h"

#include <algorithm>
#include <exception>

#include "core/logging.h"
#include "jobs/sqlite_job_store.h"

namespace iris {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool IsTransientJobError(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded ||
         status.code() == StatusCode::kResourceExhausted || status.code() == StatusCode::kStorageFull;
}

JobRunner::JobRunner(Database& db, JobRunnerOptions options)
    : JobRunner(std::make_unique<SqliteJobStore>(db), std::move(options)) {}

JobRunner::JobRunner(std::unique_ptr<JobStore> store, JobRunnerOptions options)
    : store_owner_(std::move(store)),
      store_(*store_owner_),
      options_(std::move(options)),
      runner_id_(NewTaskId()),
      rng_(std::random_device{}()) {}

JobRunner::~JobRunner() { Shutdown(); }

Status JobRunner::Register(const std::string& kind, JobItemHandler handler) {
  if (started_) return FailedPrecondition("register job handlers before Start");
  if (kind.empty() || !handler) return InvalidArgument("a job handler needs a kind and a function");
  if (!handlers_.emplace(kind, std::move(handler)).second) {
    return AlreadyExists("a handler for job kind '" + kind + "' is already registered");
  }
  kinds_.push_back(kind);
  return Status::Ok();
}

Status JobRunner::Start() {
  if (started_) return FailedPrecondition("JobRunner already started");
  IRIS_RETURN_IF_ERROR(store_.RegisterRunner(runner_id_, NowMs()));
  auto recovered = store_.RecoverDeadRunners(runner_id_, NowMs(), options_.lease.count(), options_.max_recoveries);
  if (!recovered.ok()) return recovered.status();
  if (*recovered > 0) LogInfo("jobs.recovered_items", {{"items", *recovered}});
  Purge();
  started_ = true;
  stopping_ = false;
  const int workers = std::max(1, options_.workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  subscription_ = store_.SubscribeToNewWork([this] { Wake(); });
  return Status::Ok();
}

Result<std::string> JobRunner::Submit(const NewJob& job) {
  IRIS_ASSIGN_OR_RETURN(std::string task_id, store_.Create(job, options_.max_pending_items));
  Wake();
  return task_id;
}

void JobRunner::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

void JobRunner::Shutdown() {
  if (!started_) return;
  subscription_.reset();  // no more wake-ups from other processes
  stopping_ = true;
  Wake();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  heartbeat_.join();
  Status released = store_.ReleaseRunner(runner_id_);
  if (!released.ok()) LogWarn("jobs.release_failed", {{"error", released.ToString()}});
  started_ = false;
}

void JobRunner::WaitForWork(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  const std::uint64_t generation = wake_generation_;
  wake_.wait_for(lock, max_wait, [&] { return stopping_ || wake_generation_ != generation; });
}

void JobRunner::WorkerLoop() {
  bool claims_failing = false;  // log a database outage once per worker, not twice a second
  while (!stopping_) {
    auto claimed = store_.ClaimNextItem(runner_id_, kinds_, NowMs());
    if (!claimed.ok()) {
      if (!claims_failing) LogWarn("jobs.claim_failed", {{"error", claimed.status().ToString()}});
      claims_failing = true;
      WaitForWork(options_.poll_interval);
      continue;
    }
    if (claims_failing) LogInfo("jobs.claims_resumed");
    claims_failing = false;
    if (*claimed) {
      Process(**claimed);
      continue;
    }
    std::chrono::milliseconds wait = options_.poll_interval;
    auto next = store_.NextRetryAt(kinds_);
    if (next.ok() && *next) {
      wait = std::clamp(std::chrono::milliseconds(**next - NowMs()), std::chrono::milliseconds(1), wait);
    }
    WaitForWork(wait);
  }
}

void JobRunner::Purge() {
  if (options_.retention.count() <= 0) return;
  auto purged = store_.PurgeFinished(static_cast<double>(options_.retention.count()));
  if (!purged.ok()) {
    LogWarn("jobs.purge_failed", {{"error", purged.status().ToString()}});
  } else if (*purged > 0) {
    LogInfo("jobs.purged", {{"jobs", *purged}, {"retention_s", options_.retention.count()}});
  }
}

void JobRunner::HeartbeatLoop() {
  auto last_purge = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() - last_purge > std::chrono::hours(1)) {
      Purge();
      last_purge = std::chrono::steady_clock::now();
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, options_.heartbeat_interval, [&] { return stopping_.load(); });
    }
    if (stopping_) break;
    Status beat = store_.Heartbeat(runner_id_, NowMs());
    if (!beat.ok()) LogWarn("jobs.heartbeat_failed", {{"error", beat.ToString()}});
    auto recovered = store_.RecoverDeadRunners(runner_id_, NowMs(), options_.lease.count(), options_.max_recoveries);
    if (!recovered.ok()) {
      LogWarn("jobs.recovery_failed", {{"error", recovered.status().ToString()}});
    } else if (*recovered > 0) {
      LogInfo("jobs.recovered_items", {{"items", *recovered}});
      Wake();
    }
  }
}

std::chrono::milliseconds JobRunner::Backoff(int attempt) {
  const double initial = static_cast<double>(options_.backoff_initial.count());
  const double cap = static_cast<double>(options_.backoff_max.count());
  const double d = std::min(cap, initial * static_cast<double>(1ULL << std::clamp(attempt - 1, 0, 30)));
  std::lock_guard<std::mutex> lock(mutex_);
  std::uniform_real_distribution<double> jitter(d / 2, d);
  return std::chrono::milliseconds(static_cast<std::int64_t>(jitter(rng_)));
}

void JobRunner::Process(const ClaimedItem& claimed) {
  JobItemContext context;
  context.task_id = claimed.task_id;
  context.kind = claimed.kind;
  context.params = claimed.params;
  context.item = claimed.item;
  context.index = claimed.index;
  context.attempt = claimed.attempt;
  context.stop_ = [this, &claimed] {
    if (stopping_) return true;
    auto cancel = store_.CancelRequested(claimed.task_id);
    return !cancel.ok() || *cancel;
  };
  context.append_ = [this, &claimed](const std::vector<std::string>& items) -> Status {
    IRIS_ASSIGN_OR_RETURN(bool appended, store_.AppendItems(runner_id_, claimed, items));
    if (appended) Wake();
    return Status::Ok();
  };

  Status status;
  try {
    status = handlers_.at(claimed.kind)(context);
  } catch (const std::exception& e) {
    status = Internal(std::string("job handler threw: ") + e.what());
  } catch (...) {
    status = Internal("job handler threw a non-standard exception");
  }

  ItemOutcome outcome;
  if (status.ok()) {
    outcome.kind = ItemOutcome::Kind::kDone;
    outcome.result = std::move(context.result);
  } else if (stopping_) {
    outcome.kind = ItemOutcome::Kind::kReleased;
  } else if (IsTransientJobError(status) && claimed.attempt < options_.max_attempts) {
    outcome.kind = ItemOutcome::Kind::kRetry;
    outcome.message = status.ToString();
    outcome.retry_at_ms = NowMs() + Backoff(claimed.attempt).count();
  } else {
    outcome.kind = ItemOutcome::Kind::kFailed;
    outcome.message = status.ToString();
  }
  auto recorded = store_.Complete(runner_id_, claimed, outcome);
  if (!recorded.ok()) {
    // The item stays running under this runner until Shutdown gives it back (or a restart
    // recovers it); its outcome is lost, so it will run again.
    LogError("jobs.record_failed",
             {{"task_id", claimed.task_id}, {"item", claimed.item}, {"error", recorded.status().ToString()}});
  } else if (!*recorded) {
    LogWarn("jobs.outcome_ignored", {{"task_id", claimed.task_id},
                                     {"item", claimed.item},
                                     {"reason", "the item was taken back from this runner (lease expired)"}});
  }
  if (outcome.kind == ItemOutcome::Kind::kRetry) Wake();  // idle workers recompute their wait
}

}  // namespace iris
