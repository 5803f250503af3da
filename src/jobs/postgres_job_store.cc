#include "jobs/postgres_job_store.h"

#include <unistd.h>

#include <algorithm>

#include "jobs/job_rows.h"
#include "store/postgres_listener.h"

namespace iris {
namespace {

std::string Int(std::int64_t v) { return std::to_string(v); }

// "$first, $first+1, ..." for n parameters.
std::string Placeholders(std::size_t first, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i == 0 ? "$" : ", $") + std::to_string(first + i);
  return out;
}

constexpr char kJobColumns[] =
    "task_id, kind, params, status, total, done_count, failed_count, cancel_requested::int, recoveries, "
    "COALESCE(error, ''), COALESCE(result, ''), created_at, COALESCE(started_at, ''), COALESCE(finished_at, '')";

Result<JobView> JobFromRow(const PgResult& r, int row) {
  JobView job;
  job.task_id = r.Text(row, 0);
  job.kind = r.Text(row, 1);
  job.params = ParseStoredJsonOr(r.Text(row, 2), nlohmann::json::object());
  IRIS_ASSIGN_OR_RETURN(job.status, ParseJobStatus(r.Text(row, 3)));
  job.total = r.Int64(row, 4);
  job.failed_items = r.Int64(row, 6);
  job.done = r.Int64(row, 5) + job.failed_items;
  job.cancel_requested = r.Int64(row, 7) != 0;
  job.recoveries = static_cast<int>(r.Int64(row, 8));
  job.error = r.Text(row, 9);
  job.result = ParseStoredJsonOr(r.Text(row, 10), nullptr);
  job.created_at = r.Text(row, 11);
  job.started_at = r.Text(row, 12);
  job.finished_at = r.Text(row, 13);
  return job;
}

Result<JobView> LoadJob(PgConnection& c, const std::string& task_id) {
  IRIS_ASSIGN_OR_RETURN(PgResult r,
                        c.Exec(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE task_id = $1", {task_id}));
  if (r.rows() == 0) return NotFound("no task '" + task_id + "'");
  return JobFromRow(r, 0);
}

// Ends the job when nothing of it is in flight and either a cancel was asked or nothing is left
// pending; otherwise, when requeue is set and nothing is in flight, puts it back to queued. Locks
// the job row first (see the header: items before job, always), so concurrent settlers of one job
// run one after the other and the last sees every committed outcome.
Status SettleJob(PgConnection& c, const std::string& task_id, bool requeue) {
  IRIS_ASSIGN_OR_RETURN(PgResult job,
                        c.Exec("SELECT status, cancel_requested::int, total, done_count, failed_count FROM jobs "
                               "WHERE task_id = $1 FOR UPDATE",
                               {task_id}));
  if (job.rows() == 0) return Status::Ok();
  IRIS_ASSIGN_OR_RETURN(JobStatus status, ParseJobStatus(job.Text(0, 0)));
  if (IsFinal(status)) return Status::Ok();
  IRIS_ASSIGN_OR_RETURN(PgResult flight,
                        c.Exec("SELECT EXISTS (SELECT 1 FROM job_items WHERE task_id = $1 AND state = 'running')::int, "
                               "EXISTS (SELECT 1 FROM job_items WHERE task_id = $1 AND state = 'pending')::int",
                               {task_id}));
  const bool cancel = job.Int64(0, 1) != 0;
  const std::int64_t total = job.Int64(0, 2), succeeded = job.Int64(0, 3), failed = job.Int64(0, 4);
  if (flight.Int64(0, 0) != 0) return Status::Ok();
  const bool pending = flight.Int64(0, 1) != 0;
  const nlohmann::json summary = {
      {"succeeded", succeeded}, {"failed", failed}, {"not_run", total - succeeded - failed}};
  std::string final_status, error;
  if (cancel) {
    final_status = "cancelled";
    error = "cancelled by request";
  } else if (!pending) {
    final_status = succeeded > 0 || total == 0 ? "succeeded" : "failed";
    if (final_status == "failed") error = "all " + std::to_string(total) + " items failed";
  } else {
    if (requeue) return c.Exec("UPDATE jobs SET status = 'queued' WHERE task_id = $1", {task_id}).status();
    return Status::Ok();
  }
  return c
      .Exec(std::string("UPDATE jobs SET status = $1, error = NULLIF($2, ''), result = $3, finished_at_ts = now(), "
                        "finished_at = ") +
                kPgNowIsoText + " WHERE task_id = $4",
            {final_status, error, DumpJobJson(summary), task_id})
      .status();
}

// Whether the claimed item is still running under runner_id; locks its row when it is.
Result<bool> RunningUnder(PgConnection& c, const std::string& runner_id, const ClaimedItem& item) {
  IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT 1 FROM job_items WHERE task_id = $1 AND seq = $2 AND "
                                           "state = 'running' AND owner = $3 FOR UPDATE",
                                           {item.task_id, Int(item.index), runner_id}));
  return r.rows() > 0;
}

// Inserts items as rows first_seq, first_seq + 1, ... in one statement (unnest of two arrays).
Status InsertItems(PgConnection& c, const std::string& task_id, std::int64_t first_seq,
                   const std::vector<std::string>& items, bool done) {
  if (items.empty()) return Status::Ok();
  // Items go as one JSON array parameter: no quoting rules of array literals to get wrong.
  const std::string json_items = DumpJobJson(nlohmann::json(items));
  const std::string sql = std::string(
                              "INSERT INTO job_items(task_id, seq, item, state, attempts) "
                              "SELECT $1, $2::bigint + ord - 1, value, ") +
                          (done ? "'done', 1" : "'pending', 0") +
                          " FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY AS t(value, ord)";
  return c.Exec(sql, {task_id, Int(first_seq), json_items}).status();
}

// Wakes the idle workers of every process (SubscribeToNewWork); delivered when the transaction commits.
Status NotifyNewWork(PgConnection& c) { return c.Exec("SELECT pg_notify('iris_jobs', '')").status(); }

class ListenerSubscription final : public WorkSubscription {
 public:
  ListenerSubscription(const std::string& url, std::function<void()> on_new_work)
      : listener_(url, "iris_jobs", std::move(on_new_work)) {}

