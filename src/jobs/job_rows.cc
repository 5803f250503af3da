#include "jobs/job_rows.h"

#include "core/json_limits.h"

namespace iris {

nlohmann::json ParseStoredJsonOr(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  Result<nlohmann::json> parsed = ParseBoundedJson(text, kMaxStoredJsonDepth);
  return !parsed.ok() || parsed->is_discarded() ? fallback : std::move(parsed).value();
}

std::string DumpJobJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<JobStatus> ParseJobStatus(const std::string& text) {
  for (JobStatus s :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed, JobStatus::kCancelled}) {
    if (JobStatusName(s) == text) return s;
  }
  return Internal("unknown job status '" + text + "' in the database");
}

Status ValidateNewJob(const NewJob& job, std::int64_t max_pending_items) {
  if (job.kind.empty()) return InvalidArgument("a job needs a kind");
  IRIS_RETURN_IF_ERROR(CheckJsonDepth(job.params).WithContext("job params"));
  const auto items = static_cast<std::int64_t>(job.items.size());
  if (max_pending_items > 0 && items > max_pending_items) {
    return Unprocessable("a job of " + std::to_string(items) + " items is larger than jobs.max_pending_items (" +
                         std::to_string(max_pending_items) + ")");
  }
  return Status::Ok();
}

Status QueueFullError(std::int64_t unfinished, std::int64_t items, std::int64_t max_pending_items) {
  return ResourceExhausted("the job queue holds " + std::to_string(unfinished) + " unfinished items; " +
                           std::to_string(items) + " more would pass jobs.max_pending_items (" +
                           std::to_string(max_pending_items) + "): retry when it has drained");
}

std::string CrashLoopReason(std::int64_t recoveries, int max_recoveries) {
  return "the process working on this job stopped " + std::to_string(recoveries) +
         " times (crash loop?); gave up after " + std::to_string(max_recoveries) + " recoveries";
}

}  // namespace iris
