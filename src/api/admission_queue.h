// AdmissionQueue: the httplib TaskQueue behind HttpServer: a fixed pool of worker threads and a
// bounded queue of accepted connections waiting for one. httplib's TaskQueue::enqueue returns
// void and cannot refuse work, so when the queue is full enqueue() runs the connection's task
// right away on the calling (accept) thread with RejectingOnThisThread() == true; HttpServer's
// connection handler sees that flag and answers 503 without reading the request (see
// connection_rejecter.h), which never blocks. So the accept loop never waits and the queue never
// grows past max_queued.
// enqueue() is called by httplib's accept thread; shutdown() runs the queued tasks to completion
// and joins the workers. `queued` (owned by the caller, outlives the queue) mirrors the queue
// length for /metrics and for graceful shutdown.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace iris::api {

class AdmissionQueue : public httplib::TaskQueue {
 public:
  // `on_reject` is called (on the accept thread) each time a connection is refused.
  AdmissionQueue(std::size_t workers, std::size_t max_queued, std::atomic<std::size_t>& queued,
                 std::function<void()> on_reject);
  ~AdmissionQueue() override;
  AdmissionQueue(const AdmissionQueue&) = delete;
  AdmissionQueue& operator=(const AdmissionQueue&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // True while a refused connection's task runs on this thread.
  static bool RejectingOnThisThread();

 private:
  void WorkerLoop();

  const std::size_t max_queued_;
  std::atomic<std::size_t>& queued_;
  std::function<void()> on_reject_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace iris::api
