#include "api/socket_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "api/request_head.h"

namespace iris::api {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

void AddressOf(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

}  // namespace

void SocketStream::SetReadDeadline(std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  read_deadline_ = deadline;
  timed_out_ = timed_out;
}

bool SocketStream::HasCompleteHeadBuffered() const {
  return FindHeadEnd(std::string_view(buffer_).substr(buffer_begin_)).has_value();
}

std::string SocketStream::TakeBuffered() {
  std::string rest = buffer_.substr(buffer_begin_);
  buffer_.clear();
  buffer_begin_ = 0;
  return rest;
}

bool SocketStream::WaitReadable() const {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(read_deadline_ - std::chrono::steady_clock::now());
  if (left.count() > 0 && WaitFor(fd_, POLLIN, left)) return true;
  if (timed_out_ && std::chrono::steady_clock::now() >= read_deadline_) *timed_out_ = true;
  return false;
}

void SocketStream::ArmBodyLimit(std::size_t limit, bool* exceeded) {
  limit_armed_ = true;
  limit_ = limit;
  consumed_ = 0;
  exceeded_ = exceeded;
}

bool SocketStream::is_readable() const { return HasBufferedInput() || WaitReadable(); }

bool SocketStream::is_writable() const { return WaitFor(fd_, POLLOUT, write_timeout_); }

ssize_t SocketStream::ReadUnlimited(char* ptr, std::size_t size) {
  if (!HasBufferedInput()) {
    if (!WaitReadable()) return -1;
    buffer_.resize(kReadChunk);
    buffer_begin_ = 0;
    ssize_t n;
    do {
      n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    buffer_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n <= 0) return n;
  }
  std::size_t n = std::min(size, buffer_.size() - buffer_begin_);
  std::memcpy(ptr, buffer_.data() + buffer_begin_, n);
  buffer_begin_ += n;
  if (buffer_begin_ == buffer_.size()) {
    buffer_.clear();
    buffer_begin_ = 0;
  }
  return static_cast<ssize_t>(n);
}

ssize_t SocketStream::read(char* ptr, std::size_t size) {
  if (!limit_armed_) return ReadUnlimited(ptr, size);
  if (consumed_ >= limit_ + 1) return -1;
  // Allow one byte past the limit so "exactly at the limit" and "over it" can be told apart.
  std::size_t allowed = std::min(size, limit_ + 1 - consumed_);
  ssize_t n = ReadUnlimited(ptr, allowed);
  if (n > 0) {
    consumed_ += static_cast<std::size_t>(n);
    if (consumed_ > limit_) {
      if (exceeded_) *exceeded_ = true;
      return -1;
    }
  }
  return n;
}

ssize_t SocketStream::write(const char* ptr, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    if (!WaitFor(fd_, POLLOUT, write_timeout_)) return -1;
    ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return -1;
    }
    sent += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(sent);
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
}

}  // namespace iris::api
