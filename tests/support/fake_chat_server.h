// FakeChatServer: a fake OpenAI-compatible chat-completions API on 127.0.0.1 (an ephemeral port),
// for tests of the captioning provider and end-to-end tests of describe_image. Point
// captions.url at base_url() ("http://127.0.0.1:PORT/v1").
//
// It speaks the real protocol: POST /v1/chat/completions with a JSON body is checked strictly
// (Content-Type application/json; a "model" string; a non-empty "messages" array of {"role",
// "content"} with content a string or an array of {"type":"text","text"} and {"type":"image_url",
// "image_url":{"url"}} parts; image URLs must be data:image/(jpeg|png|webp|gif);base64 URLs that
// decode; max_tokens / max_completion_tokens, when present, integers >= 1; no unknown top-level
// fields; response_format, when present, a text, json_object or json_schema format with a name and a schema
// object), and a malformed request gets a 400 with an OpenAI-style {"error": {...}} body. Other
// paths get 404. When expected_api_key is set, a request without "Authorization: Bearer <it>" gets
// 401 like OpenAI's.
//
// Each well-formed request with the expected key is recorded (FakeChatRequest; those refused with
// 400 or 401 are not) and answered with the next scripted
// FakeChatBehaviour (Enqueue, first in first out), or the default behaviour when none is queued.
// The default reply describes the first image deterministically: "an image of WxH pixels (JPEG,
// N bytes)" (dimensions read from the PNG or JPEG header; "an image of N bytes" when unknown) — or, when the
// request asks for a json_schema response_format, a JSON object following the schema whose strings name
// their property and that description (enums take their first value) — cut
// to max_tokens words with finish_reason "length" when longer, so tests can see that the image was
// really sent and max_tokens honoured.
//
// Thread-safe: the server answers from a pool of threads; all accessors lock. The destructor stops
// the server (sleeping behaviours end early).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_openai_server.h"

namespace iris::testing {

struct FakeChatBehaviour {
  enum class Kind {
    kOk,               // 200 with `text` (empty: the default description of the image)
    kStatus,           // `status` with an OpenAI-style error body (message: `error_message`)
    kMalformedJson,    // 200 with a body that is not JSON
    kWrongSchema,      // 200 with a JSON object that has no "choices"
    kContentParts,     // 200 with content as [{"type":"text","text": first half}, {... second half}]
    kCloseConnection,  // 200 headers announcing a body, then the connection is closed mid-body
  };
  Kind kind = Kind::kOk;
  std::string text;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // extra reply headers, e.g. Retry-After
  std::string error_message;                                 // kStatus; empty: "fake error <status>"
  bool echo_authorization = false;  // kStatus: append the request's Authorization header to the message
  int sleep_ms = 0;                 // any kind: wait this long before answering

  static FakeChatBehaviour Ok(std::string text = "");
  static FakeChatBehaviour Status(int status, std::string retry_after = "");
  static FakeChatBehaviour SleepThenOk(int ms, std::string text = "");
  static FakeChatBehaviour MalformedJson();
  static FakeChatBehaviour WrongSchema();
  static FakeChatBehaviour ContentParts(std::string text = "");
  static FakeChatBehaviour CloseConnection();
};

struct FakeChatRequest {
  std::string model;
  std::string prompt;             // the text parts of the messages, joined by "\n"
  std::optional<int> max_tokens;  // max_tokens, else max_completion_tokens
  std::string authorization;      // the raw Authorization header ("" when absent)
  std::string image_mime;         // of the first image ("" when there is none)
  std::size_t image_bytes = 0;    // decoded size of the first image
  std::string image_format;       // "JPEG", "PNG", "WEBP", "GIF" by magic bytes; "" if none matches
  int image_width = 0;            // from the PNG/JPEG header; 0 when unknown
  int image_height = 0;
  int images = 0;                                 // image parts in the request
  std::optional<nlohmann::json> response_format;  // as sent, when sent
  std::chrono::steady_clock::time_point received;
};

class FakeChatServer {
 public:
  FakeChatServer();  // listening when it returns; throws std::runtime_error if it cannot bind
  ~FakeChatServer();
  FakeChatServer(const FakeChatServer&) = delete;
  FakeChatServer& operator=(const FakeChatServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1

  void Enqueue(FakeChatBehaviour behaviour);
  void SetDefault(FakeChatBehaviour behaviour);  // for requests when the queue is empty
  void set_expected_api_key(std::string key);    // "" (default): any or no key is accepted

  std::vector<FakeChatRequest> requests() const;  // well-formed requests, in arrival order
  int rejected() const { return rejected_; }      // requests answered 400 as malformed
  int max_in_flight() const { return in_flight_.max; }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  void SleepUnlessStopping(int ms) const;

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::deque<FakeChatBehaviour> queue_;
  FakeChatBehaviour default_;
  std::string expected_key_;
  std::vector<FakeChatRequest> requests_;
  std::atomic<int> rejected_{0};
  InFlightCounter in_flight_;
  std::atomic<bool> stopping_{false};
};

}  // namespace iris::testing
