#include "jobs/sqlite_job_store.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

#include "core/json_limits.h"
#include "jobs/job_rows.h"

namespace iris {
namespace {

constexpr char kNow[] = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// A bindable argument: text or integer.
struct Arg {
  Arg(std::int64_t v) : is_int(true), i(v) {}  // NOLINT(google-explicit-constructor)
  Arg(int v) : is_int(true), i(v) {}           // NOLINT(google-explicit-constructor)
  Arg(std::string_view v) : s(v) {}            // NOLINT(google-explicit-constructor)
  Arg(const std::string& v) : s(v) {}          // NOLINT(google-explicit-constructor)
  Arg(const char* v) : s(v) {}                 // NOLINT(google-explicit-constructor)
  bool is_int = false;
  std::int64_t i = 0;
  std::string_view s;
};

Result<SqliteStatement> Prepared(SqliteConnection& c, std::string_view sql, std::initializer_list<Arg> args) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement statement, c.Prepare(sql));
  int index = 1;
  for (const Arg& arg : args) {
    IRIS_RETURN_IF_ERROR(arg.is_int ? statement.BindInt64(index, arg.i) : statement.BindText(index, arg.s));
    ++index;
  }
  return statement;
}

Status Exec(SqliteConnection& c, std::string_view sql, std::initializer_list<Arg> args) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement statement, Prepared(c, sql, args));
  return statement.Run();
}

Result<std::int64_t> QueryInt(SqliteConnection& c, std::string_view sql, std::initializer_list<Arg> args) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement statement, Prepared(c, sql, args));
  IRIS_ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return Internal("no row for " + std::string(sql));
  return statement.ColumnInt64(0);
}

