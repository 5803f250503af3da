// Helpers both job stores (sqlite_job_store.h, postgres_job_store.h) use to turn stored columns
// into JobView fields and back, so the two backends read and write the same text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"
#include "jobs/job_store.h"

namespace iris {

// A stored column as JSON; the fallback when empty, unreadable or nested deeper than Iris writes
// (json_limits.h: such a value is never built, so it cannot exhaust the stack later).
nlohmann::json ParseStoredJsonOr(const std::string& text, nlohmann::json fallback);
// Compact JSON; invalid UTF-8 is replaced instead of throwing.
std::string DumpJobJson(const nlohmann::json& value);
// "queued" -> kQueued, ...; kInternal for text no store writes.
Result<JobStatus> ParseJobStatus(const std::string& text);
// The checks Create does before touching a store: kInvalidArgument for an empty kind or params
// nested too deep, kUnprocessable for a job larger than max_pending_items (> 0).
Status ValidateNewJob(const NewJob& job, std::int64_t max_pending_items);
// The kResourceExhausted refusal of a job that does not fit next to `unfinished` queued items.
Status QueueFullError(std::int64_t unfinished, std::int64_t items, std::int64_t max_pending_items);
// The reason a job ends failed after max_recoveries crashes.
std::string CrashLoopReason(std::int64_t recoveries, int max_recoveries);

}  // namespace iris
