#include "store/s3_blob_store.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/ascii_text.h"
#include "core/hash.h"
#include "core/logging.h"
#include "net/curl_handles.h"

namespace iris {
namespace {

class MemoryBlobReader : public BlobReader {
 public:
  explicit MemoryBlobReader(std::string bytes) : bytes_(std::move(bytes)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  Status ReadAt(std::uint64_t offset, std::span<char> out) const override {
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset)
      return InvalidArgument("read past the blob's end");
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
    return {};
  }

 private:
  const std::string bytes_;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The text of the first <name> element of an S3 XML body, or "".
std::string XmlElement(const std::string& body, const std::string& name) {
  const auto b = body.find("<" + name + ">");
  const auto e = body.find("</" + name + ">");
  if (b == std::string::npos || e == std::string::npos || e < b + name.size() + 2) return "";
  return body.substr(b + name.size() + 2, e - b - name.size() - 2);
}

// The <Code> of an S3 error body, or "".
std::string ErrorCode(const std::string& body) { return XmlElement(body, "Code"); }

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && EqualsIgnoreAsciiCase(line.substr(0, colon), "etag")) {
    const std::string_view value = TrimHttpWhitespace(line.substr(colon + 1));
    static_cast<std::string*>(user)->assign(value.data(), value.size());
  }
  return n;
}

bool ValidVirtualHostBucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

struct S3BlobStore::Reply {
  long status = 0;
  std::string body;
  std::string etag;  // the ETag header, quotes kept (UploadPart answers with it)
};

S3BlobStore::S3BlobStore(S3Options options) : options_(std::move(options)) {
  const auto sep = options_.endpoint.find("://");
  scheme_ = options_.endpoint.substr(0, sep);
  authority_ = options_.endpoint.substr(sep + 3);
  while (!authority_.empty() && authority_.back() == '/') authority_.pop_back();
}

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::Create(S3Options options) {
  const auto sep = options.endpoint.find("://");
  const std::string scheme = sep == std::string::npos ? "" : AsciiLower(options.endpoint.substr(0, sep));
  if ((scheme != "http" && scheme != "https") || options.endpoint.size() <= sep + 3 ||
      options.endpoint.find('/', sep + 3) < options.endpoint.size() - 1) {
    return InvalidArgument("S3 endpoint must be http(s)://host[:port], got '" + options.endpoint + "'");
  }
  if (options.bucket.empty()) return InvalidArgument("S3 bucket must not be empty");
  if (!options.path_style && !ValidVirtualHostBucket(options.bucket)) {
    return InvalidArgument("S3 bucket '" + options.bucket +
                           "' cannot be a host name (lower-case letters, digits, '-'): use path-style addressing");
  }
  if (options.presign_expires_s < 1 || options.presign_expires_s > 604800) {
    return InvalidArgument("S3 presigned URL lifetime must be within 1..604800 seconds");
  }
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl initialisation failed");
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(options)));
}

std::string S3BlobStore::BaseUrl() const {
  return scheme_ + "://" + (options_.path_style ? "" : options_.bucket + ".") + authority_;
}

std::string S3BlobStore::ObjectPath(std::string_view key) const {
  return (options_.path_style ? "/" + options_.bucket : "") + "/" + options_.prefix + std::string(key);
}

std::string S3BlobStore::ObjectUrl(std::string_view key) const {
  return BaseUrl() + AwsUriEncode(ObjectPath(key), true);
}

std::string S3BlobStore::PresignedGetUrl(std::string_view key, std::chrono::system_clock::time_point now) const {
  return PresignS3GetUrl(options_.credentials, options_.region, BaseUrl(), ObjectPath(key), AmzDate(now),
                         options_.presign_expires_s);
}

