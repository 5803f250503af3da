// ConnectionRejecter: answers a connection the server will not serve (admission queue full)
// with a fixed response, without blocking and without reading the request first. It writes
// the response with a non-blocking send, half-closes, then keeps the socket on a single
// background thread, discarding what the client still sends, until the client closes or a
// short linger time passes: closing a socket with unread input would send a TCP reset that can
// destroy the response before the client reads it. At most kMaxLingering sockets linger; past
// that, sockets are closed at once. Reject() is thread-safe; the destructor closes everything.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace iris::api {

class ConnectionRejecter {
 public:
  static constexpr std::size_t kMaxLingering = 1024;
  static constexpr std::chrono::milliseconds kLinger{2000};

  ConnectionRejecter();
  ~ConnectionRejecter();
  ConnectionRejecter(const ConnectionRejecter&) = delete;
  ConnectionRejecter& operator=(const ConnectionRejecter&) = delete;

  // Takes ownership of `fd`.
  void Reject(int fd, const std::string& response);

 private:
  struct Lingering {
    int fd;
    std::chrono::steady_clock::time_point deadline;
  };
  void Run();

  int wake_pipe_[2] = {-1, -1};
  std::mutex mu_;
  std::vector<Lingering> incoming_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iris::api
