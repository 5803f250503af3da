// FakeImageEditServer: a fake OpenAI-compatible images API on 127.0.0.1 (an ephemeral port) for tests of
// the image-edit client and end-to-end tests of POST /generate-images. Point generation.url at base_url()
// ("http://127.0.0.1:PORT/v1").
//
// It speaks the real protocol: POST /v1/images/edits with multipart/form-data is checked strictly: an
// `image` file part (or `image[]`) holding a PNG, JPEG or WebP (magic bytes), a non-empty `prompt`, and
// optional `model`, `n` (1..10), `size` (auto, 256x256, 512x512, 1024x1024, 1536x1024, 1024x1536),
// `quality` (auto, low, medium, high, standard, hd), `background` (auto, transparent, opaque),
// `response_format` (b64_json, url); any other field is refused. A malformed request gets a 400 with an
// OpenAI-style {"error": {...}} body; other paths get 404. When expected_api_key is set, a request without
// "Authorization: Bearer <it>" gets 401 like OpenAI's.
//
// Each well-formed request with the right key is recorded and answered with the next scripted behaviour:
// first from the queue of the first rule whose text occurs in the prompt (EnqueueFor), then from the
// global queue (Enqueue), else the default. The default reply is {"created": ..., "data": [{"b64_json":
// <a real 64x64 PNG>}], "usage": {...}}; each reply's PNG has its own colour (a counter), so every
// generated image has different bytes.
//
// Thread-safe (a pool of threads answers; accessors lock). The destructor stops the server (sleeping
// behaviours end early).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_openai_server.h"

namespace iris::testing {

struct FakeImageBehaviour {
  enum class Kind {
    kOk,             // 200 with a PNG in data[0].b64_json
    kStatus,         // `status` with an OpenAI-style error body
    kMalformedJson,  // 200 with a body cut in the middle of the JSON
    kUrlOnly,        // 200 with data[0].url instead of b64_json
    kNotAnImage,     // 200 with b64_json that decodes to text
  };
  Kind kind = Kind::kOk;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After
  int sleep_ms = 0;                                          // before answering

  static FakeImageBehaviour Ok();
  static FakeImageBehaviour Status(int status, std::string retry_after = "");
  static FakeImageBehaviour SleepThenOk(int ms);
  static FakeImageBehaviour MalformedJson();
  static FakeImageBehaviour UrlOnly();
  static FakeImageBehaviour NotAnImage();
};

struct FakeImageRequest {
  std::string prompt;
  std::string model;
  std::string size;
  std::string quality;
  std::string n;
  std::string image_field;   // "image" or "image[]"
  std::string image_format;  // "PNG", "JPEG", "WEBP"
  std::string image_content_type;
  std::size_t image_bytes = 0;
  std::string authorization;
};

class FakeImageEditServer {
 public:
  FakeImageEditServer();  // listening when it returns; throws std::runtime_error if it cannot bind
  ~FakeImageEditServer();
  FakeImageEditServer(const FakeImageEditServer&) = delete;
  FakeImageEditServer& operator=(const FakeImageEditServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:PORT/v1

  void Enqueue(FakeImageBehaviour behaviour);
  // For requests whose prompt contains `prompt_part`.
  void EnqueueFor(const std::string& prompt_part, FakeImageBehaviour behaviour);
  void SetDefault(FakeImageBehaviour behaviour);
  void set_expected_api_key(std::string key);

  std::vector<FakeImageRequest> requests() const;  // well-formed ones, in arrival order
  int rejected() const { return rejected_; }       // answered 400 as malformed
  int unauthorized() const { return unauthorized_; }
  int max_in_flight() const { return in_flight_.max; }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::deque<FakeImageBehaviour> queue_;
  std::vector<std::pair<std::string, std::deque<FakeImageBehaviour>>> rules_;
  FakeImageBehaviour default_;
  std::string expected_key_;
  std::vector<FakeImageRequest> requests_;
  int replies_ = 0;
  std::atomic<int> rejected_{0};
  std::atomic<int> unauthorized_{0};
  InFlightCounter in_flight_;
  std::atomic<bool> stopping_{false};
};

// A real PNG (8-bit RGB, stored deflate blocks) of one colour.
std::string SolidPng(int width, int height, unsigned char r, unsigned char g, unsigned char b);

}  // namespace iris::testing
