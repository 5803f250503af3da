#include "jobs/job_store.h"

#include <array>
#include <cstdio>
#include <random>

namespace iris {

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kSucceeded:
      return "succeeded";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool IsFinal(JobStatus status) {
  return status == JobStatus::kSucceeded || status == JobStatus::kFailed || status == JobStatus::kCancelled;
}

nlohmann::json JobView::ToJson() const {
  auto text_or_null = [](const std::string& s) -> nlohmann::json {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  nlohmann::json errors_json = nlohmann::json::array();
  for (const JobItemError& e : errors) {
    errors_json.push_back({{"item", e.item}, {"message", e.message}, {"attempts", e.attempts}});
  }
  return {{"task_id", task_id},
          {"kind", kind},
          {"status", JobStatusName(status)},
          {"progress", {{"done", done}, {"total", total}}},
          {"errors", std::move(errors_json)},
          {"failed_items", failed_items},
          {"error", text_or_null(error)},
          {"created_at", text_or_null(created_at)},
          {"started_at", text_or_null(started_at)},
          {"finished_at", text_or_null(finished_at)},
          {"result", result}};
}

std::string NewTaskId() {
  // Fresh OS randomness every time (no cached generator): a forked process must not repeat its
  // parent's ids, and runner ids must differ between processes.
  std::random_device device;
  std::array<std::uint8_t, 16> b{};
  for (int i = 0; i < 16; i += 4) {
    const std::uint32_t r = device();
    for (int k = 0; k < 4; ++k) b[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
  }
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  char out[37];
  std::snprintf(out, sizeof(out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace iris