std::string InList(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

constexpr char kJobColumns[] =
    "task_id, kind, params, status, total, done_count, failed_count, cancel_requested, recoveries, "
    "COALESCE(error, ''), COALESCE(result, ''), created_at, COALESCE(started_at, ''), COALESCE(finished_at, '')";

Result<JobView> JobFromRow(const SqliteStatement& row) {
  JobView job;
  job.task_id = row.ColumnText(0);
  job.kind = row.ColumnText(1);
  job.params = ParseStoredJsonOr(row.ColumnText(2), nlohmann::json::object());
  IRIS_ASSIGN_OR_RETURN(job.status, ParseJobStatus(row.ColumnText(3)));
  job.total = row.ColumnInt64(4);
  job.failed_items = row.ColumnInt64(6);
  job.done = row.ColumnInt64(5) + job.failed_items;
  job.cancel_requested = row.ColumnInt64(7) != 0;
  job.recoveries = static_cast<int>(row.ColumnInt64(8));
  job.error = row.ColumnText(9);
  job.result = ParseStoredJsonOr(row.ColumnText(10), nullptr);
  job.created_at = row.ColumnText(11);
  job.started_at = row.ColumnText(12);
  job.finished_at = row.ColumnText(13);
  return job;
}

Result<JobView> LoadJob(SqliteConnection& c, const std::string& task_id) {
  IRIS_ASSIGN_OR_RETURN(
      SqliteStatement select,
      Prepared(c, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE task_id = ?", {Arg(task_id)}));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return NotFound("no task '" + task_id + "'");
  return JobFromRow(select);
}

// Queries on job_items by (task_id, state) name their index: without ANALYZE statistics SQLite
// prefers the primary key (task_id, seq) for ORDER BY seq and scans past every finished item.

// Ends the job when nothing of it is in flight and either a cancel was asked or nothing is left
// pending; otherwise, when requeue is set and nothing is in flight, puts it back to queued.
Status SettleJob(SqliteConnection& c, const std::string& task_id, bool requeue) {
  IRIS_ASSIGN_OR_RETURN(
      SqliteStatement select,
      Prepared(
          c,
          "SELECT status, cancel_requested, total, done_count, failed_count, "
          "EXISTS (SELECT 1 FROM job_items INDEXED BY job_items_by_state WHERE task_id = ?1 AND state = 'running'), "
          "EXISTS (SELECT 1 FROM job_items INDEXED BY job_items_by_state WHERE task_id = ?1 AND state = 'pending') "
          "FROM jobs WHERE task_id = ?1",
          {Arg(task_id)}));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Status::Ok();
  IRIS_ASSIGN_OR_RETURN(JobStatus status, ParseJobStatus(select.ColumnText(0)));
  if (IsFinal(status)) return Status::Ok();
  const bool cancel = select.ColumnInt64(1) != 0;
  const std::int64_t total = select.ColumnInt64(2), succeeded = select.ColumnInt64(3), failed = select.ColumnInt64(4),
                     running = select.ColumnInt64(5), pending = select.ColumnInt64(6);
  if (running > 0) return Status::Ok();
  const nlohmann::json summary = {
      {"succeeded", succeeded}, {"failed", failed}, {"not_run", total - succeeded - failed}};
  std::string final_status, error;
  if (cancel) {
    final_status = "cancelled";
    error = "cancelled by request";
  } else if (pending == 0) {
    final_status = succeeded > 0 || total == 0 ? "succeeded" : "failed";
    if (final_status == "failed") error = "all " + std::to_string(total) + " items failed";
  } else {
    if (requeue) return Exec(c, "UPDATE jobs SET status = 'queued' WHERE task_id = ?", {Arg(task_id)});
    return Status::Ok();
  }
  return Exec(c,
              std::string("UPDATE jobs SET status = ?, error = NULLIF(?, ''), result = ?, finished_at = ") + kNow +
                  " WHERE task_id = ?",
              {Arg(final_status), Arg(error), Arg(DumpJobJson(summary)), Arg(task_id)});
}

// Whether the claimed item is still running under runner_id (not taken back from a runner presumed dead).
Result<bool> RunningUnder(SqliteConnection& c, const std::string& runner_id, const ClaimedItem& item) {
  IRIS_ASSIGN_OR_RETURN(std::int64_t owned, QueryInt(c,
                                                     "SELECT COUNT(*) FROM job_items WHERE task_id = ? AND seq = ? AND "
                                                     "state = 'running' AND owner = ?",
                                                     {Arg(item.task_id), Arg(item.index), Arg(runner_id)}));
  return owned > 0;
}

// Inserts `items` as rows first_seq, first_seq + 1, ... of the job, in `state` (pending, or done with one
// attempt for work recorded after the fact).
Status InsertItems(SqliteConnection& c, const std::string& task_id, std::int64_t first_seq,
                   const std::vector<std::string>& items, bool done) {
  IRIS_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      c.Prepare(done ? "INSERT INTO job_items(task_id, seq, item, state, attempts) "
                       "VALUES (?, ?, ?, 'done', 1)"
                     : "INSERT INTO job_items(task_id, seq, item, state) VALUES (?, ?, ?, 'pending')"));
  for (std::size_t i = 0; i < items.size(); ++i) {
    IRIS_RETURN_IF_ERROR(insert.Reset());
    IRIS_RETURN_IF_ERROR(insert.BindText(1, task_id));
    IRIS_RETURN_IF_ERROR(insert.BindInt64(2, first_seq + static_cast<std::int64_t>(i)));
    IRIS_RETURN_IF_ERROR(insert.BindText(3, items[i]));
    IRIS_RETURN_IF_ERROR(insert.Run());
  }
  return Status::Ok();
}

}  // namespace

// Items of queued and running jobs that have not ended (pending or running); uses jobs_by_status.
constexpr std::string_view kUnfinishedItemsSql =
    "SELECT COALESCE(SUM(total - done_count - failed_count), 0) FROM jobs WHERE status IN ('queued', 'running')";

Result<std::string> SqliteJobStore::Create(const NewJob& job, std::int64_t max_pending_items) {
  IRIS_RETURN_IF_ERROR(ValidateNewJob(job, max_pending_items));
  const auto items = static_cast<std::int64_t>(job.items.size());
  const std::string task_id = NewTaskId();
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    if (max_pending_items > 0 && items > 0) {
      IRIS_ASSIGN_OR_RETURN(std::int64_t unfinished, QueryInt(c, kUnfinishedItemsSql, {}));
      if (unfinished + items > max_pending_items) {
        return QueueFullError(unfinished, items, max_pending_items);
      }
    }
    IRIS_RETURN_IF_ERROR(Exec(
        c,
        std::string("INSERT INTO jobs(task_id, kind, params, status, total, created_at) "
                    "VALUES (?, ?, ?, 'queued', ?, ") +
            kNow + ")",
        {Arg(task_id), Arg(job.kind), Arg(DumpJobJson(job.params)), Arg(static_cast<std::int64_t>(job.items.size()))}));
    IRIS_RETURN_IF_ERROR(InsertItems(c, task_id, 0, job.items, /*done=*/false));
    return job.items.empty() ? SettleJob(c, task_id, false) : Status::Ok();
  }));
  return task_id;
}

