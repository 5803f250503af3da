// LocalHttpServer: a cpp-httplib server on a free loopback port, running in a thread for the
// lifetime of the object (image servers, fake catalogs, redirectors in end-to-end tests).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace iris::testing {

class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::function<void(httplib::Server&)> setup) {
    setup(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LocalHttpServer() {
    stop_ = true;
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string Url(const std::string& host, const std::string& path) const {
    return "http://" + host + ":" + std::to_string(port_) + path;
  }
  const std::atomic<bool>& stopping() const { return stop_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace iris::testing
