// ByteRange: a request's Range header (RFC 9110 section 14) resolved against stored bytes of known
// length, for the routes that serve stored originals. Pure functions; no I/O.
//
// Iris honours ONE range and ignores the header otherwise, as RFC 9110 14.2 allows ("a server MAY
// ignore the Range header field"):
//   * no header, a unit other than "bytes", a malformed range-set, or an int-range whose last-pos is
//     below its first-pos                                     -> kFull: 200 with every byte;
//   * several ranges ("bytes=0-,0-,..."): ignored as well       -> kFull. Serving them would let a
//     six-kilobyte header ask for thousands of copies of the body (multipart/byteranges); the whole
//     representation is never larger than the stored bytes;
//   * one satisfiable range: "bytes=a-b" (b clipped to the last byte), "bytes=a-" (to the end),
//     "bytes=-n" (the last n bytes, or all when n >= length)  -> kPartial: 206, Content-Range
//     "bytes first-last/length";
//   * one unsatisfiable range: first-pos >= length, "bytes=-0", or any range of an empty body
//                                                              -> kUnsatisfiable: 416, Content-Range
//     "bytes */length".
// Numbers too large for 64 bits saturate (a huge first-pos is unsatisfiable, a huge last-pos reaches
// the end). The unit is case-insensitive; optional whitespace around list elements is allowed and
// empty list elements are skipped (RFC 9110 5.6.1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace iris::api {

struct ByteRangeAnswer {
  enum class Kind { kFull, kPartial, kUnsatisfiable };
  Kind kind = Kind::kFull;
  std::uint64_t offset = 0;  // first byte sent (0 for kFull and kUnsatisfiable)
  std::uint64_t length = 0;  // bytes sent: the whole length for kFull, 0 for kUnsatisfiable
};

// `header` is the Range field's value ("" when the request has none).
ByteRangeAnswer ResolveByteRange(std::string_view header, std::uint64_t total_length);

// The Content-Range value for a kPartial ("bytes 0-99/1000") or kUnsatisfiable ("bytes */1000")
// answer; "" for kFull.
std::string ContentRangeValue(const ByteRangeAnswer& answer, std::uint64_t total_length);

}  // namespace iris::api
