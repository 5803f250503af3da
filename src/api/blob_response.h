// BlobResponse: the answer to a GET (or HEAD) of stored bytes, read through a BlobReader and
// streamed in chunks (HttpResponse::Streamed), so neither a large blob nor a range of it is ever
// held whole in memory.
//
// Range handling (byte_range.h): one satisfiable range -> 206 with Content-Range and just those
// bytes; one unsatisfiable range -> 416 with Content-Range "bytes */<length>" and a JSON detail;
// no Range, several ranges, another unit or a malformed one -> 200 with every byte. A Range is
// honoured only when If-Range is absent or equals the blob's ETag (RFC 9110 13.1.5; a date never
// matches, so it gets the whole blob). Every answer carries Accept-Ranges: bytes and the ETag.
// Two Range header fields make the request ambiguous: the header is ignored.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "api/http_response.h"
#include "store/blob_store.h"

namespace iris::api {

// `etag` is sent as is (quoted, e.g. "\"<sha256>\""); `content_type` is the blob's media type.
HttpResponse BlobResponse(std::shared_ptr<const BlobReader> reader, const std::string& content_type,
                          const std::string& etag, const httplib::Request& request);

}  // namespace iris::api
