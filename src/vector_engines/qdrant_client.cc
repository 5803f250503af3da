#include "vector_engines/qdrant_client.h"

#include "providers/retry_policy.h"

namespace iris {
namespace {

// Qdrant's {"status": {"error": "..."}}, or the start of the body.
std::string ErrorText(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("status") && parsed["status"].is_object() &&
      parsed["status"].contains("error") && parsed["status"]["error"].is_string()) {
    return parsed["status"]["error"].get<std::string>();
  }
  return body.substr(0, 300);
}

std::string HttpError(long status, const std::string& body) {
  std::string text = "HTTP ";
  text += std::to_string(status);
  text += ": ";
  text += ErrorText(body);
  return text;
}

}  // namespace

Result<QdrantClient> QdrantClient::Create(QdrantClientOptions options) {
  JsonHttpTransportOptions transport;
  transport.url = std::move(options.url);
  transport.service = "Qdrant";
  transport.setting_prefix = "storage.qdrant";
  if (!options.api_key.empty()) {
    std::string header = "api-key: ";
    header += options.api_key;
    transport.header_lines.push_back(std::move(header));
  }
  transport.timeout_s = options.timeout_s;
  transport.max_retries = options.max_retries;
  transport.backoff_initial_ms = options.backoff_initial_ms;
  transport.backoff_max_ms = options.backoff_max_ms;
  transport.max_reply_bytes = kMaxQdrantReplyBytes;
  IRIS_ASSIGN_OR_RETURN(JsonHttpTransport made, JsonHttpTransport::Create(std::move(transport)));
  return QdrantClient(std::move(made));
}

Result<nlohmann::json> QdrantClient::Call(const std::string& method, const std::string& path,
                                          const std::optional<nlohmann::json>& body) const {
  const std::string text = body ? body->dump() : std::string();
  auto retry = [](const JsonHttpReply& reply) -> std::optional<std::string> {
    if (!IsRetryableHttpStatus(reply.status)) return std::nullopt;
    return HttpError(reply.status, reply.body);
  };
  IRIS_ASSIGN_OR_RETURN(JsonHttpReply reply, transport_.Send(method, path, body ? &text : nullptr, retry));
  std::string what = "Qdrant ";
  what += method;
  what += " ";
  what += path;
  const long status = reply.status;
  if (status >= 200 && status < 300) {
    auto parsed = nlohmann::json::parse(reply.body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("result")) return Internal(what + ": the answer is not Qdrant's JSON");
    return std::move(parsed["result"]);
  }
  const std::string message = what + ": " + HttpError(status, reply.body);
  if (status == 404) return NotFound(message);
  if (status == 409 || (status == 400 && message.find("already exists") != std::string::npos)) {
    return AlreadyExists(message);
  }
  if (status == 400 || status == 422) return InvalidArgument(message);
  if (status == 401 || status == 403) return FailedPrecondition(message + " (check storage.qdrant_api_key)");
  return Internal(message);
}

Status QdrantClient::ScrollAll(const std::string& collection, const std::string& payload_field,
                               const std::function<Status(const nlohmann::json& point)>& fn) const {
  nlohmann::json next = nullptr;
  do {
    nlohmann::json body = {{"limit", 1000}, {"with_payload", {{"include", {payload_field}}}}, {"with_vector", false}};
    if (!next.is_null()) body["offset"] = next;
    IRIS_ASSIGN_OR_RETURN(nlohmann::json page, Call("POST", "/collections/" + collection + "/points/scroll", body));
    if (!page.is_object() || !page.contains("points") || !page["points"].is_array()) {
      return Internal("Qdrant scroll answered no point list");
    }
    for (const auto& point : page["points"]) IRIS_RETURN_IF_ERROR(fn(point));
    next = page.value("next_page_offset", nlohmann::json());
  } while (!next.is_null());
  return Status::Ok();
}

}  // namespace iris