 private:
  PgListener listener_;
};

constexpr char kUnfinishedItemsSql[] =
    "SELECT COALESCE(SUM(total - done_count - failed_count), 0) FROM jobs WHERE status IN ('queued', 'running')";

}  // namespace

Result<std::string> PostgresJobStore::Create(const NewJob& job, std::int64_t max_pending_items) {
  IRIS_RETURN_IF_ERROR(ValidateNewJob(job, max_pending_items));
  const auto items = static_cast<std::int64_t>(job.items.size());
  const std::string task_id = NewTaskId();
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    if (max_pending_items > 0 && items > 0) {
      // One creator at a time checks the bound ("jobs" in ASCII as the lock key).
      IRIS_RETURN_IF_ERROR(c.Exec("SELECT pg_advisory_xact_lock(1785684595)").status());
      IRIS_ASSIGN_OR_RETURN(PgResult unfinished, c.Exec(kUnfinishedItemsSql));
      if (unfinished.Int64(0, 0) + items > max_pending_items) {
        return QueueFullError(unfinished.Int64(0, 0), items, max_pending_items);
      }
    }
    IRIS_RETURN_IF_ERROR(c.Exec(std::string("INSERT INTO jobs(task_id, kind, params, status, total, created_at) "
                                            "VALUES ($1, $2, $3, 'queued', $4, ") +
                                    kPgNowIsoText + ")",
                                {task_id, job.kind, DumpJobJson(job.params), Int(items)})
                             .status());
    IRIS_RETURN_IF_ERROR(InsertItems(c, task_id, 0, job.items, /*done=*/false));
    return job.items.empty() ? SettleJob(c, task_id, false) : NotifyNewWork(c);
  }));
  return task_id;
}

