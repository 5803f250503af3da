#include "api/blob_response.h"

#include "api/byte_range.h"
#include "api/http_errors.h"

namespace iris::api {
namespace {

// The Range field to apply, or "" when the request's Range must be ignored.
std::string ApplicableRange(const httplib::Request& request, const std::string& etag) {
  if (request.get_header_value_count("Range") != 1) return "";
  if (request.has_header("If-Range") && request.get_header_value("If-Range") != etag) return "";
  return request.get_header_value("Range");
}

}  // namespace

HttpResponse BlobResponse(std::shared_ptr<const BlobReader> reader, const std::string& content_type,
                          const std::string& etag, const httplib::Request& request) {
  const std::uint64_t total = reader->size();
  const ByteRangeAnswer range = ResolveByteRange(ApplicableRange(request, etag), total);
  HttpResponse response;
  if (range.kind == ByteRangeAnswer::Kind::kUnsatisfiable) {
    response =
        HttpResponse::Text(ErrorBody("range not satisfiable: the stored bytes are " + std::to_string(total) + " long"),
                           "application/json", 416);
  } else {
    const std::uint64_t first = range.offset;
    StreamedBody body{range.length, [reader, first](std::uint64_t offset, std::span<char> out) {
                        return reader->ReadAt(first + offset, out);
                      }};
    response = HttpResponse::Streamed(std::move(body), content_type,
                                      range.kind == ByteRangeAnswer::Kind::kPartial ? 206 : 200);
  }
  if (range.kind != ByteRangeAnswer::Kind::kFull) {
    response.headers.emplace_back("Content-Range", ContentRangeValue(range, total));
  }
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back("ETag", etag);
  return response;
}

}  // namespace iris::api
