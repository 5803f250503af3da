#include "runtime/dynamic_batcher.h"

#include <algorithm>
#include <exception>

namespace iris {
namespace {

std::future<BatchResult> ReadyFuture(Status status) {
  std::promise<BatchResult> promise;
  promise.set_value(std::move(status));
  return promise.get_future();
}

// Requests can share a batch when every input agrees on type and on all dims after dim 0.
bool SameItemShape(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& sa = a[i].shape();
    const auto& sb = b[i].shape();
    if (a[i].type() != b[i].type() || sa.size() != sb.size() || !std::equal(sa.begin() + 1, sa.end(), sb.begin() + 1)) {
      return false;
    }
  }
  return true;
}

// Calls the batch function, turning an escaped exception into a Status and checking that every
// output has one row per item.
BatchResult CallBatch(const BatchFunction& run_batch, const std::vector<Tensor>& inputs, std::int64_t items,
                      const std::string& model) {
  BatchResult result = Internal("model " + model + ": batch function did not run");
  try {
    result = run_batch(inputs);
  } catch (const std::exception& e) {
    return Internal("model " + model + ": batch function threw: " + e.what());
  }
  if (!result.ok()) return result;
  for (const Tensor& output : *result) {
    if (output.rank() == 0 || output.batch() != items) {
      return Internal("model " + model + " returned " + output.Describe() + " for a batch of " + std::to_string(items));
    }
  }
  return result;
}

// Rows [begin, begin+count) of every tensor.
Result<std::vector<Tensor>> SliceAll(const std::vector<Tensor>& tensors, std::int64_t begin, std::int64_t count) {
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& tensor : tensors) {
    IRIS_ASSIGN_OR_RETURN(Tensor slice, tensor.Slice(begin, count));
    out.push_back(std::move(slice));
  }
  return out;
}

// parts[k][i] is input i of part k; returns input i of all parts joined along dim 0.
Result<std::vector<Tensor>> ConcatAll(const std::vector<std::vector<Tensor>*>& parts) {
  std::vector<Tensor> out;
  const std::size_t count = parts.front()->size();
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<Tensor> column;
    column.reserve(parts.size());
    for (std::vector<Tensor>* part : parts) column.push_back(std::move((*part)[i]));
    IRIS_ASSIGN_OR_RETURN(Tensor joined, Tensor::Concat(column));
    out.push_back(std::move(joined));
  }
  return out;
}

}  // namespace

BatcherOptions BatcherOptionsFromConfig(const RuntimeConfig& runtime) {
  BatcherOptions o;
  o.max_batch_size = runtime.max_batch_size;
  o.max_queue_delay = std::chrono::microseconds(runtime.max_queue_delay_us);
  o.max_queue_size = runtime.max_queue_size;
  o.max_announced_wait = std::chrono::microseconds(runtime.max_announced_wait_us);
  return o;
}

DynamicBatcher::DynamicBatcher(std::string model, BatcherOptions options, BatchFunction run_batch)
    : model_(std::move(model)),
      options_{std::max(1, options.max_batch_size), std::max(options.max_queue_delay, std::chrono::microseconds(0)),
               std::max(1, options.max_queue_size), std::max(options.max_announced_wait, std::chrono::microseconds(0))},
      run_batch_(std::move(run_batch)),
      worker_([this] { WorkerLoop(); }) {}

DynamicBatcher::~DynamicBatcher() { Shutdown(); }

void DynamicBatcher::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  // Joining from the worker itself (a batch function calling Shutdown) would deadlock.
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

std::future<BatchResult> DynamicBatcher::Submit(std::vector<Tensor> one_item_inputs) {
  for (const Tensor& input : one_item_inputs) {
    if (input.rank() == 0 || input.batch() != 1) {
      return ReadyFuture(
          InvalidArgument("model " + model_ + ": Submit takes one item (dim 0 == 1), got " + input.Describe()));
    }
  }
  return SubmitMany(std::move(one_item_inputs));
}

std::future<BatchResult> DynamicBatcher::SubmitMany(std::vector<Tensor> inputs) {
  if (inputs.empty()) return ReadyFuture(InvalidArgument("model " + model_ + ": no inputs submitted"));
  const std::int64_t items = inputs.front().rank() == 0 ? 0 : inputs.front().batch();
  for (const Tensor& input : inputs) {
    if (input.rank() == 0 || input.batch() != items || items < 1) {
      return ReadyFuture(InvalidArgument("model " + model_ + ": every input needs the same dim 0 >= 1; got " +
                                         input.Describe() + " with " + inputs.front().Describe()));
    }
  }
  Request request;
  request.inputs = std::move(inputs);
  request.items = items;
  request.arrived = std::chrono::steady_clock::now();
  std::future<BatchResult> future = request.promise.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      rejected_ += static_cast<std::uint64_t>(items);
      return ReadyFuture(Unavailable("model " + model_ + " is shutting down"));
    }
    if (queued_items_ > 0 && queued_items_ + items > options_.max_queue_size) {
      rejected_ += static_cast<std::uint64_t>(items);
      return ReadyFuture(Unavailable("model " + model_ + " is overloaded; retry later"));
    }
    queued_items_ += items;
    queue_.push_back(std::move(request));
  }
  wake_.notify_one();
  return future;
}

