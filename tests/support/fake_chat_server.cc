#include "support/fake_chat_server.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/base64.h"
#include "support/fake_openai_server.h"

namespace iris::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct ImageInfo {
  std::string format;
  int width = 0;
  int height = 0;
};

int Be16(std::string_view b, std::size_t at) {
  return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}
int Be32(std::string_view b, std::size_t at) { return (Be16(b, at) << 16) | Be16(b, at + 2); }
int Le16(std::string_view b, std::size_t at) {
  return static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8);
}

// Format by magic bytes; width and height from PNG's IHDR, JPEG's SOFn or GIF's screen descriptor.
ImageInfo SniffImage(std::string_view b) {
  ImageInfo info;
  if (b.starts_with("\x89PNG\r\n\x1a\n")) {
    info.format = "PNG";
    if (b.size() >= 24 && b.substr(12, 4) == "IHDR") {
      info.width = Be32(b, 16);
      info.height = Be32(b, 20);
    }
  } else if (b.starts_with("\xFF\xD8\xFF")) {
    info.format = "JPEG";
    std::size_t i = 2;
    while (i + 4 <= b.size() && static_cast<unsigned char>(b[i]) == 0xFF) {
      const int marker = static_cast<unsigned char>(b[i + 1]);
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {  // no length field
        i += 2;
        continue;
      }
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof && i + 9 <= b.size()) {
        info.height = Be16(b, i + 5);
        info.width = Be16(b, i + 7);
        break;
      }
      i += 2 + Be16(b, i + 2);
    }
  } else if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") {
    info.format = "WEBP";
  } else if (b.starts_with("GIF87a") || b.starts_with("GIF89a")) {
    info.format = "GIF";
    if (b.size() >= 10) {
      info.width = Le16(b, 6);
      info.height = Le16(b, 8);
    }
  }
  return info;
}

// OpenAI's response_format: {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema":
// {"name": [a-zA-Z0-9_-]{1,64}, "schema": object, "strict"?: bool, "description"?: string}}.
std::optional<std::string> CheckResponseFormat(const json& f) {
  if (!f.is_object() || !f.contains("type") || !f["type"].is_string()) {
    return "Missing required parameter: 'response_format.type'";
  }
  const std::string type = f["type"];
  if (type == "text" || type == "json_object") return std::nullopt;
  if (type != "json_schema") return "Invalid value: '" + type + "' for response_format.type";
  if (!f.contains("json_schema") || !f["json_schema"].is_object()) {
    return "Missing required parameter: 'response_format.json_schema'";
  }
  const json& s = f["json_schema"];
  static const std::regex kName("[a-zA-Z0-9_-]{1,64}");
  if (!s.contains("name") || !s["name"].is_string() || !std::regex_match(s["name"].get<std::string>(), kName)) {
    return "Invalid 'response_format.json_schema.name': expected [a-zA-Z0-9_-]{1,64}";
  }
  if (!s.contains("schema") || !s["schema"].is_object()) {
    return "Invalid 'response_format.json_schema.schema': expected an object";
  }
  if (s.contains("strict") && !s["strict"].is_boolean()) return "Invalid 'response_format.json_schema.strict'";
  for (const auto& [key, value] : s.items()) {
    if (key != "name" && key != "schema" && key != "strict" && key != "description") {
      return "Unrecognized parameter 'response_format.json_schema." + key + "'";
    }
  }
  return std::nullopt;
}

// A value that follows a (small subset of) JSON schema: objects with properties, enums (their first
// value), strings (a deterministic text naming the property and the image), numbers, booleans, arrays.
json InstanceOf(const json& schema, const std::string& name, const std::string& about) {
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) return schema["enum"][0];
  const std::string type =
      schema.contains("type") && schema["type"].is_string() ? schema["type"].get<std::string>() : "string";
  if (type == "object") {
    json out = json::object();
    if (schema.contains("properties") && schema["properties"].is_object()) {
      for (const auto& [key, sub] : schema["properties"].items()) out[key] = InstanceOf(sub, key, about);
    }
    return out;
  }
  if (type == "array") return json::array({InstanceOf(schema.value("items", json::object()), name, about)});
  if (type == "integer") return 1;
  if (type == "number") return 0.5;
  if (type == "boolean") return true;
  return name + " of " + about;
}

