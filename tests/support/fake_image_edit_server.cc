#include "support/fake_image_edit_server.h"

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/base64.h"
#include "support/fake_openai_server.h"

namespace iris::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::uint32_t Crc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void PutBe32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

void Chunk(std::string& png, const char* type, const std::string& data) {
  PutBe32(png, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  png += body;
  PutBe32(png, Crc32(body));
}

std::string ImageFormat(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) return "PNG";
  if (b.starts_with("\xFF\xD8\xFF")) return "JPEG";
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return "WEBP";
  return "";
}

}  // namespace

std::string SolidPng(int width, int height, unsigned char r, unsigned char g, unsigned char b) {
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (int x = 0; x < width; ++x) raw += {static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
  }
  // zlib stream of stored (uncompressed) deflate blocks.
  std::string z = "\x78\x01";
  std::uint32_t a = 1, s2 = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    s2 = (s2 + a) % 65521;
  }
  for (std::size_t at = 0; at < raw.size() || at == 0;) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n >= raw.size();
    z += static_cast<char>(last ? 1 : 0);
    z += {static_cast<char>(n & 0xFF), static_cast<char>(n >> 8), static_cast<char>(~n & 0xFF),
          static_cast<char>((~n >> 8) & 0xFF)};
    z += raw.substr(at, n);
    at += n;
    if (last) break;
  }
  PutBe32(z, (s2 << 16) | a);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  PutBe32(ihdr, static_cast<std::uint32_t>(width));
  PutBe32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += {8, 2, 0, 0, 0};  // 8-bit RGB, deflate, no filter method, no interlace
  Chunk(png, "IHDR", ihdr);
  Chunk(png, "IDAT", z);
  Chunk(png, "IEND", "");
  return png;
}

FakeImageBehaviour FakeImageBehaviour::Ok() { return {}; }
FakeImageBehaviour FakeImageBehaviour::Status(int status, std::string retry_after) {
  FakeImageBehaviour b;
  b.kind = Kind::kStatus;
  b.status = status;
  if (!retry_after.empty()) b.headers.emplace_back("Retry-After", std::move(retry_after));
  return b;
}
FakeImageBehaviour FakeImageBehaviour::SleepThenOk(int ms) {
  FakeImageBehaviour b;
  b.sleep_ms = ms;
  return b;
}
FakeImageBehaviour FakeImageBehaviour::MalformedJson() {
  FakeImageBehaviour b;
  b.kind = Kind::kMalformedJson;
  return b;
}
FakeImageBehaviour FakeImageBehaviour::UrlOnly() {
  FakeImageBehaviour b;
  b.kind = Kind::kUrlOnly;
  return b;
}
FakeImageBehaviour FakeImageBehaviour::NotAnImage() {
  FakeImageBehaviour b;
  b.kind = Kind::kNotAnImage;
  return b;
}

FakeImageEditServer::FakeImageEditServer() {
  port_ = ServeOnLoopback(
      server_, thread_, "/v1/images/edits",
      [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); }, in_flight_,
      "FakeImageEditServer");
}

FakeImageEditServer::~FakeImageEditServer() {
  stopping_ = true;
  server_.stop();
  thread_.join();
}

std::string FakeImageEditServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

void FakeImageEditServer::Enqueue(FakeImageBehaviour behaviour) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(behaviour));
}

void FakeImageEditServer::EnqueueFor(const std::string& prompt_part, FakeImageBehaviour behaviour) {
  std::lock_guard lock(mu_);
  for (auto& [part, queue] : rules_) {
    if (part == prompt_part) {
      queue.push_back(std::move(behaviour));
      return;
    }
  }
  rules_.push_back({prompt_part, {std::move(behaviour)}});
}

void FakeImageEditServer::SetDefault(FakeImageBehaviour behaviour) {
  std::lock_guard lock(mu_);
  default_ = std::move(behaviour);
}

void FakeImageEditServer::set_expected_api_key(std::string key) {
  std::lock_guard lock(mu_);
  expected_key_ = std::move(key);
}