Result<std::string> SqliteJobStore::RecordFinished(const NewJob& job, const nlohmann::json& result) {
  IRIS_RETURN_IF_ERROR(ValidateNewJob(job, 0));
  const std::string task_id = NewTaskId();
  const auto total = static_cast<std::int64_t>(job.items.size());
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(Exec(
        c,
        std::string("INSERT INTO jobs(task_id, kind, params, status, total, done_count, result, "
                    "created_at, started_at, finished_at) "
                    "VALUES (?, ?, ?, 'succeeded', ?, ?, ?, ") +
            kNow + ", " + kNow + ", " + kNow + ")",
        {Arg(task_id), Arg(job.kind), Arg(DumpJobJson(job.params)), Arg(total), Arg(total), Arg(DumpJobJson(result))}));
    IRIS_RETURN_IF_ERROR(InsertItems(c, task_id, 0, job.items, /*done=*/true));
    return Status::Ok();
  }));
  return task_id;
}

Result<bool> SqliteJobStore::AppendItems(const std::string& runner_id, const ClaimedItem& from,
                                         const std::vector<std::string>& items) {
  bool appended = false;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(bool owned, RunningUnder(c, runner_id, from));
    if (!owned)
      return FailedPrecondition("item " + std::to_string(from.index) + " of job " + from.task_id +
                                " is not running here: it cannot append items");
    IRIS_ASSIGN_OR_RETURN(std::int64_t done_before,
                          QueryInt(c, "SELECT COUNT(*) FROM job_expansions WHERE task_id = ? AND seq = ?",
                                   {Arg(from.task_id), Arg(from.index)}));
    if (done_before > 0) return Status::Ok();
    IRIS_ASSIGN_OR_RETURN(
        std::int64_t next,
        QueryInt(c, "SELECT COALESCE(MAX(seq) + 1, 0) FROM job_items WHERE task_id = ?", {Arg(from.task_id)}));
    IRIS_RETURN_IF_ERROR(InsertItems(c, from.task_id, next, items, /*done=*/false));
    const auto count = static_cast<std::int64_t>(items.size());
    IRIS_RETURN_IF_ERROR(Exec(c, "INSERT INTO job_expansions(task_id, seq, appended) VALUES (?, ?, ?)",
                              {Arg(from.task_id), Arg(from.index), Arg(count)}));
    IRIS_RETURN_IF_ERROR(
        Exec(c, "UPDATE jobs SET total = total + ? WHERE task_id = ?", {Arg(count), Arg(from.task_id)}));
    appended = true;
    return Status::Ok();
  }));
  return appended;
}

Result<JobView> SqliteJobStore::Get(const std::string& task_id, int max_errors) {
  JobView job;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(job, LoadJob(c, task_id));
    IRIS_ASSIGN_OR_RETURN(
        SqliteStatement select,
        Prepared(c,
                 "SELECT item, COALESCE(error, ''), attempts FROM job_items INDEXED BY job_items_by_state "
                 "WHERE task_id = ? AND state = 'failed' ORDER BY seq LIMIT ?",
                 {Arg(task_id), Arg(std::max(0, max_errors))}));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      job.errors.push_back({select.ColumnText(0), select.ColumnText(1), static_cast<int>(select.ColumnInt64(2))});
    }
    return Status::Ok();
  }));
  return job;
}

Result<std::vector<JobItemView>> SqliteJobStore::Items(const std::string& task_id, std::int64_t offset,
                                                       std::int64_t limit) {
  std::vector<JobItemView> items;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(LoadJob(c, task_id).status());
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          Prepared(c,
                                   "SELECT seq, item, state, attempts, COALESCE(error, ''), COALESCE(result, '') "
                                   "FROM job_items WHERE task_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
                                   {Arg(task_id), Arg(offset), Arg(limit)}));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      items.push_back({select.ColumnInt64(0), select.ColumnText(1), select.ColumnText(2),
                       static_cast<int>(select.ColumnInt64(3)), select.ColumnText(4),
                       ParseStoredJsonOr(select.ColumnText(5), nullptr)});
    }
    return Status::Ok();
  }));
  return items;
}