Result<S3BlobStore::Reply> S3BlobStore::Send(const std::string& method, std::string_view key, std::string_view query,
                                             std::string_view body, std::string_view content_type) const {
  CurlEasyHandle handle(curl_easy_init());
  if (!handle) return Internal("curl_easy_init failed");
  CURL* c = handle.get();
  CurlHeaderList headers;
  auto add_header = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  add_header("x-amz-content-sha256: " + Sha256Hex(body));
  add_header("Expect:");  // no 100-continue round trip
  // Without a type, "Content-Type:" drops the application/x-www-form-urlencoded libcurl would announce.
  add_header("Content-Type: " + std::string(content_type));

  const std::string url = ObjectUrl(key) + (query.empty() ? "" : "?" + std::string(query));
  const std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  Reply reply;
  char error[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(options_.timeout_s * 1000);
  bool ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_USERNAME, options_.credentials.access_key_id.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_PASSWORD, options_.credentials.secret_access_key.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L)) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.etag) == CURLE_OK;
  if (method == "HEAD") {
    ok = ok && curl_easy_setopt(c, CURLOPT_NOBODY, 1L) == CURLE_OK;
  } else if (method == "PUT" || method == "POST") {
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data()) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str()) == CURLE_OK;
  } else if (method != "GET") {
    ok = ok && curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str()) == CURLE_OK;
  }
  ok = ok && curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  if (!ok) return Internal("configuring the S3 request failed");
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    // libcurl's generic text in the status (it may reach a client in a 503: no endpoint host or port);
    // its full message, which names them, only in the log.
    LogWarn("s3.request_failed",
            {{"method", method}, {"bucket", options_.bucket}, {"error", error[0] ? error : curl_easy_strerror(rc)}});
    std::string message = "S3 ";
    message += method;
    message += ' ';
    message += options_.bucket;
    message += ": ";
    message += curl_easy_strerror(rc);
    return Unavailable(std::move(message));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  if (reply.status >= 200 && reply.status < 300) return reply;
  std::string what = "S3 " + method + " " + options_.bucket + "/" + options_.prefix + std::string(key) + ": HTTP " +
                     std::to_string(reply.status);
  const std::string code = ErrorCode(reply.body);
  if (!code.empty()) what.append(" ").append(code);
  if (reply.status == 404) return NotFound(what);
  if (reply.status == 403) return FailedPrecondition(what);
  if (reply.status >= 500 || reply.status == 429) return Unavailable(what);
  return Internal(what);
}

Result<std::string> S3BlobStore::Put(std::string_view bytes, std::string_view content_type) {
  std::string key = BlobKeyForContent(bytes);
  IRIS_ASSIGN_OR_RETURN(bool exists, Exists(key));
  if (exists) return key;
  if (bytes.size() > options_.multipart_threshold_bytes) {
    IRIS_RETURN_IF_ERROR(PutMultipart(key, bytes, content_type));
  } else {
    IRIS_RETURN_IF_ERROR(Send("PUT", key, {}, bytes, content_type).status());
  }
  return key;
}

Status S3BlobStore::PutMultipart(const std::string& key, std::string_view bytes, std::string_view content_type) {
  IRIS_ASSIGN_OR_RETURN(Reply started, Send("POST", key, "uploads=", {}, content_type));
  const std::string upload_id = XmlElement(started.body, "UploadId");
  if (upload_id.empty()) return Internal("S3 CreateMultipartUpload " + options_.bucket + " answered no UploadId");
  const std::string id_param = "uploadId=" + AwsUriEncode(upload_id, false);
  auto abort = [&](Status why) {
    if (auto aborted = Send("DELETE", key, id_param, {}, {}); !aborted.ok()) {
      why = Status(why.code(),
                   why.message() + " (aborting the multipart upload failed too: " + aborted.status().message() + ")");
    }
    return why;
  };
  const std::size_t part_bytes = std::max<std::size_t>(options_.multipart_part_bytes, kS3MinPartBytes);
  std::string parts;
  int number = 0;
  for (std::size_t offset = 0; offset < bytes.size(); offset += part_bytes) {
    ++number;
    // partNumber sorts before uploadId: the query is already in SigV4's canonical order.
    auto uploaded =
        Send("PUT", key, "partNumber=" + std::to_string(number) + "&" + id_param, bytes.substr(offset, part_bytes), {});
    if (!uploaded.ok()) return abort(uploaded.status());
    if (uploaded->etag.empty()) return abort(Internal("S3 UploadPart " + options_.bucket + " answered no ETag"));
    parts += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + uploaded->etag + "</ETag></Part>";
  }
  auto completed = Send("POST", key, id_param, "<CompleteMultipartUpload>" + parts + "</CompleteMultipartUpload>",
                        "application/xml");
  if (!completed.ok()) return abort(completed.status());
  // S3 may answer 200 and report the failure in the body.
  if (const std::string code = ErrorCode(completed->body); !code.empty()) {
    return abort(Unavailable("S3 CompleteMultipartUpload " + options_.bucket + ": " + code));
  }
  return {};
}

Result<std::string> S3BlobStore::Get(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  IRIS_ASSIGN_OR_RETURN(Reply reply, Send("GET", key, {}, {}, {}));
  return std::move(reply.body);
}

Result<std::unique_ptr<BlobReader>> S3BlobStore::OpenReader(std::string_view key) {
  IRIS_ASSIGN_OR_RETURN(std::string bytes, Get(key));
  return std::unique_ptr<BlobReader>(new MemoryBlobReader(std::move(bytes)));
}

Result<bool> S3BlobStore::Exists(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  auto reply = Send("HEAD", key, {}, {}, {});
  if (reply.ok()) return true;
  if (reply.status().code() == StatusCode::kNotFound) return false;
  return reply.status();
}

Status S3BlobStore::Delete(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  auto reply = Send("DELETE", key, {}, {}, {});
  if (!reply.ok() && reply.status().code() != StatusCode::kNotFound) return reply.status();
  return {};
}

}  // namespace iris