// Checks a request body like OpenAI does; fills `out`, or returns what is wrong (and the param).
std::optional<std::pair<std::string, std::string>> CheckRequest(const json& j, FakeChatRequest& out) {
  using Problem = std::pair<std::string, std::string>;
  if (!j.is_object()) return Problem{"the request body must be a JSON object", ""};
  static const std::set<std::string> kKnown = {"model",       "messages", "max_tokens", "max_completion_tokens",
                                               "temperature", "top_p",    "n",          "stream",
                                               "stop",        "user",     "seed",       "response_format"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.count(key)) return Problem{"Unrecognized request argument supplied: " + key, key};
  }
  if (!j.contains("model") || !j["model"].is_string() || j["model"].get<std::string>().empty()) {
    return Problem{"you must provide a model parameter", "model"};
  }
  out.model = j["model"];
  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    if (!j.contains(name) || j[name].is_null()) continue;
    if (!j[name].is_number_integer() || j[name].get<std::int64_t>() < 1 || j[name].get<std::int64_t>() > 1000000) {
      return Problem{std::string("Invalid '") + name + "': expected an integer >= 1", name};
    }
    if (!out.max_tokens) out.max_tokens = j[name].get<int>();
  }
  if (j.contains("response_format")) {
    if (auto problem = CheckResponseFormat(j["response_format"])) return Problem{*problem, "response_format"};
    out.response_format = j["response_format"];
  }
  if (!j.contains("messages") || !j["messages"].is_array() || j["messages"].empty()) {
    return Problem{"'messages' must be a non-empty array", "messages"};
  }
  std::vector<std::string> texts;
  for (std::size_t m = 0; m < j["messages"].size(); ++m) {
    const json& msg = j["messages"][m];
    const std::string where = "messages[" + std::to_string(m) + "]";
    if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string()) {
      return Problem{"Missing required parameter: '" + where + ".role'", where + ".role"};
    }
    const std::string role = msg["role"];
    if (role != "system" && role != "user" && role != "assistant" && role != "developer") {
      return Problem{"Invalid value: '" + role + "' for " + where + ".role", where + ".role"};
    }
    if (!msg.contains("content")) return Problem{"Missing required parameter: '" + where + ".content'", where};
    const json& content = msg["content"];
    if (content.is_string()) {
      texts.push_back(content);
      continue;
    }
    if (!content.is_array() || content.empty()) {
      return Problem{"Invalid type for '" + where + ".content': expected a string or an array", where + ".content"};
    }
    for (std::size_t p = 0; p < content.size(); ++p) {
      const json& part = content[p];
      const std::string pw = where + ".content[" + std::to_string(p) + "]";
      if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
        return Problem{"Missing required parameter: '" + pw + ".type'", pw + ".type"};
      }
      const std::string type = part["type"];
      if (type == "text") {
        if (!part.contains("text") || !part["text"].is_string()) {
          return Problem{"Missing required parameter: '" + pw + ".text'", pw + ".text"};
        }
        texts.push_back(part["text"]);
      } else if (type == "image_url") {
        if (role != "user") return Problem{"Image parts are only allowed in user messages", pw};
        if (!part.contains("image_url") || !part["image_url"].is_object() || !part["image_url"].contains("url") ||
            !part["image_url"]["url"].is_string()) {
          return Problem{"Missing required parameter: '" + pw + ".image_url.url'", pw + ".image_url.url"};
        }
        const std::string url = part["image_url"]["url"];
        const std::string marker = ";base64,";
        const std::size_t comma = url.find(marker);
        const std::string mime = comma == std::string::npos ? "" : url.substr(5, comma - 5);
        if (!url.starts_with("data:") || comma == std::string::npos ||
            (mime != "image/jpeg" && mime != "image/png" && mime != "image/webp" && mime != "image/gif")) {
          return Problem{"Invalid image URL in '" + pw + "': expected a base64 data URL of a JPEG, PNG, WebP or GIF",
                         pw + ".image_url.url"};
        }
        std::optional<std::string> bytes = Base64Decode(std::string_view(url).substr(comma + marker.size()));
        if (!bytes || bytes->empty()) return Problem{"Invalid base64 image data in '" + pw + "'", pw};
        if (++out.images == 1) {
          ImageInfo info = SniffImage(*bytes);
          out.image_mime = mime;
          out.image_bytes = bytes->size();
          out.image_format = info.format;
          out.image_width = info.width;
          out.image_height = info.height;
        }
      } else {
        return Problem{"Invalid value: '" + type + "' for " + pw + ".type", pw + ".type"};
      }
    }
  }
  for (std::size_t i = 0; i < texts.size(); ++i) out.prompt += (i ? "\n" : "") + texts[i];
  return std::nullopt;
}