Result<std::string> PostgresJobStore::RecordFinished(const NewJob& job, const nlohmann::json& result) {
  IRIS_RETURN_IF_ERROR(ValidateNewJob(job, 0));
  const std::string task_id = NewTaskId();
  const auto total = static_cast<std::int64_t>(job.items.size());
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(
        c.Exec(std::string("INSERT INTO jobs(task_id, kind, params, status, total, done_count, result, created_at, "
                           "started_at, finished_at, finished_at_ts) VALUES ($1, $2, $3, 'succeeded', $4, $4, $5, ") +
                   kPgNowIsoText + ", " + kPgNowIsoText + ", " + kPgNowIsoText + ", now())",
               {task_id, job.kind, DumpJobJson(job.params), Int(total), DumpJobJson(result)})
            .status());
    return InsertItems(c, task_id, 0, job.items, /*done=*/true);
  }));
  return task_id;
}

Result<bool> PostgresJobStore::AppendItems(const std::string& runner_id, const ClaimedItem& from,
                                           const std::vector<std::string>& items) {
  bool appended = false;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    appended = false;
    IRIS_ASSIGN_OR_RETURN(bool owned, RunningUnder(c, runner_id, from));
    if (!owned) {
      return FailedPrecondition("item " + std::to_string(from.index) + " of job " + from.task_id +
                                " is not running here: it cannot append items");
    }
    // The job row lock orders appenders of one job (seq numbers stay dense and unique).
    IRIS_ASSIGN_OR_RETURN(PgResult locked,
                          c.Exec("SELECT total FROM jobs WHERE task_id = $1 FOR UPDATE", {from.task_id}));
    IRIS_ASSIGN_OR_RETURN(PgResult before, c.Exec("SELECT 1 FROM job_expansions WHERE task_id = $1 AND seq = $2",
                                                  {from.task_id, Int(from.index)}));
    if (before.rows() > 0) return Status::Ok();
    IRIS_ASSIGN_OR_RETURN(PgResult next,
                          c.Exec("SELECT COALESCE(MAX(seq) + 1, 0) FROM job_items WHERE task_id = $1", {from.task_id}));
    IRIS_RETURN_IF_ERROR(InsertItems(c, from.task_id, next.Int64(0, 0), items, /*done=*/false));
    const std::string count = Int(static_cast<std::int64_t>(items.size()));
    IRIS_RETURN_IF_ERROR(c.Exec("INSERT INTO job_expansions(task_id, seq, appended) VALUES ($1, $2, $3)",
                                {from.task_id, Int(from.index), count})
                             .status());
    IRIS_RETURN_IF_ERROR(
        c.Exec("UPDATE jobs SET total = total + $1 WHERE task_id = $2", {count, from.task_id}).status());
    appended = true;
    return NotifyNewWork(c);
  }));
  return appended;
}

Result<JobView> PostgresJobStore::Get(const std::string& task_id, int max_errors) {
  JobView job;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(job, LoadJob(c, task_id));
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT item, COALESCE(error, ''), attempts FROM job_items "
                                             "WHERE task_id = $1 AND state = 'failed' ORDER BY seq LIMIT $2",
                                             {task_id, Int(std::max(0, max_errors))}));
    for (int i = 0; i < r.rows(); ++i) {
      job.errors.push_back({r.Text(i, 0), r.Text(i, 1), static_cast<int>(r.Int64(i, 2))});
    }
    return Status::Ok();
  }));
  return job;
}

Result<std::vector<JobItemView>> PostgresJobStore::Items(const std::string& task_id, std::int64_t offset,
                                                         std::int64_t limit) {
  std::vector<JobItemView> items;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    items.clear();
    IRIS_RETURN_IF_ERROR(LoadJob(c, task_id).status());
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT seq, item, state, attempts, COALESCE(error, ''), "
                                             "COALESCE(result, '') FROM job_items WHERE task_id = $1 AND seq >= $2 "
                                             "ORDER BY seq LIMIT $3",
                                             {task_id, Int(offset), Int(std::max<std::int64_t>(0, limit))}));
    for (int i = 0; i < r.rows(); ++i) {
      items.push_back({r.Int64(i, 0), r.Text(i, 1), r.Text(i, 2), static_cast<int>(r.Int64(i, 3)), r.Text(i, 4),
                       ParseStoredJsonOr(r.Text(i, 5), nullptr)});
    }
    return Status::Ok();
  }));
  return items;
}

