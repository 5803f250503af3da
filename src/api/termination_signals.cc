#include "api/termination_signals.h"

#include <pthread.h>

#include <cerrno>

namespace iris::api {

TerminationSignals::TerminationSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
}

TerminationSignals::~TerminationSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

std::optional<int> TerminationSignals::Wait(std::chrono::milliseconds timeout) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{static_cast<time_t>(secs.count()),
              static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout - secs).count())};
  for (;;) {
    int sig = ::sigtimedwait(&set_, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EINTR) continue;
    return std::nullopt;  // EAGAIN: timed out
  }
}

}  // namespace iris::api
