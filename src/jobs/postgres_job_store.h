// PostgresJobStore: the JobStore (job_store.h) on a PostgreSQL database shared by several
// `iris serve` processes (storage.database_url; tables of store/postgres_schema.cc).
//
// How the processes share the queue without stepping on each other:
//   * ClaimNextItem locks the item row it takes with SELECT ... FOR UPDATE SKIP LOCKED, so two
//     processes claiming at once get different items and neither waits for the other.
//   * Every change to a job's counters or status first locks the job row (UPDATE, or SELECT ...
//     FOR UPDATE in SettleJob) after the item rows it touches, always in that order (items, then
//     job), so the last item to finish sees the others' committed outcomes and ends the job once.
//   * Create with a pending-items bound serialises creators on a transaction-scoped advisory lock,
//     so two processes cannot both squeeze past the bound.
//   * Heartbeats and leases use each runner's clock (now_ms), as on SQLite: the machines' clocks
//     must agree to well within jobs.lease_s (NTP does).
//   * A done or failed item records the runner that finished it (job_items.worked_by).
//   * Creating or appending to a job, and giving items back, sends NOTIFY iris_jobs in the same
//     transaction; SubscribeToNewWork LISTENs on it (store/postgres_listener.h), so other processes'
//     idle workers wake at once instead of at their next poll.
// Transactions that hit a serialization failure, a deadlock or a lost connection are run again by
// PostgresDatabase::Transaction; every method here is safe to repeat that way.
// Ownership: borrows the PostgresDatabase, which must outlive the store.
#pragma once

#include "jobs/job_store.h"
#include "store/postgres_database.h"

namespace iris {

class PostgresJobStore final : public JobStore {
 public:
  explicit PostgresJobStore(PostgresDatabase& db) : db_(db) {}

  Result<std::string> Create(const NewJob& job, std::int64_t max_pending_items = 0) override;
  Result<std::string> RecordFinished(const NewJob& job, const nlohmann::json& result) override;
  Result<JobView> Get(const std::string& task_id, int max_errors = 100) override;
  Result<std::vector<JobItemView>> Items(const std::string& task_id, std::int64_t offset, std::int64_t limit) override;
  Result<std::vector<JobView>> List(int limit) override;
  Result<Counts> Count() override;
  Result<std::int64_t> PurgeFinished(double older_than_s) override;
  Result<JobView> RequestCancel(const std::string& task_id) override;
  Result<bool> CancelRequested(const std::string& task_id) override;
  Status RegisterRunner(const std::string& runner_id, std::int64_t now_ms) override;
  Status Heartbeat(const std::string& runner_id, std::int64_t now_ms) override;
  Result<std::optional<ClaimedItem>> ClaimNextItem(const std::string& runner_id, const std::vector<std::string>& kinds,
                                                   std::int64_t now_ms) override;
  Result<std::optional<std::int64_t>> NextRetryAt(const std::vector<std::string>& kinds) override;
  Result<bool> AppendItems(const std::string& runner_id, const ClaimedItem& from,
                           const std::vector<std::string>& items) override;
  Result<bool> Complete(const std::string& runner_id, const ClaimedItem& item, const ItemOutcome& outcome) override;
  Status ReleaseRunner(const std::string& runner_id) override;
  std::unique_ptr<WorkSubscription> SubscribeToNewWork(std::function<void()> on_new_work) override;
  Result<int> RecoverDeadRunners(const std::string& self_id, std::int64_t now_ms, std::int64_t lease_ms,
                                 int max_recoveries) override;

 private:
  PostgresDatabase& db_;
};

}  // namespace iris
