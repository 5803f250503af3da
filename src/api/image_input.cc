#include "api/image_input.h"

#include <charconv>
#include <chrono>

#include "core/ascii_text.h"
#include "core/json_limits.h"

namespace iris::api {
namespace {

constexpr const char* kFileFields[] = {"file", "image", "image_file"};

Status MissingImage() {
  return Unprocessable(
      "missing image: send it as multipart field 'file' (or 'image', 'image_file'), "
      "or give 'image_url'");
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  std::string media;
  for (char c : TrimHttpWhitespace(content_type.substr(0, content_type.find(';')))) {
    media += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  if (media.empty() || media == "application/json") return true;
  return media.starts_with("application/") && media.ends_with("+json") && media.size() > 17;
}

const char* ImageFileField(const httplib::Request& req) {
  for (const char* field : kFileFields) {
    if (req.has_file(field)) return field;
  }
  return nullptr;
}

Result<nlohmann::json> JsonBody(const httplib::Request& req) {
  if (req.is_multipart_form_data() || req.body.empty()) return nlohmann::json::object();
  if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
    return UnsupportedMedia("send application/json or multipart/form-data");
  }
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, ParseBoundedJson(req.body));
  if (body.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  return body;
}

std::optional<std::string> RequestSetting(const httplib::Request& req, const nlohmann::json& body,
                                          const std::string& name) {
  if (req.has_param(name)) return req.get_param_value(name);
  if (req.has_file(name)) return req.get_file_value(name).content;
  if (body.is_object() && body.contains(name)) {
    const auto& v = body[name];
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  }
  return std::nullopt;
}

Result<long long> IntSetting(const httplib::Request& req, const nlohmann::json& body, const std::string& name,
                             long long default_value, long long min, long long max) {
  auto text = RequestSetting(req, body, name);
  if (!text) return default_value;
  long long value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return Unprocessable("'" + name + "' must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                         "]");
  }
  return value;
}

Result<bool> BoolSetting(const httplib::Request& req, const nlohmann::json& body, const std::string& name,
                         bool default_value) {
  auto v = RequestSetting(req, body, name);
  if (!v) return default_value;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return Unprocessable("'" + name + "' must be true or false");
}

bool HasImageInput(const httplib::Request& req, const nlohmann::json& body) {
  if (ImageFileField(req)) return true;
  for (const char* field : {"image_url", "url"}) {
    if (req.has_param(field) || req.has_file(field) || (body.is_object() && body.contains(field))) return true;
  }
  return false;
}

Result<std::shared_ptr<IngestedImage>> ReadImageInput(const httplib::Request& req, RequestContext& ctx,
                                                      const ImageIngestor& ingestor) {
  if (req.is_multipart_form_data()) {
    if (const char* field = ImageFileField(req)) {
      const auto& file = req.get_file_value(field);
      return ingestor.FromUpload(file.content, file.filename);
    }
    if (!req.has_file("image_url") && !req.has_file("url")) {
      return MissingImage();
    }
  }
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  auto url = RequestSetting(req, body, "image_url");
  if (!url) url = RequestSetting(req, body, "url");
  if (!url) {
    return MissingImage();
  }
  if (url->empty()) return Unprocessable("image_url is empty");
  const auto started = std::chrono::steady_clock::now();
  auto image = ingestor.FromUrl(*url);
  ctx.AddStageTime("fetch",
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return image;
}

}  // namespace iris::api
