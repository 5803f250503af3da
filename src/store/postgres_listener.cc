#include "store/postgres_listener.h"

#include <poll.h>

#include <chrono>

#include "core/logging.h"

namespace iris {

PgListener::PgListener(std::string url, std::string channel, std::function<void()> on_notify)
    : url_(std::move(url)), channel_(std::move(channel)), on_notify_(std::move(on_notify)) {
  thread_ = std::thread([this] { Run(); });
}

PgListener::~PgListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgListener::Run() {
  std::unique_ptr<PgConnection> connection;
  bool reconnected = false;
  while (!stop_) {
    if (!connection) {
      PgConnectOptions options;
      options.connect_timeout_s = 5;
      auto connected = PgConnection::Connect(url_, options);
      if (connected.ok() && (*connected)->ExecScript("LISTEN " + channel_).ok()) {
        connection = std::move(connected).value();
        listening_ = true;
        if (reconnected) on_notify_();  // whatever was sent while we were away
      } else {
        // Quietly retried: the pool's users report the database being down.
        for (int i = 0; i < 4 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(250));
        reconnected = true;
        continue;
      }
    }
    pollfd fd{connection->socket(), POLLIN, 0};
    const int ready = ::poll(&fd, 1, 250);
    if (ready < 0 && errno != EINTR) {
      connection.reset();
      listening_ = false;
      reconnected = true;
      continue;
    }
    if (ready <= 0) continue;
    Result<int> received = connection->TakeNotifications();
    if (!received.ok()) {
      LogWarn("store.listener_lost", {{"channel", channel_}, {"error", received.status().message()}});
      connection.reset();
      listening_ = false;
      reconnected = true;
      continue;
    }
    if (*received > 0) on_notify_();
  }
}

}  // namespace iris
