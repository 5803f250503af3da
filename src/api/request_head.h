// Request-head scanning for the connection receiver (request_receiver.h): finds where an HTTP/1.1
// request's head (request line + header fields) ends in bytes received so far, and reads the
// framing of its body from the header fields. This is not a parser of the request: httplib parses
// it later on a worker. It only answers "is the whole head here, and how much body follows", so
// that slow or idle clients can be held without a worker.
//
// Contract:
//   * FindHeadEnd(bytes) is the offset just past the blank line ending the head ("\r\n\r\n", or a
//     bare "\n\n" as httplib also accepts), or nullopt when it has not arrived yet. Leading empty
//     lines before a request line (RFC 9112 2.2) are skipped, as httplib does.
//   * ReadBodyFraming(head) reads Content-Length, Transfer-Encoding and Expect (field names are
//     case-insensitive). An unparseable or conflicting Content-Length gives content_length =
//     nullopt and malformed = true; the worker (http_server.cc) then answers 400 and closes.
//   * IsHealthProbe(bytes) is true when the request line of the (first) request in `bytes` is a GET
//     or HEAD of exactly /healthz or /readyz (a query string allowed). The server answers those on
//     a worker of their own, so probes are answered while every request worker is busy.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace iris::api {

std::optional<std::size_t> FindHeadEnd(std::string_view bytes);

struct BodyFraming {
  std::optional<std::uint64_t> content_length;  // set when a valid Content-Length is present
  bool chunked = false;                         // Transfer-Encoding present (body length unknown)
  bool expect_continue = false;                 // the client waits for "100 Continue" before its body
  bool malformed = false;                       // Content-Length unparseable or given twice differently
};

BodyFraming ReadBodyFraming(std::string_view head);

bool IsHealthProbe(std::string_view bytes);

}  // namespace iris::api
