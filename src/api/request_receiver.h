// RequestReceiver: holds every connection that has no complete request yet — new connections,
// kept-alive connections between requests, clients still sending headers or a body — on one
// thread with epoll, so that no worker thread waits on a slow or silent client. A connection is
// handed to the workers (Dispatch) only once its request head has arrived, and, when the body is
// small enough to buffer (see ReceiverLimits), once its body has arrived too.
//
// Deadlines, from the first byte of a request (or from the connection's opening / the previous
// response for a request that has not started):
//   * header_timeout: the whole head must arrive within it; else 408 and close;
//   * request_timeout: a buffered body must arrive within it; else 408 and close (the worker
//     applies the same deadline to bodies it reads itself);
//   * a new connection that sends nothing within header_timeout, or a kept-alive one idle for
//     keep_alive_timeout, is closed without an answer.
// A head larger than max_head_bytes is answered 431. Connections beyond max_connections are
// answered 503 at once (Refuse). Answers are written by the Refuse callback, which takes the socket.
//
// Thread-safety: Adopt and Stop may be called from any thread; both callbacks run on the receiver's
// own thread and must not block. After Stop, Adopt closes the socket. The destructor stops.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace iris::api {

struct ReceivedRequest {
  int fd = -1;
  std::string buffered;  // bytes read from the connection: a whole request head at least, once dispatched
  std::chrono::steady_clock::time_point first_byte{};  // when the request's first byte arrived
  std::size_t served_before = 0;                       // requests already answered on this connection
};

struct ReceiverLimits {
  std::size_t max_connections = 512;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::size_t max_head_bytes = 64 * 1024;
  std::size_t max_buffered_body = 64u << 20;  // bodies up to this are read before a worker is taken
  std::size_t buffer_budget = 256u << 20;     // request bytes held for all connections together
};

class RequestReceiver {
 public:
  using Dispatch = std::function<void(ReceivedRequest)>;
  // Answers `status` with `detail` and closes; `reason` is a short metric label. Takes the fd.
  using Refuse = std::function<void(int fd, int status, std::string_view detail, std::string_view reason)>;

  RequestReceiver(ReceiverLimits limits, Dispatch dispatch, Refuse refuse);
  ~RequestReceiver();
  RequestReceiver(const RequestReceiver&) = delete;
  RequestReceiver& operator=(const RequestReceiver&) = delete;

  // Takes ownership of `connection.fd`. `buffered` may hold the start of the next request.
  void Adopt(ReceivedRequest connection);

  // Hands over connections whose request head is complete, closes the others, joins the thread.
  // Idempotent.
  void Stop();

  std::size_t open_connections() const { return open_connections_.load(); }

 private:
  enum class State { kIdle, kHead, kBody };
  struct Connection {
    int fd = -1;
    State state = State::kIdle;
    std::string buffer;
    std::size_t needed = 0;  // kBody: bytes of head + body
    std::chrono::steady_clock::time_point first_byte{};
    std::chrono::steady_clock::time_point deadline{};
    std::size_t served_before = 0;
  };
  enum class Outcome { kKeep, kGone };

  void Run();
  void Register(ReceivedRequest incoming);
  Outcome OnReadable(Connection& c);
  Outcome Advance(Connection& c);
  void ExpireDeadlines();
  void Forget(Connection& c);  // epoll removal + bookkeeping; the fd is not closed
  void Close(Connection& c);
  void HandOver(Connection& c);
  void RefuseAndForget(Connection& c, int status, std::string_view detail, std::string_view reason);
  void StopOnThread();

  const ReceiverLimits limits_;
  Dispatch dispatch_;
  Refuse refuse_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<std::size_t> open_connections_{0};

  std::mutex mu_;
  std::vector<ReceivedRequest> incoming_;
  bool stopping_ = false;
  bool stopped_ = false;

  // Receiver thread only.
  std::unordered_map<int, Connection> connections_;
  std::size_t buffered_bytes_ = 0;
  std::thread thread_;
};

}  // namespace iris::api
