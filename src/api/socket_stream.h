// SocketStream: httplib::Stream over one accepted TCP connection, used by HttpServer for every
// request on that connection (keep-alive included). Reads are buffered (httplib parses the
// request line and headers byte by byte) and the buffer survives between requests, so pipelined
// input is not lost. Each read/write waits at most its timeout. A body limit can be armed per
// request: once more than `limit` bytes have been consumed after arming, reads fail and
// `*exceeded` is set; this bounds chunked and length-less bodies that httplib 0.11 would read
// without limit. Owned by one worker thread; not thread-safe. Does not own the socket.
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>
#include <cstddef>

namespace iris::api {

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  void ArmBodyLimit(std::size_t limit, bool* exceeded);
  void DisarmBodyLimit() { limit_armed_ = false; }
  bool HasBufferedInput() const { return buffer_begin_ < buffer_end_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  ssize_t ReadUnlimited(char* ptr, std::size_t size);

  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t buffer_begin_ = 0;
  std::size_t buffer_end_ = 0;
  bool limit_armed_ = false;
  std::size_t limit_ = 0;
  std::size_t consumed_ = 0;
  bool* exceeded_ = nullptr;
};

}  // namespace iris::api
