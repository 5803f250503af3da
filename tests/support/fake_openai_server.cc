#include "support/fake_openai_server.h"

#include <chrono>
#include <stdexcept>

namespace iris::testing {

void SetJsonReply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

nlohmann::json OpenAiError(const std::string& message, const std::string& type, const nlohmann::json& param,
                           const nlohmann::json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}};
}

int ServeOnLoopback(httplib::Server& server, std::thread& thread, const std::string& path,
                    std::function<void(const httplib::Request&, httplib::Response&)> handler, InFlightCounter& counter,
                    const std::string& who) {
  server.set_keep_alive_timeout(1);
  server.Post(path, [handler = std::move(handler), &counter](const httplib::Request& req, httplib::Response& res) {
    const int now = ++counter.now;
    for (int seen = counter.max; now > seen && !counter.max.compare_exchange_weak(seen, now);) {
    }
    handler(req, res);
    --counter.now;
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    SetJsonReply(
        res, res.status,
        OpenAiError("Invalid URL (" + req.method + " " + req.path + ")", "invalid_request_error", nullptr, nullptr));
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error(who + ": cannot bind a port on 127.0.0.1");
  thread = std::thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

}  // namespace iris::testing
