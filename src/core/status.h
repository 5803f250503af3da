// Status: the outcome of an operation that can fail, as a value (no exceptions across module
// boundaries). A Status is a code plus a human-readable message; the message is meant for the
// API's {"detail": ...} and must never contain secrets. Copyable, immutable, thread-compatible.
#pragma once

#include <string>
#include <string_view>

namespace iris {

// Codes name what went wrong from the caller's point of view; api/ maps them to HTTP statuses.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // malformed request or unreadable input            -> 400
  kNotFound,            // the named thing does not exist                    -> 404
  kAlreadyExists,       // conflicting create                                -> 409
  kTooLarge,            // input over a byte or pixel limit                  -> 413
  kUnsupportedMedia,    // not an image, or a format we do not decode        -> 415
  kUnprocessable,       // well-formed but invalid parameters                -> 422
  kResourceExhausted,   // a rate or queue limit was hit                     -> 429
  kUnavailable,         // overloaded or not ready; retry later              -> 503
  kStorageFull,         // the disk or a storage quota is full               -> 507
  kDeadlineExceeded,    // an internal deadline expired                      -> 504
  kFailedPrecondition,  // state does not allow it (e.g. model not installed) -> 409
  kInternal,            // a bug or an unexpected failure                    -> 500
};

std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "CodeName: message", for logs.
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message" (same code); OK stays OK.
  Status WithContext(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
inline Status UnsupportedMedia(std::string m) { return {StatusCode::kUnsupportedMedia, std::move(m)}; }
inline Status Unprocessable(std::string m) { return {StatusCode::kUnprocessable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status StorageFull(std::string m) { return {StatusCode::kStorageFull, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace iris

// Evaluates an expression returning Status and returns it from the current function if not OK.
#define IRIS_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::iris::Status iris_status_ = (expr);        \
    if (!iris_status_.ok()) return iris_status_; \
  } while (0)
