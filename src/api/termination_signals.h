// TerminationSignals: synchronous handling of SIGTERM and SIGINT. The constructor blocks both
// signals in the calling thread, and so in every thread it creates afterwards, and ignores
// SIGPIPE; signals are then taken with sigtimedwait() in Wait(), so no code runs in an
// asynchronous signal handler. Construct it first thing in RunServer, before any thread starts.
// The destructor restores the previous mask. Use from one thread.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

namespace iris::api {

class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // The signal number if SIGTERM or SIGINT arrived within `timeout`, else nullopt.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  sigset_t set_;
  sigset_t previous_;
};

}  // namespace iris::api
