#include "api/admission_queue.h"

namespace iris::api {
namespace {
thread_local bool t_rejecting = false;
}  // namespace

AdmissionQueue::AdmissionQueue(std::size_t workers, std::size_t max_queued, std::atomic<std::size_t>& queued,
                               std::function<void()> on_reject)
    : max_queued_(max_queued), queued_(queued), on_reject_(std::move(on_reject)) {
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

AdmissionQueue::~AdmissionQueue() { shutdown(); }

bool AdmissionQueue::RejectingOnThisThread() { return t_rejecting; }

void AdmissionQueue::enqueue(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() < max_queued_ && !shutdown_) {
      jobs_.push_back(std::move(fn));
      queued_.fetch_add(1);
      cv_.notify_one();
      return;
    }
  }
  if (on_reject_) on_reject_();
  t_rejecting = true;
  fn();
  t_rejecting = false;
}

void AdmissionQueue::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (shutdown_ && workers_.empty()) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void AdmissionQueue::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // shutdown with nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      queued_.fetch_sub(1);
    }
    job();
  }
}

}  // namespace iris::api
