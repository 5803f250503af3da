// PgListener: LISTEN on one PostgreSQL channel from a thread of its own, calling back on every
// NOTIFY another process sends (pg_notify), so work created elsewhere is picked up at once
// instead of at the next poll. A best-effort wake-up, never the only way work is found: callers keep
// polling.
//
// The listener keeps its own connection (not one of the pool's). When it breaks, it reconnects
// every second and calls back once after reconnecting (notifications sent meanwhile were lost).
// The callback runs on the listener's thread and must be quick (e.g. JobRunner::Wake).
// Ownership: owns its thread and connection; the destructor stops both within ~250 ms.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "store/postgres_connection.h"

namespace iris {

class PgListener {
 public:
  // url: libpq URL (may hold a password; never logged); channel: an identifier ([a-z_]+).
  PgListener(std::string url, std::string channel, std::function<void()> on_notify);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Whether the LISTEN is in place now (for tests: wait for it before sending).
  bool listening() const { return listening_.load(); }

 private:
  void Run();

  const std::string url_;
  const std::string channel_;
  const std::function<void()> on_notify_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace iris
