// The plumbing the fake OpenAI-compatible servers share (fake_chat_server.h, fake_image_edit_server.h): JSON
// replies, OpenAI's error body, and serving one POST path on loopback while counting requests in flight.
// Thread-safe as httplib is; the caller owns the server and the thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace iris::testing {

void SetJsonReply(httplib::Response& res, int status, const nlohmann::json& body);

// {"error": {"message", "type", "param", "code"}} as OpenAI sends it.
nlohmann::json OpenAiError(const std::string& message, const std::string& type, const nlohmann::json& param,
                           const nlohmann::json& code);

struct InFlightCounter {
  std::atomic<int> now{0};
  std::atomic<int> max{0};
};

// Serves POST `path` with `handler` on 127.0.0.1 (an ephemeral port) from `thread`, counting the requests in
// flight in `counter`; other paths get OpenAI's "Invalid URL" 404 body. Returns once listening, with the
// port; throws std::runtime_error naming `who` when no port can be bound.
int ServeOnLoopback(httplib::Server& server, std::thread& thread, const std::string& path,
                    std::function<void(const httplib::Request&, httplib::Response&)> handler, InFlightCounter& counter,
                    const std::string& who);

}  // namespace iris::testing
