#include "vector_engines/milvus_client.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "providers/retry_policy.h"

namespace iris {
namespace {

constexpr long long kCollectionNotFound = 100;
constexpr long long kCollectionNotLoaded = 101;
constexpr long long kRootCodeMask = 0xFFFF;

// {"code", "message"} of a reply body, when it is Milvus's JSON.
struct Envelope {
  long long code = 0;
  std::string message;
  nlohmann::json data;
};

std::optional<Envelope> ParseEnvelope(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("code") || !parsed["code"].is_number_integer()) return std::nullopt;
  Envelope e;
  e.code = parsed["code"].get<long long>();
  if (parsed.contains("message") && parsed["message"].is_string()) e.message = parsed["message"].get<std::string>();
  if (parsed.contains("data")) e.data = std::move(parsed["data"]);
  return e;
}

bool IsSuccess(long long code) { return code == 0 || code == 200; }

bool IsRetriableCode(long long code) {
  if (code > kRootCodeMask) return true;  // Milvus's retriable flag
  switch (code & kRootCodeMask) {
    case 1:      // service not ready
    case 2:      // service unavailable
    case 4:      // request limit exceeded
    case 8:      // rate limit exceeded
    case 103:    // collection not fully loaded
    case 10001:  // timeout
      return true;
    default:
      return false;
  }
}

std::string CodeText(long long code, const std::string& message) {
  std::string text = "code ";
  text += std::to_string(code);
  text += ": ";
  text += message;
  return text;
}

std::string HttpText(long status, const std::string& body) {
  std::string text = "HTTP ";
  text += std::to_string(status);
  text += ": ";
  text += body.substr(0, 300);
  return text;
}

}  // namespace

Status MilvusErrorStatus(long long code, const std::string& message, const std::string& what) {
  std::string text = what;
  text += ": ";
  text += CodeText(code, message);
  if (IsRetriableCode(code)) return Unavailable(std::move(text));
  const long long root = code & kRootCodeMask;
  if (root == kCollectionNotFound) return NotFound(std::move(text));
  if (message.find("already exist") != std::string::npos) return AlreadyExists(std::move(text));
  switch (root) {
    case 1100:
    case 1700:
    case 1701:
    case 1801:
    case 1802:
    case 1803:
    case 1804:
    case 1805:
    case 1806:
      return InvalidArgument(std::move(text));
    case 1400:
    case 1800:
      text += " (check storage.milvus_token)";
      return FailedPrecondition(std::move(text));
    case 1401:
      text += " (permission denied: the user of storage.milvus_token lacks a privilege)";
      return FailedPrecondition(std::move(text));
    case kCollectionNotLoaded:
      return FailedPrecondition(std::move(text));
    default:
      return Internal(std::move(text));
  }
}

std::string MilvusStringLiteral(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += ch;  // UTF-8 bytes pass as they are
        }
    }
  }
  out += '"';
  return out;
}

Result<MilvusClient> MilvusClient::Create(MilvusClientOptions options) {
  JsonHttpTransportOptions transport;
  transport.url = std::move(options.url);
  transport.service = "Milvus";
  transport.setting_prefix = "storage.milvus";
  if (!options.token.empty()) {
    std::string header = "Authorization: Bearer ";
    header += options.token;
    transport.header_lines.push_back(std::move(header));
  }
  transport.timeout_s = options.timeout_s;
  transport.max_retries = options.max_retries;
  transport.backoff_initial_ms = options.backoff_initial_ms;
  transport.backoff_max_ms = options.backoff_max_ms;
  transport.max_reply_bytes = kMaxMilvusReplyBytes;
  if (options.query_page_size < 1 || options.query_page_size > 16384) {
    return InvalidArgument("the Milvus query page size must be in [1, 16384]");
  }
  IRIS_ASSIGN_OR_RETURN(JsonHttpTransport made, JsonHttpTransport::Create(std::move(transport)));
  return MilvusClient(std::move(made), options.query_page_size, options.timeout_s);
}