BatcherStats DynamicBatcher::stats() const {
  std::lock_guard lock(mu_);
  BatcherStats stats;
  stats.batches = batches_;
  stats.items = items_;
  stats.rejected = rejected_;
  stats.average_batch_size = batches_ == 0 ? 0.0 : static_cast<double>(items_) / static_cast<double>(batches_);
  stats.queue_depth = static_cast<int>(queued_items_);
  return stats;
}

void DynamicBatcher::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    std::vector<Request> batch = NextBatch(lock);
    if (batch.empty()) return;
    lock.unlock();
    RunBatch(std::move(batch));
    lock.lock();
  }
}

std::int64_t DynamicBatcher::CompatibleItems(const Request& head) const {
  std::int64_t items = 0;
  for (const Request& request : queue_) {
    if (SameItemShape(request.inputs, head.inputs)) items += request.items;
  }
  return items;
}

std::vector<DynamicBatcher::Request> DynamicBatcher::NextBatch(std::unique_lock<std::mutex>& lock) {
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return {};
  // Only this thread removes requests, and deque::push_back keeps references valid, so `head`
  // stays the front while we wait.
  const Request& head = queue_.front();
  const auto delay_deadline = head.arrived + options_.max_queue_delay;
  const auto announced_deadline = head.arrived + options_.max_announced_wait;
  while (!stopping_ && CompatibleItems(head) < options_.max_batch_size) {
    const auto now = std::chrono::steady_clock::now();
    // Wait for the fixed delay, and longer while someone announced an item that is on its way.
    auto deadline = delay_deadline;
    if (announced_items_ > 0 && announced_deadline > deadline) deadline = announced_deadline;
    if (now >= deadline) break;
    wake_.wait_until(lock, deadline);
  }
  std::vector<Request> batch;
  std::int64_t taken = 0;
  for (auto it = queue_.begin(); it != queue_.end() && taken < options_.max_batch_size;) {
    const bool fits = batch.empty() ||
                      (taken + it->items <= options_.max_batch_size && SameItemShape(it->inputs, batch.front().inputs));
    if (!fits) {
      ++it;
      continue;
    }
    taken += it->items;
    batch.push_back(std::move(*it));
    it = queue_.erase(it);
  }
  queued_items_ -= taken;
  return batch;
}

BatchAnnouncement& BatchAnnouncement::operator=(BatchAnnouncement&& other) noexcept {
  if (this != &other) {
    Release();
    batcher_ = other.batcher_;
    items_ = other.items_;
    other.batcher_ = nullptr;
  }
  return *this;
}

void BatchAnnouncement::Release() {
  if (batcher_ != nullptr) batcher_->EndAnnouncement(items_);
  batcher_ = nullptr;
}

BatchAnnouncement DynamicBatcher::Announce(int items) {
  if (items < 1) items = 1;
  std::lock_guard lock(mu_);
  announced_items_ += items;
  return BatchAnnouncement(this, items);
}

void DynamicBatcher::EndAnnouncement(int items) {
  {
    std::lock_guard lock(mu_);
    announced_items_ -= items;
  }
  wake_.notify_all();
}

void DynamicBatcher::Record(std::int64_t items) {
  std::lock_guard lock(mu_);
  ++batches_;
  items_ += static_cast<std::uint64_t>(items);
}

void DynamicBatcher::RunBatch(std::vector<Request> batch) {
  if (batch.size() == 1 && batch.front().items > options_.max_batch_size) {
    RunOversized(std::move(batch.front()));
    return;
  }
  std::int64_t total = 0;
  for (const Request& request : batch) total += request.items;

  BatchResult outputs = Internal("unreachable");
  if (batch.size() == 1) {
    outputs = CallBatch(run_batch_, batch.front().inputs, total, model_);
  } else {
    std::vector<std::vector<Tensor>*> parts;
    for (Request& request : batch) parts.push_back(&request.inputs);
    Result<std::vector<Tensor>> joined = ConcatAll(parts);
    outputs = joined.ok() ? CallBatch(run_batch_, *joined, total, model_) : BatchResult(joined.status());
  }
  Record(total);

  if (!outputs.ok() || batch.size() == 1) {
    for (Request& request : batch) request.promise.set_value(outputs);
    return;
  }
  std::int64_t offset = 0;
  for (Request& request : batch) {
    request.promise.set_value(SliceAll(*outputs, offset, request.items));
    offset += request.items;
  }
}

void DynamicBatcher::RunOversized(Request request) {
  std::vector<std::vector<Tensor>> chunks;
  for (std::int64_t begin = 0; begin < request.items; begin += options_.max_batch_size) {
    const std::int64_t count = std::min<std::int64_t>(options_.max_batch_size, request.items - begin);
    Result<std::vector<Tensor>> inputs = SliceAll(request.inputs, begin, count);
    BatchResult outputs = inputs.ok() ? CallBatch(run_batch_, *inputs, count, model_) : BatchResult(inputs.status());
    Record(count);
    if (!outputs.ok()) {
      request.promise.set_value(outputs.status());
      return;
    }
    chunks.push_back(std::move(outputs).value());
  }
  std::vector<std::vector<Tensor>*> parts;
  for (std::vector<Tensor>& chunk : chunks) parts.push_back(&chunk);
  request.promise.set_value(ConcatAll(parts));
}

}  // namespace iris