std::string DefaultCaption(const FakeChatRequest& r) {
  if (r.images == 0) return "no image was sent";
  if (r.image_width > 0 && r.image_height > 0) {
    return "an image of " + std::to_string(r.image_width) + "x" + std::to_string(r.image_height) + " pixels (" +
           r.image_format + ", " + std::to_string(r.image_bytes) + " bytes)";
  }
  return "an image of " + std::to_string(r.image_bytes) + " bytes";
}

// Cuts `text` to `max_words` words; true when it was cut.
bool CutToWords(std::string& text, std::optional<int> max_words) {
  if (!max_words) return false;
  std::istringstream in(text);
  std::string word, out;
  int n = 0;
  while (in >> word) {
    if (n == *max_words) {
      text = out;
      return true;
    }
    out += (n++ ? " " : "") + word;
  }
  return false;
}

int CountWords(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  int n = 0;
  while (in >> word) ++n;
  return n;
}

}  // namespace

FakeChatBehaviour FakeChatBehaviour::Ok(std::string text) {
  FakeChatBehaviour b;
  b.text = std::move(text);
  return b;
}
FakeChatBehaviour FakeChatBehaviour::Status(int status, std::string retry_after) {
  FakeChatBehaviour b;
  b.kind = Kind::kStatus;
  b.status = status;
  if (!retry_after.empty()) b.headers.emplace_back("Retry-After", std::move(retry_after));
  return b;
}
FakeChatBehaviour FakeChatBehaviour::SleepThenOk(int ms, std::string text) {
  FakeChatBehaviour b = Ok(std::move(text));
  b.sleep_ms = ms;
  return b;
}
FakeChatBehaviour FakeChatBehaviour::MalformedJson() {
  FakeChatBehaviour b;
  b.kind = Kind::kMalformedJson;
  return b;
}
FakeChatBehaviour FakeChatBehaviour::WrongSchema() {
  FakeChatBehaviour b;
  b.kind = Kind::kWrongSchema;
  return b;
}
FakeChatBehaviour FakeChatBehaviour::ContentParts(std::string text) {
  FakeChatBehaviour b;
  b.kind = Kind::kContentParts;
  b.text = std::move(text);
  return b;
}
FakeChatBehaviour FakeChatBehaviour::CloseConnection() {
  FakeChatBehaviour b;
  b.kind = Kind::kCloseConnection;
  return b;
}

FakeChatServer::FakeChatServer() {
  port_ = ServeOnLoopback(
      server_, thread_, "/v1/chat/completions",
      [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); }, in_flight_, "FakeChatServer");
}

FakeChatServer::~FakeChatServer() {
  stopping_ = true;
  server_.stop();
  thread_.join();
}

std::string FakeChatServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

void FakeChatServer::Enqueue(FakeChatBehaviour behaviour) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(behaviour));
}

void FakeChatServer::SetDefault(FakeChatBehaviour behaviour) {
  std::lock_guard lock(mu_);
  default_ = std::move(behaviour);
}

void FakeChatServer::set_expected_api_key(std::string key) {
  std::lock_guard lock(mu_);
  expected_key_ = std::move(key);
}