Result<nlohmann::json> MilvusClient::CallOnce(const std::string& endpoint, const std::string& text,
                                              long long* code) const {
  std::string path = "/v2/vectordb/";
  path += endpoint;
  auto retry = [](const JsonHttpReply& reply) -> std::optional<std::string> {
    if (auto envelope = ParseEnvelope(reply.body)) {
      if (IsSuccess(envelope->code) || !IsRetriableCode(envelope->code)) return std::nullopt;
      return CodeText(envelope->code, envelope->message);
    }
    if (IsRetryableHttpStatus(reply.status)) return HttpText(reply.status, reply.body);
    return std::nullopt;
  };
  IRIS_ASSIGN_OR_RETURN(JsonHttpReply reply, transport_.Send("POST", path, &text, retry));
  std::string what = "Milvus POST ";
  what += path;
  auto envelope = ParseEnvelope(reply.body);
  if (reply.status == 401 && (!envelope || IsSuccess(envelope->code))) {
    return FailedPrecondition(what + ": " + HttpText(reply.status, reply.body) + " (check storage.milvus_token)");
  }
  if (reply.status == 403 && (!envelope || IsSuccess(envelope->code))) {
    return FailedPrecondition(what + ": " + HttpText(reply.status, reply.body) +
                              " (permission denied: the user of storage.milvus_token lacks a privilege)");
  }
  if (!envelope) {
    std::string message = what + ": " + HttpText(reply.status, reply.body);
    if (reply.status == 404) message += " (is storage.milvus_url the REST API of a Milvus 2.4 or later?)";
    if (reply.status < 200 || reply.status >= 300) return Internal(std::move(message));
    return Internal(what + ": the answer is not Milvus's JSON");
  }
  if (!IsSuccess(envelope->code)) {
    *code = envelope->code;
    return MilvusErrorStatus(envelope->code, envelope->message, what);
  }
  return std::move(envelope->data);
}

Result<nlohmann::json> MilvusClient::Call(const std::string& endpoint, const nlohmann::json& body) const {
  // Invalid UTF-8 (never in what Iris validated) is replaced rather than thrown on.
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  long long code = 0;
  auto reply = CallOnce(endpoint, text, &code);
  const bool not_loaded = !reply.ok() && (code & kRootCodeMask) == kCollectionNotLoaded;
  if (!not_loaded || endpoint.starts_with("collections/") || !body.contains("collectionName")) return reply;
  IRIS_RETURN_IF_ERROR(EnsureLoaded(body["collectionName"].get<std::string>()));
  return CallOnce(endpoint, text, &code);
}

Status MilvusClient::EnsureLoaded(const std::string& collection) const {
  const nlohmann::json body = {{"collectionName", collection}};
  IRIS_RETURN_IF_ERROR(Call("collections/load", body).status());
  std::chrono::milliseconds pause(20);
  // The budget of one request: a collection that takes longer to load is reported, not waited for.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout_s_ * 1000));
  while (true) {
    IRIS_ASSIGN_OR_RETURN(nlohmann::json state, Call("collections/get_load_state", body));
    if (state.is_object() && state.value("loadState", "") == "LoadStateLoaded") return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string message = "Milvus collection ";
      message += collection;
      message += " is still loading: ";
      message += state.dump();
      return Unavailable(std::move(message));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

Status MilvusClient::ScanKeys(const std::string& collection, const std::string& key_field,
                              const std::function<Result<bool>(const std::string& key)>& fn) const {
  std::string after;  // "" sorts before every key (Iris keys are never empty)
  while (true) {
    std::string filter = key_field;
    filter += " > ";
    filter += MilvusStringLiteral(after);
    const nlohmann::json body = {{"collectionName", collection},
                                 {"filter", filter},
                                 {"outputFields", {key_field}},
                                 {"limit", page_size_},
                                 {"consistencyLevel", "Strong"}};
    IRIS_ASSIGN_OR_RETURN(nlohmann::json rows, Call("entities/query", body));
    if (!rows.is_array()) return Internal("Milvus query answered no row list");
    std::vector<std::string> keys;
    keys.reserve(rows.size());
    for (const auto& row : rows) {
      if (!row.is_object() || !row.contains(key_field) || !row[key_field].is_string()) {
        std::string message = "Milvus query answered a row without its ";
        message += key_field;
        return Internal(std::move(message));
      }
      keys.push_back(row[key_field].get<std::string>());
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
      IRIS_ASSIGN_OR_RETURN(bool more, fn(key));
      if (!more) return {};
    }
    if (keys.size() < page_size_) return {};
    after = keys.back();
  }
}

}  // namespace iris
