// Result<T>: a value or an Error, for failures someone must be told about (an HTTP client, a
// CLI user). Members follow std::expected so a later move to the standard type is a rename.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/check.h"

namespace pingan {

enum class ErrorCode {
  kInvalidInput,      // the request is malformed or a field is wrong (HTTP 400)
  kUnauthenticated,   // no or bad credentials (401)
  kForbidden,         // the caller's role may not do this (403)
  kNotFound,          // the addressed thing does not exist (404)
  kMethodNotAllowed,  // the path exists, the HTTP method does not (405)
  kConflict,          // not allowed in the current state (409)
  kTooLarge,          // body or upload over the limit (413)
  kRateLimited,       // too many requests or failed logins; try later (429)
  kUnavailable,       // the service cannot take writes now, e.g. after a failed fsync (503)
  kInternal,          // a bug or an unexpected library failure (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // English, for logs and developers
  std::string field;    // JSON path of the bad input, if any: "location.lon"
};

inline Error InvalidInput(std::string field, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message), std::move(field)};
}
inline Error Conflict(std::string message, std::string field = {}) {
  return Error{ErrorCode::kConflict, std::move(message), std::move(field)};
}
inline Error NotFound(std::string message, std::string field = {}) {
  return Error{ErrorCode::kNotFound, std::move(message), std::move(field)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    PINGAN_CHECK(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    PINGAN_CHECK(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    PINGAN_CHECK(has_value());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    PINGAN_CHECK(!has_value());
    return std::get<1>(v_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    PINGAN_CHECK(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace pingan