Result<std::vector<JobView>> SqliteJobStore::List(int limit) {
  std::vector<JobView> jobs;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        SqliteStatement select,
        Prepared(c, std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?",
                 {Arg(limit)}));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      IRIS_ASSIGN_OR_RETURN(JobView job, JobFromRow(select));
      jobs.push_back(std::move(job));
    }
    return Status::Ok();
  }));
  return jobs;
}

Result<JobStore::Counts> SqliteJobStore::Count() {
  Counts counts;
  for (JobStatus s :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed, JobStatus::kCancelled}) {
    counts.jobs[std::string(JobStatusName(s))] = 0;
  }
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select, c.Prepare("SELECT status, COUNT(*) FROM jobs GROUP BY status"));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      counts.jobs[select.ColumnText(0)] = select.ColumnInt64(1);
    }
    IRIS_ASSIGN_OR_RETURN(counts.pending_items,
                          QueryInt(c,
                                   "SELECT COUNT(*) FROM job_items WHERE state = 'pending' AND task_id IN "
                                   "(SELECT task_id FROM jobs WHERE status IN ('queued', 'running'))",
                                   {}));
    return Status::Ok();
  }));
  return counts;
}

Result<std::int64_t> SqliteJobStore::PurgeFinished(double older_than_s) {
  std::int64_t deleted = 0;
  const std::string modifier = std::string("-").append(std::to_string(std::max(0.0, older_than_s))).append(" seconds");
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    // job_items and job_expansions go with their job (ON DELETE CASCADE; foreign keys are on).
    IRIS_RETURN_IF_ERROR(Exec(c,
                              "DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND "
                              "finished_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
                              {Arg(modifier)}));
    deleted = c.changes();
    return Status::Ok();
  }));
  return deleted;
}

Result<JobView> SqliteJobStore::RequestCancel(const std::string& task_id) {
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(JobView job, LoadJob(c, task_id));
    if (job.status == JobStatus::kCancelled) return Status::Ok();
    if (IsFinal(job.status)) {
      return FailedPrecondition("task '" + task_id + "' already " + std::string(JobStatusName(job.status)));
    }
    IRIS_RETURN_IF_ERROR(Exec(c, "UPDATE jobs SET cancel_requested = 1 WHERE task_id = ?", {Arg(task_id)}));
    return SettleJob(c, task_id, false);
  }));
  return Get(task_id);
}

Result<bool> SqliteJobStore::CancelRequested(const std::string& task_id) {
  bool cancel = true;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                          Prepared(c, "SELECT cancel_requested FROM jobs WHERE task_id = ?", {Arg(task_id)}));
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    cancel = !row || select.ColumnInt64(0) != 0;
    return Status::Ok();
  }));
  return cancel;
}

Status SqliteJobStore::RegisterRunner(const std::string& runner_id, std::int64_t now_ms) {
  return db_.Write([&](SqliteConnection& c) {
    return Exec(
        c,
        std::string("INSERT INTO job_runners(runner_id, pid, started_at, heartbeat_at) VALUES (?, ?, ") + kNow +
            ", ?) ON CONFLICT(runner_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, pid = excluded.pid",
        {Arg(runner_id), Arg(static_cast<std::int64_t>(getpid())), Arg(now_ms)});
  });
}

Status SqliteJobStore::Heartbeat(const std::string& runner_id, std::int64_t now_ms) {
  // An upsert: a runner presumed dead (its row removed) that is in fact alive registers again.
  return RegisterRunner(runner_id, now_ms);
}

