// Reading "the image" of a request, the same way on every route that takes one:
//   * multipart/form-data with the file in one of the fields `file`, `image`, `image_file`
//     (the names the seed services used), or
//   * a JSON body {"image_url": "..."} (also "url"), fetched by the safe URL fetcher.
// The image goes through ImageIngestor (limits and format sniffing before decoding); fetch time is
// recorded as the "fetch" stage. A request with no image is Unprocessable (422) naming the fields.
#pragma once

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/request_context.h"
#include "core/result.h"
#include "ingest/image_ingestor.h"

namespace iris::api {

// Whether a Content-Type header value announces JSON the way FastAPI (the seeds) reads it: no
// Content-Type at all, application/json, or application/<anything>+json (parameters such as
// "; charset=utf-8" and letter case ignored).
bool IsJsonContentType(std::string_view content_type);

// The JSON object body of a request (empty object when the body is multipart or empty).
// A body that is not a JSON object, or nests deeper than kMaxJsonDepth (core/json_limits.h), is
// InvalidArgument (400); a body of another content type (IsJsonContentType) is UnsupportedMedia (415).
Result<nlohmann::json> JsonBody(const httplib::Request& req);

// The multipart field that holds the uploaded image (`file`, `image` or `image_file`, the first
// present), or nullptr.
const char* ImageFileField(const httplib::Request& req);

// Whether the request carries an image in one of the ways ReadImageInput reads (a file field, or
// image_url/url in the query, a form field or the JSON body).
bool HasImageInput(const httplib::Request& req, const nlohmann::json& body);

Result<std::shared_ptr<IngestedImage>> ReadImageInput(const httplib::Request& req, RequestContext& ctx,
                                                      const ImageIngestor& ingestor);

// A request setting from the query string, then a multipart field, then the JSON body.
std::optional<std::string> RequestSetting(const httplib::Request& req, const nlohmann::json& body,
                                          const std::string& name);

// An integer in [min, max]; anything else is Unprocessable naming the setting and the range.
Result<long long> IntSetting(const httplib::Request& req, const nlohmann::json& body, const std::string& name,
                             long long default_value, long long min, long long max);

// "true"/"false"/"1"/"0" (JSON booleans too); anything else is Unprocessable naming the setting.
Result<bool> BoolSetting(const httplib::Request& req, const nlohmann::json& body, const std::string& name,
                         bool default_value);

}  // namespace iris::api
