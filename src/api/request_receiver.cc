#include "api/request_receiver.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "api/request_head.h"

namespace iris::api {
namespace {

using Clock = std::chrono::steady_clock;

// How often deadlines are checked: the precision of every timeout above.
constexpr std::chrono::milliseconds kTick{50};
// Bytes read from one connection per wake-up, so one fast sender cannot starve the others.
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kChunksPerWake = 16;

std::string Seconds(std::chrono::milliseconds d) {
  double s = static_cast<double>(d.count()) / 1000.0;
  std::string text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

RequestReceiver::RequestReceiver(ReceiverLimits limits, Dispatch dispatch, Refuse refuse)
    : limits_(limits), dispatch_(std::move(dispatch)), refuse_(std::move(refuse)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { Run(); });
}

RequestReceiver::~RequestReceiver() {
  Stop();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void RequestReceiver::Adopt(ReceivedRequest connection) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      incoming_.push_back(std::move(connection));
      std::uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
      return;
    }
  }
  ::close(connection.fd);
}

void RequestReceiver::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  stopped_ = true;
}

void RequestReceiver::Run() {
  epoll_event events[64];
  auto next_tick = Clock::now() + kTick;
  for (;;) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
    int n = ::epoll_wait(epoll_fd_, events, 64, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    std::vector<ReceivedRequest> incoming;
    bool stopping;
    {
      std::lock_guard lock(mu_);
      incoming.swap(incoming_);
      stopping = stopping_;
    }
    for (auto& connection : incoming) Register(std::move(connection));
    if (stopping) {
      StopOnThread();
      return;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        std::uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      auto it = connections_.find(fd);
      if (it != connections_.end()) OnReadable(it->second);
    }
    if (Clock::now() >= next_tick) {
      ExpireDeadlines();
      next_tick = Clock::now() + kTick;
    }
  }
}

void RequestReceiver::Register(ReceivedRequest incoming) {
  Connection c;
  c.fd = incoming.fd;
  c.served_before = incoming.served_before;
  c.buffer = std::move(incoming.buffered);
  auto now = Clock::now();
  if (connections_.size() >= limits_.max_connections) {
    std::string detail = "server overloaded: too many open connections (server.max_connections = " +
                         std::to_string(limits_.max_connections) + "), retry later";
    refuse_(c.fd, 503, detail, "too_many_connections");
    return;
  }
  if (c.buffer.empty()) {
    c.state = State::kIdle;
    c.deadline = now + (c.served_before == 0 ? limits_.header_timeout : limits_.keep_alive_timeout);
  } else {
    c.state = State::kHead;
    c.first_byte = now;
    c.deadline = now + std::min(limits_.header_timeout, limits_.request_timeout);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = c.fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
    ::close(c.fd);
    return;
  }
  buffered_bytes_ += c.buffer.size();
  open_connections_.fetch_add(1);
  int fd = c.fd;
  auto [it, inserted] = connections_.emplace(fd, std::move(c));
  if (it->second.state == State::kHead) Advance(it->second);
}

RequestReceiver::Outcome RequestReceiver::OnReadable(Connection& c) {
  char chunk[kReadChunk];
  for (int round = 0; round < kChunksPerWake; ++round) {
    ssize_t n = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) {  // the client closed before its request was complete
      Close(c);
      return Outcome::kGone;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Outcome::kKeep;
      Close(c);
      return Outcome::kGone;
    }
    if (c.state == State::kIdle) {
      c.state = State::kHead;
      c.first_byte = Clock::now();
      c.deadline = c.first_byte + std::min(limits_.header_timeout, limits_.request_timeout);
    }
    c.buffer.append(chunk, static_cast<std::size_t>(n));
    buffered_bytes_ += static_cast<std::size_t>(n);
    if (Advance(c) == Outcome::kGone) return Outcome::kGone;
  }
  return Outcome::kKeep;
}

RequestReceiver::Outcome RequestReceiver::Advance(Connection& c) {
  if (c.state == State::kHead) {
    auto head_end = FindHeadEnd(c.buffer);
    if (!head_end) {
      if (c.buffer.size() > limits_.max_head_bytes) {
        RefuseAndForget(c, 431,
                        "request header fields too large (over " + std::to_string(limits_.max_head_bytes) + " bytes)",
                        "head_too_large");
        return Outcome::kGone;
      }
      return Outcome::kKeep;
    }
    BodyFraming framing = ReadBodyFraming(std::string_view(c.buffer).substr(0, *head_end));
    std::uint64_t length = framing.content_length.value_or(0);
    // Bodies of unknown length, bodies the client sends only after "100 Continue", and large ones
    // are read by the worker (under the same request deadline); so is everything once the buffer
    // budget is spent.
    bool buffer_body = length > 0 && !framing.chunked && !framing.expect_continue && !framing.malformed &&
                       length <= limits_.max_buffered_body &&
                       buffered_bytes_ - c.buffer.size() + *head_end + length <= limits_.buffer_budget;
    if (!buffer_body) {
      HandOver(c);
      return Outcome::kGone;
    }
    c.state = State::kBody;
    c.needed = *head_end + static_cast<std::size_t>(length);
    c.deadline = c.first_byte + limits_.request_timeout;
  }
  if (c.state == State::kBody && c.buffer.size() >= c.needed) {
    HandOver(c);
    return Outcome::kGone;
  }
  return Outcome::kKeep;
}

void RequestReceiver::ExpireDeadlines() {
  auto now = Clock::now();
  std::vector<int> expired;
  for (auto& [fd, c] : connections_) {
    if (now >= c.deadline) expired.push_back(fd);
  }
  for (int fd : expired) {
    Connection& c = connections_.at(fd);
    switch (c.state) {
      case State::kIdle:
        Close(c);
        break;
      case State::kHead:
        RefuseAndForget(c, 408,
                        "request headers not received within " +
                            Seconds(std::min(limits_.header_timeout, limits_.request_timeout)) +
                            " s (server.header_timeout_s)",
                        "header_timeout");
        break;
      case State::kBody:
        RefuseAndForget(c, 408,
                        "request body not received within " + Seconds(limits_.request_timeout) +
                            " s of its first byte (server.read_timeout_s)",
                        "request_timeout");
        break;
    }
  }
}

void RequestReceiver::Forget(Connection& c) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  buffered_bytes_ -= c.buffer.size();
  open_connections_.fetch_sub(1);
  connections_.erase(c.fd);  // `c` is gone from here on
}

void RequestReceiver::Close(Connection& c) {
  int fd = c.fd;
  Forget(c);
  ::close(fd);
}

void RequestReceiver::HandOver(Connection& c) {
  ReceivedRequest request{c.fd, std::move(c.buffer), c.first_byte, c.served_before};
  buffered_bytes_ -= request.buffered.size();
  c.buffer.clear();
  Forget(c);
  dispatch_(std::move(request));
}

void RequestReceiver::RefuseAndForget(Connection& c, int status, std::string_view detail, std::string_view reason) {
  int fd = c.fd;
  Forget(c);
  refuse_(fd, status, detail, reason);
}

void RequestReceiver::StopOnThread() {
  std::vector<int> fds;
  for (auto& [fd, c] : connections_) fds.push_back(fd);
  for (int fd : fds) {
    Connection& c = connections_.at(fd);
    // A request whose head is here is served (its body, if still coming, is read by the worker).
    if (c.state == State::kBody) {
      HandOver(c);
    } else {
      Close(c);
    }
  }
}

}  // namespace iris::api
