// SqliteJobStore: the JobStore (job_store.h) on iris.db, the embedded default (tables jobs,
// job_items, job_runners, job_expansions; migrations 2 and 3 in store/schema.cc). Writes go through
// the Database's one writer connection (BEGIN IMMEDIATE), reads through its reader pool.
// Ownership: borrows the Database, which must outlive the store.
#pragma once

#include "jobs/job_store.h"
#include "store/database.h"

namespace iris {

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(Database& db) : db_(db) {}

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
  Result<int> RecoverDeadRunners(const std::string& self_id, std::int64_t now_ms, std::int64_t lease_ms,
                                 int max_recoveries) override;

 private:
  Database& db_;
};

}  // namespace iris