Result<std::optional<ClaimedItem>> SqliteJobStore::ClaimNextItem(const std::string& runner_id,
                                                                 const std::vector<std::string>& kinds,
                                                                 std::int64_t now_ms) {
  std::optional<ClaimedItem> claimed;
  if (kinds.empty()) return claimed;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    // Two steps instead of one ORDER BY over the join: each is an index walk, so claiming stays
    // cheap with 100k items in a job.
    IRIS_ASSIGN_OR_RETURN(SqliteStatement jobs,
                          c.Prepare("SELECT task_id, kind, params FROM jobs WHERE status IN ('queued', 'running') AND "
                                    "cancel_requested = 0 AND kind IN " +
                                    InList(kinds.size()) + " ORDER BY created_at, rowid"));
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      IRIS_RETURN_IF_ERROR(jobs.BindText(static_cast<int>(i + 1), kinds[i]));
    }
    IRIS_ASSIGN_OR_RETURN(
        SqliteStatement item,
        c.Prepare(
            "SELECT seq, item, attempts FROM job_items INDEXED BY job_items_by_state WHERE task_id = ? AND state = "
            "'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT 1"));
    while (true) {
      IRIS_ASSIGN_OR_RETURN(bool job_row, jobs.Step());
      if (!job_row) return Status::Ok();
      const std::string task_id = jobs.ColumnText(0);
      IRIS_RETURN_IF_ERROR(item.Reset());
      IRIS_RETURN_IF_ERROR(item.BindText(1, task_id));
      IRIS_RETURN_IF_ERROR(item.BindInt64(2, now_ms));
      IRIS_ASSIGN_OR_RETURN(bool item_row, item.Step());
      if (!item_row) continue;
      claimed = ClaimedItem{task_id,
                            jobs.ColumnText(1),
                            ParseStoredJsonOr(jobs.ColumnText(2), nlohmann::json::object()),
                            item.ColumnInt64(0),
                            item.ColumnText(1),
                            static_cast<int>(item.ColumnInt64(2)) + 1};
      break;
    }
    IRIS_RETURN_IF_ERROR(Exec(c,
                              "UPDATE job_items SET state = 'running', owner = ?, attempts = attempts + 1 "
                              "WHERE task_id = ? AND seq = ?",
                              {Arg(runner_id), Arg(claimed->task_id), Arg(claimed->index)}));
    return Exec(c,
                std::string("UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ") + kNow +
                    ") WHERE task_id = ? AND status = 'queued'",
                {Arg(claimed->task_id)});
  }));
  return claimed;
}

Result<std::optional<std::int64_t>> SqliteJobStore::NextRetryAt(const std::vector<std::string>& kinds) {
  std::optional<std::int64_t> at;
  if (kinds.empty()) return at;
  IRIS_RETURN_IF_ERROR(db_.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(
        SqliteStatement select,
        c.Prepare("SELECT MIN(i.next_attempt_at) FROM jobs j JOIN job_items i ON i.task_id = j.task_id "
                  "WHERE j.status IN ('queued', 'running') AND j.cancel_requested = 0 AND j.kind IN " +
                  InList(kinds.size()) + " AND i.state = 'pending' AND i.next_attempt_at > 0"));
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      IRIS_RETURN_IF_ERROR(select.BindText(static_cast<int>(i + 1), kinds[i]));
    }
    IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row && !select.ColumnIsNull(0)) at = select.ColumnInt64(0);
    return Status::Ok();
  }));
  return at;
}

Result<bool> SqliteJobStore::Complete(const std::string& runner_id, const ClaimedItem& item,
                                      const ItemOutcome& outcome) {
  bool recorded = false;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(bool owned, RunningUnder(c, runner_id, item));
    if (!owned) return Status::Ok();
    recorded = true;
    const Arg task(item.task_id), seq(item.index);
    switch (outcome.kind) {
      case ItemOutcome::Kind::kDone:
        IRIS_RETURN_IF_ERROR(
            Exec(c,
                 "UPDATE job_items SET state = 'done', owner = NULL, error = NULL, result = NULLIF(?, '') "
                 "WHERE task_id = ? AND seq = ?",
                 {Arg(outcome.result.is_null() ? "" : DumpJobJson(outcome.result)), task, seq}));
        IRIS_RETURN_IF_ERROR(
            Exec(c, "UPDATE jobs SET done_count = done_count + 1 WHERE task_id = ?", {Arg(item.task_id)}));
        break;
      case ItemOutcome::Kind::kFailed:
        IRIS_RETURN_IF_ERROR(Exec(c,
                                  "UPDATE job_items SET state = 'failed', owner = NULL, error = ? "
                                  "WHERE task_id = ? AND seq = ?",
                                  {Arg(outcome.message), task, seq}));
        IRIS_RETURN_IF_ERROR(
            Exec(c, "UPDATE jobs SET failed_count = failed_count + 1 WHERE task_id = ?", {Arg(item.task_id)}));
        break;
      case ItemOutcome::Kind::kRetry:
        IRIS_RETURN_IF_ERROR(Exec(c,
                                  "UPDATE job_items SET state = 'pending', owner = NULL, error = ?, "
                                  "next_attempt_at = ? WHERE task_id = ? AND seq = ?",
                                  {Arg(outcome.message), Arg(outcome.retry_at_ms), task, seq}));
        break;
      case ItemOutcome::Kind::kReleased:
        IRIS_RETURN_IF_ERROR(Exec(c,
                                  "UPDATE job_items SET state = 'pending', owner = NULL, attempts = attempts - 1 "
                                  "WHERE task_id = ? AND seq = ?",
                                  {task, seq}));
        return SettleJob(c, item.task_id, /*requeue=*/true);
    }
    return SettleJob(c, item.task_id, /*requeue=*/false);
  }));
  return recorded;
}