std::vector<FakeChatRequest> FakeChatServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeChatServer::SleepUnlessStopping(int ms) const {
  const auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!stopping_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void FakeChatServer::Handle(const httplib::Request& req, httplib::Response& res) {
  FakeChatRequest r;
  r.received = Clock::now();
  r.authorization = req.get_header_value("Authorization");
  {
    std::lock_guard lock(mu_);
    if (!expected_key_.empty() && r.authorization != "Bearer " + expected_key_) {
      SetJsonReply(res, 401,
                   OpenAiError("Incorrect API key provided. You can find your API key at https://platform.openai.com.",
                               "invalid_request_error", nullptr, "invalid_api_key"));
      return;
    }
  }
  const std::string content_type = req.get_header_value("Content-Type");
  const json body = json::parse(req.body, nullptr, false);
  std::optional<std::pair<std::string, std::string>> problem;
  if (!content_type.starts_with("application/json")) {
    problem = {{"Content-Type must be application/json", ""}};
  } else if (body.is_discarded()) {
    problem = {{"We could not parse the JSON body of your request.", ""}};
  } else {
    problem = CheckRequest(body, r);
  }
  if (problem) {
    ++rejected_;
    json param = problem->second.empty() ? json(nullptr) : json(problem->second);
    SetJsonReply(res, 400, OpenAiError(problem->first, "invalid_request_error", param, nullptr));
    return;
  }

  FakeChatBehaviour b;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(r);
    if (!queue_.empty()) {
      b = std::move(queue_.front());
      queue_.pop_front();
    } else {
      b = default_;
    }
  }
  if (b.sleep_ms > 0) SleepUnlessStopping(b.sleep_ms);
  for (const auto& [name, value] : b.headers) res.set_header(name, value);

  using Kind = FakeChatBehaviour::Kind;
  switch (b.kind) {
    case Kind::kStatus: {
      std::string message = b.error_message.empty() ? "fake error " + std::to_string(b.status) : b.error_message;
      if (b.echo_authorization) message += " (you sent Authorization: " + r.authorization + ")";
      const std::string type = b.status == 429   ? "rate_limit_exceeded"
                               : b.status >= 500 ? "server_error"
                                                 : "invalid_request_error";
      SetJsonReply(res, b.status, OpenAiError(message, type, nullptr, nullptr));
      return;
    }
    case Kind::kMalformedJson:
      res.status = 200;
      res.set_content("{\"choices\": [{\"message\": {\"content\": \"truncat", "application/json");
      return;
    case Kind::kWrongSchema:
      SetJsonReply(res, 200, {{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"result", "a cat"}});
      return;
    case Kind::kCloseConnection:
      res.set_content_provider(1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
        sink.write("{\"choices\"", 10);
        return false;  // httplib closes the connection: 990 announced bytes never come
      });
      return;
    case Kind::kOk:
    case Kind::kContentParts:
      break;
  }
  std::string text = b.text;
  if (text.empty()) {
    const bool wants_schema = r.response_format && r.response_format->value("type", "") == "json_schema";
    text = wants_schema ? InstanceOf((*r.response_format)["json_schema"]["schema"], "value", DefaultCaption(r)).dump()
                        : DefaultCaption(r);
  }
  const bool cut = CutToWords(text, r.max_tokens);
  json content = text;
  if (b.kind == Kind::kContentParts) {
    const std::size_t half = text.size() / 2;
    content = json::array(
        {{{"type", "text"}, {"text", text.substr(0, half)}}, {{"type", "text"}, {"text", text.substr(half)}}});
  }
  const int completion_tokens = CountWords(text);
  const int prompt_tokens = CountWords(r.prompt) + 85 * r.images;  // 85: OpenAI's low-detail image cost
  SetJsonReply(res, 200,
               {{"id", "chatcmpl-fake-" + std::to_string(requests().size())},
                {"object", "chat.completion"},
                {"created", 1700000000},
                {"model", r.model},
                {"choices", json::array({{{"index", 0},
                                          {"message", {{"role", "assistant"}, {"content", content}}},
                                          {"finish_reason", cut ? "length" : "stop"}}})},
                {"usage",
                 {{"prompt_tokens", prompt_tokens},
                  {"completion_tokens", completion_tokens},
                  {"total_tokens", prompt_tokens + completion_tokens}}}});
}

}  // namespace iris::testing
