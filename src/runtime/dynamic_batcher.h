// DynamicBatcher: Triton-style dynamic batching for one model. Concurrent requests are queued and
// a single worker thread merges them into one batch function call (typically OnnxSession::Run).
//
// Batch formation: the worker takes the oldest queued request, then waits until either
// max_batch_size items with the SAME shapes (every input's type and dims after dim 0) are queued
// or max_queue_delay has passed since that oldest request arrived; it concatenates those requests
// along dim 0, calls the batch function once, and slices each output back to its caller.
// Requests whose shapes differ (e.g. texts tokenised to different lengths) are never merged or
// padded: padding semantics belong to the model adapter (which may pad to a fixed length to make
// requests batchable). They simply wait for a later batch; the oldest request always goes next,
// so nothing starves.
//
// SubmitMany takes one request's several items (e.g. many crops), already concatenated along
// dim 0; they stay together in order. If one request has more than max_batch_size items it runs
// alone as consecutive chunks of max_batch_size. A request is never split across callers.
//
// Announcements: a caller that is about to Submit (it is decoding or preprocessing its input now)
// may Announce() first. While announced items are outstanding, a forming batch keeps waiting for
// them, up to max_announced_wait after its oldest request arrived. So concurrent requests share one
// run even with max_queue_delay 0, and a lone request (nothing announced) runs at once instead of
// paying a fixed delay. An Announcement ends when it is released (by the caller, right after its
// Submit) or destroyed (e.g. the caller failed before submitting).
//
// Overload: queued items (not requests) are bounded by max_queue_size. A submission that would
// go past it gets a ready future with Unavailable("model X is overloaded; retry later") at once;
// only when the queue is empty is one larger request admitted (so it can ever run). Nothing blocks.
//
// Errors: a batch function error (or exception) goes to every request in that batch; outputs
// whose dim 0 does not equal the batch size are an Internal error.
//
// Shutdown(): stops accepting (Unavailable "model X is shutting down"), runs everything already
// queued without waiting for the delay, and joins the worker. The destructor calls it. The batch
// function must stay valid until then.
//
// Thread-safety: Submit/SubmitMany/stats may be called from any thread at any time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "runtime/tensor.h"

namespace iris {

struct BatcherOptions {
  int max_batch_size = 8;                               // items per batch function call (>= 1)
  std::chrono::microseconds max_queue_delay{2000};      // wait for more items after the oldest arrived
  int max_queue_size = 256;                             // queued items before Unavailable
  std::chrono::microseconds max_announced_wait{50000};  // wait for announced items (see above)
};

// The options the [runtime] configuration section asks for (max_batch_size, max_queue_delay_us,
// max_queue_size, max_announced_wait_us); every model adapter builds its batchers from these.
BatcherOptions BatcherOptionsFromConfig(const RuntimeConfig& runtime);

struct BatcherStats {
  std::uint64_t batches = 0;   // batch function calls
  std::uint64_t items = 0;     // items run (sum of batch sizes)
  std::uint64_t rejected = 0;  // items refused because the queue was full or shutting down
  double average_batch_size = 0;
  int queue_depth = 0;  // items waiting now
};

using BatchFunction = std::function<Result<std::vector<Tensor>>(const std::vector<Tensor>& batched_inputs)>;
using BatchResult = Result<std::vector<Tensor>>;

class DynamicBatcher;

// A promise to Submit soon; see "Announcements" above. Move-only; ends at Release() or destruction.
class BatchAnnouncement {
 public:
  BatchAnnouncement() = default;
  BatchAnnouncement(BatchAnnouncement&& other) noexcept : batcher_(other.batcher_), items_(other.items_) {
    other.batcher_ = nullptr;
  }
  BatchAnnouncement& operator=(BatchAnnouncement&& other) noexcept;
  BatchAnnouncement(const BatchAnnouncement&) = delete;
  BatchAnnouncement& operator=(const BatchAnnouncement&) = delete;
  ~BatchAnnouncement() { Release(); }
  void Release();

 private:
  friend class DynamicBatcher;
  BatchAnnouncement(DynamicBatcher* batcher, int items) : batcher_(batcher), items_(items) {}
  DynamicBatcher* batcher_ = nullptr;
  int items_ = 0;
};

class DynamicBatcher {
 public:
  // `model` names the model in messages. Options are clamped to at least 1 (delay to >= 0).
  DynamicBatcher(std::string model, BatcherOptions options, BatchFunction run_batch);
  ~DynamicBatcher();
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // One item: every input has dim 0 == 1. The outputs have dim 0 == 1.
  std::future<BatchResult> Submit(std::vector<Tensor> one_item_inputs);
  // n items of one request: every input has the same dim 0 == n >= 1. Outputs have dim 0 == n,
  // in the same order.
  std::future<BatchResult> SubmitMany(std::vector<Tensor> inputs);

  // Says that `items` items will be submitted soon (the batcher must outlive the announcement).
  BatchAnnouncement Announce(int items = 1);

  void Shutdown();
  BatcherStats stats() const;
  const std::string& model() const { return model_; }

 private:
  struct Request {
    std::vector<Tensor> inputs;
    std::int64_t items = 0;
    std::chrono::steady_clock::time_point arrived;
    std::promise<BatchResult> promise;
  };

  void WorkerLoop();
  // Takes the oldest request plus compatible ones (at most max_batch_size items) off the queue,
  // waiting for the delay as described above. Empty when shut down with nothing left.
  std::vector<Request> NextBatch(std::unique_lock<std::mutex>& lock);
  std::int64_t CompatibleItems(const Request& head) const;  // queued items batchable with head
  void RunBatch(std::vector<Request> batch);
  void RunOversized(Request request);
  void Record(std::int64_t items);
  friend class BatchAnnouncement;
  void EndAnnouncement(int items);

  const std::string model_;
  const BatcherOptions options_;
  const BatchFunction run_batch_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  std::int64_t queued_items_ = 0;
  std::int64_t announced_items_ = 0;
  bool stopping_ = false;
  std::uint64_t batches_ = 0, items_ = 0, rejected_ = 0;
  std::thread worker_;  // last: starts after everything above is initialised
};

}  // namespace iris