Result<std::vector<JobView>> PostgresJobStore::List(int limit) {
  std::vector<JobView> jobs;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    jobs.clear();
    IRIS_ASSIGN_OR_RETURN(PgResult r,
                          c.Exec(std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY created_seq DESC LIMIT $1",
                                 {Int(std::max(0, limit))}));
    for (int i = 0; i < r.rows(); ++i) {
      IRIS_ASSIGN_OR_RETURN(JobView job, JobFromRow(r, i));
      jobs.push_back(std::move(job));
    }
    return Status::Ok();
  }));
  return jobs;
}

Result<JobStore::Counts> PostgresJobStore::Count() {
  Counts counts;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    counts = Counts{};
    for (JobStatus s :
         {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed, JobStatus::kCancelled}) {
      counts.jobs[std::string(JobStatusName(s))] = 0;
    }
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT status, COUNT(*) FROM jobs GROUP BY status"));
    for (int i = 0; i < r.rows(); ++i) counts.jobs[r.Text(i, 0)] = r.Int64(i, 1);
    IRIS_ASSIGN_OR_RETURN(PgResult pending,
                          c.Exec("SELECT COUNT(*) FROM job_items WHERE state = 'pending' AND task_id IN "
                                 "(SELECT task_id FROM jobs WHERE status IN ('queued', 'running'))"));
    counts.pending_items = pending.Int64(0, 0);
    return Status::Ok();
  }));
  return counts;
}

Result<std::int64_t> PostgresJobStore::PurgeFinished(double older_than_s) {
  std::int64_t deleted = 0;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') "
                                             "AND finished_at_ts < now() - make_interval(secs => $1::float8)",
                                             {std::to_string(std::max(0.0, older_than_s))}));
    deleted = r.affected();
    return Status::Ok();
  }));
  return deleted;
}

Result<JobView> PostgresJobStore::RequestCancel(const std::string& task_id) {
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(JobView job, LoadJob(c, task_id));
    if (job.status == JobStatus::kCancelled) return Status::Ok();
    if (IsFinal(job.status)) {
      return FailedPrecondition("task '" + task_id + "' already " + std::string(JobStatusName(job.status)));
    }
    IRIS_RETURN_IF_ERROR(
        c.Exec("UPDATE jobs SET cancel_requested = true WHERE task_id = $1 AND status IN ('queued', 'running')",
               {task_id})
            .status());
    return SettleJob(c, task_id, false);
  }));
  return Get(task_id);
}

Result<bool> PostgresJobStore::CancelRequested(const std::string& task_id) {
  bool cancel = true;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT cancel_requested::int FROM jobs WHERE task_id = $1", {task_id}));
    cancel = r.rows() == 0 || r.Int64(0, 0) != 0;
    return Status::Ok();
  }));
  return cancel;
}

Status PostgresJobStore::RegisterRunner(const std::string& runner_id, std::int64_t now_ms) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return db_.Transaction([&](PgConnection& c) {
    return c
        .Exec(std::string(
                  "INSERT INTO job_runners(runner_id, pid, host, started_at, heartbeat_at) VALUES ($1, $2, $3, ") +
                  kPgNowIsoText +
                  ", $4) ON CONFLICT (runner_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, "
                  "pid = excluded.pid",
              {runner_id, Int(getpid()), std::string(host), Int(now_ms)})
        .status();
  });
}

Status PostgresJobStore::Heartbeat(const std::string& runner_id, std::int64_t now_ms) {
  return RegisterRunner(runner_id, now_ms);
}

