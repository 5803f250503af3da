// SocketStream: httplib::Stream over one accepted TCP connection, used by an HttpServer worker for
// the requests it serves on that connection. It starts with the bytes the RequestReceiver already
// read (a whole request head at least). Reads are buffered (httplib parses the request line and
// headers byte by byte) and the buffer survives between requests, so pipelined input is not lost;
// TakeBuffered() hands what is left back to the receiver. Reads wait at most until the request's
// deadline (SetReadDeadline: the whole request, not each read; passing it sets *timed_out); each
// write waits at most the write timeout. A body limit can be armed per
// request: once more than `limit` bytes have been consumed after arming, reads fail and
// `*exceeded` is set; this bounds chunked and length-less bodies that httplib 0.11 would read
// without limit. Owned by one worker thread; not thread-safe. Does not own the socket.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace iris::api {

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::string buffered, std::chrono::milliseconds write_timeout)
      : fd_(fd), write_timeout_(write_timeout), buffer_(std::move(buffered)) {}

  void SetReadDeadline(std::chrono::steady_clock::time_point deadline, bool* timed_out);
  void ArmBodyLimit(std::size_t limit, bool* exceeded);
  void DisarmBodyLimit() { limit_armed_ = false; }
  bool HasBufferedInput() const { return buffer_begin_ < buffer_.size(); }
  // True when the buffer holds a whole request head (a pipelined request ready to parse).
  bool HasCompleteHeadBuffered() const;
  // The unread input; the stream is empty afterwards.
  std::string TakeBuffered();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  ssize_t ReadUnlimited(char* ptr, std::size_t size);
  bool WaitReadable() const;

  int fd_;
  std::chrono::milliseconds write_timeout_;
  std::chrono::steady_clock::time_point read_deadline_ = std::chrono::steady_clock::now();
  bool* timed_out_ = nullptr;
  std::string buffer_;
  std::size_t buffer_begin_ = 0;
  bool limit_armed_ = false;
  std::size_t limit_ = 0;
  std::size_t consumed_ = 0;
  bool* exceeded_ = nullptr;
};

}  // namespace iris::api
