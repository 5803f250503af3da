#include "api/connection_rejecter.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace iris::api {

ConnectionRejecter::ConnectionRejecter() {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

ConnectionRejecter::~ConnectionRejecter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (wake_pipe_[1] >= 0) (void)!::write(wake_pipe_[1], "x", 1);
  thread_.join();
  for (const auto& l : incoming_) ::close(l.fd);
  if (wake_pipe_[0] >= 0) ::close(wake_pipe_[0]);
  if (wake_pipe_[1] >= 0) ::close(wake_pipe_[1]);
}

void ConnectionRejecter::Reject(int fd, const std::string& response) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // A fresh connection's send buffer is empty, so a short response goes out whole.
  (void)!::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && incoming_.size() < kMaxLingering && wake_pipe_[1] >= 0) {
      incoming_.push_back({fd, std::chrono::steady_clock::now() + kLinger});
      (void)!::write(wake_pipe_[1], "x", 1);
      return;
    }
  }
  ::close(fd);
}

void ConnectionRejecter::Run() {
  std::vector<Lingering> lingering;
  char buf[4096];
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      for (auto& l : incoming_) {
        if (lingering.size() < kMaxLingering)
          lingering.push_back(l);
        else
          ::close(l.fd);
      }
      incoming_.clear();
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    for (const auto& l : lingering) fds.push_back({l.fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 100);
    if (fds[0].revents & POLLIN) {
      while (::read(wake_pipe_[0], buf, sizeof buf) > 0) {
      }
    }
    auto now = std::chrono::steady_clock::now();
    std::vector<Lingering> still;
    for (std::size_t i = 0; i < lingering.size(); ++i) {
      bool done = now >= lingering[i].deadline;
      if (!done && (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::recv(lingering[i].fd, buf, sizeof buf, MSG_DONTWAIT);
        done = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
      }
      if (done)
        ::close(lingering[i].fd);
      else
        still.push_back(lingering[i]);
    }
    lingering.swap(still);
  }
  for (const auto& l : lingering) ::close(l.fd);
}

}  // namespace iris::api