Result<std::optional<ClaimedItem>> PostgresJobStore::ClaimNextItem(const std::string& runner_id,
                                                                   const std::vector<std::string>& kinds,
                                                                   std::int64_t now_ms) {
  std::optional<ClaimedItem> claimed;
  if (kinds.empty()) return claimed;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    claimed.reset();
    std::vector<PgParam> kind_params(kinds.begin(), kinds.end());
    IRIS_ASSIGN_OR_RETURN(PgResult jobs, c.Exec("SELECT task_id, kind, params FROM jobs WHERE status IN "
                                                "('queued', 'running') AND NOT cancel_requested AND kind IN (" +
                                                    Placeholders(1, kinds.size()) + ") ORDER BY created_seq",
                                                kind_params));
    for (int j = 0; j < jobs.rows() && !claimed; ++j) {
      const std::string task_id = jobs.Text(j, 0);
      // SKIP LOCKED: an item another process is claiming right now is passed over, not waited for.
      IRIS_ASSIGN_OR_RETURN(PgResult item, c.Exec("SELECT seq, item, attempts FROM job_items WHERE task_id = $1 AND "
                                                  "state = 'pending' AND next_attempt_at <= $2 ORDER BY seq LIMIT 1 "
                                                  "FOR UPDATE SKIP LOCKED",
                                                  {task_id, Int(now_ms)}));
      if (item.rows() == 0) continue;
      claimed =
          ClaimedItem{task_id,          jobs.Text(j, 1), ParseStoredJsonOr(jobs.Text(j, 2), nlohmann::json::object()),
                      item.Int64(0, 0), item.Text(0, 1), static_cast<int>(item.Int64(0, 2)) + 1};
    }
    if (!claimed) return Status::Ok();
    IRIS_RETURN_IF_ERROR(c.Exec("UPDATE job_items SET state = 'running', owner = $1, attempts = attempts + 1 "
                                "WHERE task_id = $2 AND seq = $3",
                                {runner_id, claimed->task_id, Int(claimed->index)})
                             .status());
    return c
        .Exec(std::string("UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ") + kPgNowIsoText +
                  ") WHERE task_id = $1 AND status = 'queued'",
              {claimed->task_id})
        .status();
  }));
  return claimed;
}

Result<std::optional<std::int64_t>> PostgresJobStore::NextRetryAt(const std::vector<std::string>& kinds) {
  std::optional<std::int64_t> at;
  if (kinds.empty()) return at;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    std::vector<PgParam> kind_params(kinds.begin(), kinds.end());
    IRIS_ASSIGN_OR_RETURN(
        PgResult r, c.Exec("SELECT MIN(i.next_attempt_at) FROM jobs j JOIN job_items i ON i.task_id = j.task_id "
                           "WHERE j.status IN ('queued', 'running') AND NOT j.cancel_requested AND j.kind IN (" +
                               Placeholders(1, kinds.size()) + ") AND i.state = 'pending' AND i.next_attempt_at > 0",
                           kind_params));
    at.reset();
    if (r.rows() > 0 && !r.IsNull(0, 0)) at = r.Int64(0, 0);
    return Status::Ok();
  }));
  return at;
}

Result<bool> PostgresJobStore::Complete(const std::string& runner_id, const ClaimedItem& item,
                                        const ItemOutcome& outcome) {
  bool recorded = false;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    recorded = false;
    IRIS_ASSIGN_OR_RETURN(bool owned, RunningUnder(c, runner_id, item));
    if (!owned) return Status::Ok();
    recorded = true;
    const std::string seq = Int(item.index);
    switch (outcome.kind) {
      case ItemOutcome::Kind::kDone:
        IRIS_RETURN_IF_ERROR(
            c.Exec("UPDATE job_items SET state = 'done', owner = NULL, worked_by = $1, error = NULL, "
                   "result = NULLIF($2, '') WHERE task_id = $3 AND seq = $4",
                   {runner_id, outcome.result.is_null() ? "" : DumpJobJson(outcome.result), item.task_id, seq})
                .status());
        IRIS_RETURN_IF_ERROR(
            c.Exec("UPDATE jobs SET done_count = done_count + 1 WHERE task_id = $1", {item.task_id}).status());
        break;
      case ItemOutcome::Kind::kFailed:
        IRIS_RETURN_IF_ERROR(c.Exec("UPDATE job_items SET state = 'failed', owner = NULL, worked_by = $1, error = $2 "
                                    "WHERE task_id = $3 AND seq = $4",
                                    {runner_id, outcome.message, item.task_id, seq})
                                 .status());
        IRIS_RETURN_IF_ERROR(
            c.Exec("UPDATE jobs SET failed_count = failed_count + 1 WHERE task_id = $1", {item.task_id}).status());
        break;
      case ItemOutcome::Kind::kRetry:
        IRIS_RETURN_IF_ERROR(c.Exec("UPDATE job_items SET state = 'pending', owner = NULL, error = $1, "
                                    "next_attempt_at = $2 WHERE task_id = $3 AND seq = $4",
                                    {outcome.message, Int(outcome.retry_at_ms), item.task_id, seq})
                                 .status());
        break;
      case ItemOutcome::Kind::kReleased:
        IRIS_RETURN_IF_ERROR(c.Exec("UPDATE job_items SET state = 'pending', owner = NULL, attempts = attempts - 1 "
                                    "WHERE task_id = $1 AND seq = $2",
                                    {item.task_id, seq})
                                 .status());
        return SettleJob(c, item.task_id, /*requeue=*/true);
    }
    return SettleJob(c, item.task_id, /*requeue=*/false);
  }));
  return recorded;
}