Status SqliteJobStore::ReleaseRunner(const std::string& runner_id) {
  return db_.Write([&](SqliteConnection& c) -> Status {
    std::vector<std::string> tasks;
    {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                            Prepared(c, "SELECT DISTINCT task_id FROM job_items WHERE owner = ? AND state = 'running'",
                                     {Arg(runner_id)}));
      while (true) {
        IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        tasks.push_back(select.ColumnText(0));
      }
    }
    IRIS_RETURN_IF_ERROR(Exec(c,
                              "UPDATE job_items SET state = 'pending', owner = NULL, attempts = attempts - 1 "
                              "WHERE owner = ? AND state = 'running'",
                              {Arg(runner_id)}));
    // Also the running jobs whose in-flight items all ended during the stop: nothing is working
    // on them now, so they are queued (SettleJob leaves alone a job another runner is busy with).
    {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select, c.Prepare("SELECT task_id FROM jobs WHERE status = 'running'"));
      while (true) {
        IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        tasks.push_back(select.ColumnText(0));
      }
    }
    for (const std::string& task_id : tasks) IRIS_RETURN_IF_ERROR(SettleJob(c, task_id, /*requeue=*/true));
    return Exec(c, "DELETE FROM job_runners WHERE runner_id = ?", {Arg(runner_id)});
  });
}

Result<int> SqliteJobStore::RecoverDeadRunners(const std::string& self_id, std::int64_t now_ms, std::int64_t lease_ms,
                                               int max_recoveries) {
  int taken_back = 0;
  IRIS_RETURN_IF_ERROR(db_.Write([&](SqliteConnection& c) -> Status {
    const std::int64_t stale_before = now_ms - lease_ms;
    std::vector<std::string> tasks;
    {
      IRIS_ASSIGN_OR_RETURN(SqliteStatement select,
                            Prepared(c,
                                     "SELECT DISTINCT task_id FROM job_items WHERE state = 'running' AND owner != ?1 "
                                     "AND owner NOT IN (SELECT runner_id FROM job_runners WHERE heartbeat_at >= ?2)",
                                     {Arg(self_id), Arg(stale_before)}));
      while (true) {
        IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        tasks.push_back(select.ColumnText(0));
      }
    }
    IRIS_RETURN_IF_ERROR(
        Exec(c,
             "UPDATE job_items SET state = 'pending', owner = NULL WHERE state = 'running' AND "
             "owner != ?1 AND owner NOT IN (SELECT runner_id FROM job_runners WHERE heartbeat_at >= ?2)",
             {Arg(self_id), Arg(stale_before)}));
    taken_back = static_cast<int>(c.changes());
    IRIS_RETURN_IF_ERROR(Exec(c, "DELETE FROM job_runners WHERE heartbeat_at < ? AND runner_id != ?",
                              {Arg(stale_before), Arg(self_id)}));
    for (const std::string& task_id : tasks) {
      IRIS_RETURN_IF_ERROR(Exec(c, "UPDATE jobs SET recoveries = recoveries + 1 WHERE task_id = ?", {Arg(task_id)}));
      IRIS_ASSIGN_OR_RETURN(std::int64_t recoveries,
                            QueryInt(c, "SELECT recoveries FROM jobs WHERE task_id = ?", {Arg(task_id)}));
      if (recoveries > max_recoveries) {
        const std::string reason = CrashLoopReason(recoveries, max_recoveries);
        IRIS_RETURN_IF_ERROR(Exec(c,
                                  std::string("UPDATE jobs SET status = 'failed', error = ?, result = json_object("
                                              "'succeeded', done_count, 'failed', failed_count, 'not_run', total - "
                                              "done_count - failed_count), finished_at = ") +
                                      kNow + " WHERE task_id = ? AND status IN ('queued', 'running')",
                                  {Arg(reason), Arg(task_id)}));
      } else {
        IRIS_RETURN_IF_ERROR(SettleJob(c, task_id, /*requeue=*/true));
      }
    }
    return Status::Ok();
  }));
  return taken_back;
}

}  // namespace iris