std::vector<FakeImageRequest> FakeImageEditServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeImageEditServer::Handle(const httplib::Request& req, httplib::Response& res) {
  FakeImageRequest r;
  r.authorization = req.get_header_value("Authorization");
  {
    std::lock_guard lock(mu_);
    if (!expected_key_.empty() && r.authorization != "Bearer " + expected_key_) {
      ++unauthorized_;
      SetJsonReply(res, 401,
                   OpenAiError("Incorrect API key provided. You can find your API key at https://platform.openai.com.",
                               "invalid_request_error", nullptr, "invalid_api_key"));
      return;
    }
  }
  auto reject = [&](const std::string& message, const json& param) {
    ++rejected_;
    SetJsonReply(res, 400, OpenAiError(message, "invalid_request_error", param, nullptr));
  };
  if (!req.is_multipart_form_data()) return reject("the request must be multipart/form-data", nullptr);
  static const std::set<std::string> kKnown = {"image", "image[]", "prompt",     "model",           "n",
                                               "size",  "quality", "background", "response_format", "user"};
  for (const auto& [name, file] : req.files) {
    if (!kKnown.count(name)) return reject("Unrecognized request argument supplied: " + name, name);
  }
  const char* image_field = req.has_file("image") ? "image" : req.has_file("image[]") ? "image[]" : nullptr;
  if (!image_field) return reject("Missing required parameter: 'image'", "image");
  const auto image = req.get_file_value(image_field);
  r.image_field = image_field;
  r.image_format = ImageFormat(image.content);
  r.image_content_type = image.content_type;
  r.image_bytes = image.content.size();
  if (image.filename.empty() || r.image_format.empty()) {
    return reject("Invalid image file: expected a PNG, JPEG or WebP file part", image_field);
  }
  auto field = [&](const char* name) { return req.has_file(name) ? req.get_file_value(name).content : std::string(); };
  r.prompt = field("prompt");
  r.model = field("model");
  r.size = field("size");
  r.quality = field("quality");
  r.n = field("n");
  if (r.prompt.empty() || r.prompt.size() > 32000) return reject("Invalid 'prompt': a non-empty string", "prompt");
  static const std::set<std::string> kSizes = {"", "auto", "256x256", "512x512", "1024x1024", "1536x1024", "1024x1536"};
  if (!kSizes.count(r.size)) return reject("Invalid value for 'size': " + r.size, "size");
  static const std::set<std::string> kQualities = {"", "auto", "low", "medium", "high", "standard", "hd"};
  if (!kQualities.count(r.quality)) return reject("Invalid value for 'quality': " + r.quality, "quality");
  static const std::set<std::string> kBackgrounds = {"", "auto", "transparent", "opaque"};
  if (!kBackgrounds.count(field("background"))) return reject("Invalid value for 'background'", "background");
  const bool n_digits = r.n.find_first_not_of("0123456789") == std::string::npos && r.n.size() <= 2;
  if (!r.n.empty() && (!n_digits || std::stoi(r.n) < 1 || std::stoi(r.n) > 10)) {
    return reject("Invalid value for 'n': must be 1..10", "n");
  }

  FakeImageBehaviour b;
  int reply_number = 0;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(r);
    reply_number = ++replies_;
    bool chosen = false;
    for (auto& [part, queue] : rules_) {
      if (!queue.empty() && r.prompt.find(part) != std::string::npos) {
        b = std::move(queue.front());
        queue.pop_front();
        chosen = true;
        break;
      }
    }
    if (!chosen && !queue_.empty()) {
      b = std::move(queue_.front());
      queue_.pop_front();
    } else if (!chosen) {
      b = default_;
    }
  }
  const auto until = Clock::now() + std::chrono::milliseconds(b.sleep_ms);
  while (!stopping_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  for (const auto& [name, value] : b.headers) res.set_header(name, value);

  using Kind = FakeImageBehaviour::Kind;
  switch (b.kind) {
    case Kind::kStatus: {
      const std::string type = b.status == 429   ? "rate_limit_exceeded"
                               : b.status >= 500 ? "server_error"
                                                 : "invalid_request_error";
      SetJsonReply(res, b.status, OpenAiError("fake error " + std::to_string(b.status), type, nullptr, nullptr));
      return;
    }
    case Kind::kMalformedJson:
      res.status = 200;
      res.set_content("{\"created\": 1700000000, \"data\": [{\"b64_json\": \"iVBORw0", "application/json");
      return;
    case Kind::kUrlOnly:
      SetJsonReply(res, 200,
                   {{"created", 1700000000}, {"data", json::array({{{"url", "https://example.com/a.png"}}})}});
      return;
    case Kind::kNotAnImage:
      SetJsonReply(
          res, 200,
          {{"created", 1700000000}, {"data", json::array({{{"b64_json", Base64Encode("not an image at all")}}})}});
      return;
    case Kind::kOk:
      break;
  }
  const auto shade = static_cast<unsigned char>((reply_number * 37) % 256);
  const std::string png = SolidPng(64, 64, shade, static_cast<unsigned char>(255 - shade), 128);
  SetJsonReply(res, 200,
               {{"created", 1700000000},
                {"data", json::array({{{"b64_json", Base64Encode(png)}}})},
                {"usage", {{"input_tokens", 50}, {"output_tokens", 272}, {"total_tokens", 322}}}});
}

}  // namespace iris::testing
