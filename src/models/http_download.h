// HttpDownload: fetches one http(s) URL into a local file with libcurl, resuming a partial file.
// When `part` already holds N bytes, the request carries "Range: bytes=N-": a 206 answer whose
// Content-Range starts at N is appended; a 200 answer (server ignores ranges) restarts the file from
// byte 0; a 416 answer (nothing left to send, or a stale larger file) restarts without a range.
// Redirects are followed (at most 10, http/https only). There is no overall deadline (models are
// large); a transfer slower than 1 byte/s for 60 s, or a connect longer than 20 s, fails.
// Error bodies are never written to `part`. A failed transfer keeps what was received so a later
// call can resume. Thread-safe: each call uses its own curl handle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/result.h"

namespace iris::models {

struct DownloadProgress {
  std::int64_t bytes_done = 0;    // bytes in `part` so far, resumed bytes included
  std::int64_t bytes_total = -1;  // -1 when the server did not say
};
using DownloadProgressFn = std::function<void(const DownloadProgress&)>;

struct DownloadOutcome {
  bool resumed = false;           // the server answered 206 and bytes were appended
  std::int64_t resumed_from = 0;  // offset of the Range request that was honoured
  long http_status = 0;           // status of the final response
  std::int64_t file_size = 0;     // size of `part` afterwards
};

// Unavailable on a network or HTTP error (message names the URL, the curl error or the HTTP status,
// and how many bytes `part` now holds).
Result<DownloadOutcome> DownloadUrlToFile(const std::string& url, const std::filesystem::path& part,
                                          const DownloadProgressFn& progress = nullptr);

}  // namespace iris::models
