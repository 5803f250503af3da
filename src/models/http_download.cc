#include "models/http_download.h"

#include <curl/curl.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>

#include "net/curl_handles.h"

namespace iris::models {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return std::string(s);
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// State shared with the libcurl callbacks for one transfer.
struct Transfer {
  CURL* curl = nullptr;
  std::filesystem::path part;
  std::int64_t resume_from = 0;  // bytes already in `part` when the request was sent
  const DownloadProgressFn* progress = nullptr;

  // Parsed from the headers of the current response (reset at each status line: redirects).
  std::int64_t content_range_start = -1;
  std::int64_t content_range_total = -1;
  std::int64_t content_length = -1;

  FILE* file = nullptr;
  bool body_started = false;
  bool discard_body = false;
  bool appended = false;
  std::int64_t file_size = 0;
  std::string error;  // set when a callback aborts the transfer

  ~Transfer() {
    if (file != nullptr) std::fclose(file);
  }

  // Decides, at the first byte of the final response's body, whether to append or start over.
  bool StartBody() {
    body_started = true;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
      discard_body = true;
      return true;
    }
    if (status == 206) {
      if (content_range_start != resume_from) {
        error = "server answered 206 from byte " + std::to_string(content_range_start) + ", expected " +
                std::to_string(resume_from);
        return false;
      }
      file = std::fopen(part.c_str(), "ab");
      appended = true;
      file_size = resume_from;
    } else {
      file = std::fopen(part.c_str(), "wb");  // 200: the whole file again, from byte 0
      file_size = 0;
    }
    if (file == nullptr) {
      error = "cannot write " + part.string() + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }

  std::int64_t Total() const {
    if (content_range_total >= 0) return content_range_total;
    if (content_length >= 0) return (appended ? resume_from : 0) + content_length;
    return -1;
  }
};

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (StartsWithNoCase(line, "HTTP/")) {
    t->content_range_start = t->content_range_total = t->content_length = -1;
  } else if (StartsWithNoCase(line, "content-range:")) {
    // "Content-Range: bytes START-END/TOTAL"
    std::string value = Trim(line.substr(std::strlen("content-range:")));
    long long start = -1, end = -1, total = -1;
    if (std::sscanf(value.c_str(), "bytes %lld-%lld/%lld", &start, &end, &total) >= 2) {
      t->content_range_start = start;
      t->content_range_total = total;
    }
  } else if (StartsWithNoCase(line, "content-length:")) {
    t->content_length = std::atoll(Trim(line.substr(std::strlen("content-length:"))).c_str());
  }
  return size * count;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (!t->body_started && !t->StartBody()) return 0;  // 0 aborts the transfer
  if (t->discard_body) return bytes;
  if (std::fwrite(data, 1, bytes, t->file) != bytes) {
    t->error = "write to " + t->part.string() + " failed: " + std::strerror(errno);
    return 0;
  }
  t->file_size += static_cast<std::int64_t>(bytes);
  if (t->progress != nullptr && *t->progress) (*t->progress)({t->file_size, t->Total()});
  return bytes;
}

std::int64_t SizeOrZero(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

// One request; resumes from the current size of `part`.
Result<DownloadOutcome> TransferOnce(const std::string& url, const std::filesystem::path& part,
                                     const DownloadProgressFn& progress) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  Transfer t;
  t.curl = curl.get();
  t.part = part;
  t.resume_from = SizeOrZero(part);
  t.progress = &progress;
  char curl_error[CURL_ERROR_SIZE] = {0};
  const std::string range = std::to_string(t.resume_from) + "-";

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "iris-models/1");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  // CURLOPT_RANGE (not RESUME_FROM): libcurl then leaves a 200 answer to us instead of failing.
  if (t.resume_from > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

  CURLcode code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (t.file != nullptr) {
    std::fclose(t.file);
    t.file = nullptr;
  }
  DownloadOutcome outcome;
  outcome.http_status = status;
  outcome.resumed = t.appended;
  outcome.resumed_from = t.appended ? t.resume_from : 0;
  if (code == CURLE_OK && !t.body_started && status >= 200 && status < 300 && status != 206) {
    // An empty 200 body: the file is empty, not "unchanged".
    if (FILE* f = std::fopen(part.c_str(), "wb")) std::fclose(f);
  }
  outcome.file_size = SizeOrZero(part);
  if (code != CURLE_OK) {
    std::string why = !t.error.empty() ? t.error : (curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code));
    return Unavailable("download " + url + " failed: " + why + " (" + std::to_string(outcome.file_size) +
                       " bytes kept for resuming)");
  }
  if (status < 200 || status >= 300) {
    return Status(status == 416 ? StatusCode::kUnprocessable : StatusCode::kUnavailable,
                  "download " + url + " failed: HTTP " + std::to_string(status));
  }
  return outcome;
}

}  // namespace

Result<DownloadOutcome> DownloadUrlToFile(const std::string& url, const std::filesystem::path& part,
                                          const DownloadProgressFn& progress) {
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl could not be initialised");
  auto outcome = TransferOnce(url, part, progress);
  if (!outcome.ok() && outcome.status().code() == StatusCode::kUnprocessable && SizeOrZero(part) > 0) {
    // 416 Range Not Satisfiable: the partial file is stale or complete; start over from byte 0.
    std::error_code ec;
    std::filesystem::remove(part, ec);
    outcome = TransferOnce(url, part, progress);
  }
  if (!outcome.ok() && outcome.status().code() == StatusCode::kUnprocessable) {
    return Unavailable(outcome.status().message());
  }
  return outcome;
}

}  // namespace iris::models
