// Result<T>: either a value or a non-OK Status. The value-or-error return type of every
// fallible function at a module edge. Accessing value() of an error Result aborts (a bug).
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "core/status.h"

namespace iris {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(data_).ok()) data_ = Status(StatusCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) std::abort();
    return std::get<T>(data_);
  }
  std::variant<T, Status> data_;
};

}  // namespace iris

#define IRIS_CONCAT_INNER_(a, b) a##b
#define IRIS_CONCAT_(a, b) IRIS_CONCAT_INNER_(a, b)
// IRIS_ASSIGN_OR_RETURN(auto x, ExprReturningResult()); returns the Status on error.
#define IRIS_ASSIGN_OR_RETURN(lhs, expr) IRIS_ASSIGN_OR_RETURN_IMPL_(IRIS_CONCAT_(iris_result_, __LINE__), lhs, expr)
#define IRIS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