Status PostgresJobStore::ReleaseRunner(const std::string& runner_id) {
  return db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult released,
                          c.Exec("UPDATE job_items SET state = 'pending', owner = NULL, attempts = attempts - 1 "
                                 "WHERE owner = $1 AND state = 'running' RETURNING task_id",
                                 {runner_id}));
    std::vector<std::string> tasks;
    for (int i = 0; i < released.rows(); ++i) tasks.push_back(released.Text(i, 0));
    // Also the running jobs whose in-flight items all ended during the stop (SettleJob leaves
    // alone a job another process is busy with).
    IRIS_ASSIGN_OR_RETURN(PgResult running, c.Exec("SELECT task_id FROM jobs WHERE status = 'running'"));
    for (int i = 0; i < running.rows(); ++i) tasks.push_back(running.Text(i, 0));
    std::sort(tasks.begin(), tasks.end());
    tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
    for (const std::string& task_id : tasks) IRIS_RETURN_IF_ERROR(SettleJob(c, task_id, /*requeue=*/true));
    if (released.rows() > 0) IRIS_RETURN_IF_ERROR(NotifyNewWork(c));
    return c.Exec("DELETE FROM job_runners WHERE runner_id = $1", {runner_id}).status();
  });
}

std::unique_ptr<WorkSubscription> PostgresJobStore::SubscribeToNewWork(std::function<void()> on_new_work) {
  return std::make_unique<ListenerSubscription>(db_.connection_url(), std::move(on_new_work));
}

Result<int> PostgresJobStore::RecoverDeadRunners(const std::string& self_id, std::int64_t now_ms, std::int64_t lease_ms,
                                                 int max_recoveries) {
  int taken_back = 0;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    const std::string stale_before = Int(now_ms - lease_ms);
    IRIS_ASSIGN_OR_RETURN(
        PgResult taken,
        c.Exec("UPDATE job_items SET state = 'pending', owner = NULL WHERE state = 'running' AND owner <> $1 AND "
               "owner NOT IN (SELECT runner_id FROM job_runners WHERE heartbeat_at >= $2) RETURNING task_id",
               {self_id, stale_before}));
    taken_back = taken.rows();
    std::vector<std::string> tasks;
    for (int i = 0; i < taken.rows(); ++i) tasks.push_back(taken.Text(i, 0));
    std::sort(tasks.begin(), tasks.end());
    tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
    IRIS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM job_runners WHERE heartbeat_at < $1 AND runner_id <> $2", {stale_before, self_id})
            .status());
    for (const std::string& task_id : tasks) {
      IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("UPDATE jobs SET recoveries = recoveries + 1 WHERE task_id = $1 "
                                               "RETURNING recoveries",
                                               {task_id}));
      if (r.rows() == 0) continue;
      const std::int64_t recoveries = r.Int64(0, 0);
      if (recoveries > max_recoveries) {
        IRIS_RETURN_IF_ERROR(
            c.Exec(std::string("UPDATE jobs SET status = 'failed', error = $1, result = json_build_object("
                               "'succeeded', done_count, 'failed', failed_count, 'not_run', total - done_count - "
                               "failed_count)::text, finished_at_ts = now(), finished_at = ") +
                       kPgNowIsoText + " WHERE task_id = $2 AND status IN ('queued', 'running')",
                   {CrashLoopReason(recoveries, max_recoveries), task_id})
                .status());
      } else {
        IRIS_RETURN_IF_ERROR(SettleJob(c, task_id, /*requeue=*/true));
      }
    }
    return taken_back > 0 ? NotifyNewWork(c) : Status::Ok();
  }));
  return taken_back;
}

}  // namespace iris
