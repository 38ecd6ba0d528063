#include "api/http_errors.h"

#include <nlohmann/json.hpp>

#include "api/http_server.h"

namespace pingan::api {

namespace {

struct ErrorRow {
  ErrorCode code;
  int status;
  std::string_view name;
};

constexpr ErrorRow kErrorTable[] = {
    {ErrorCode::kInvalidInput, 400, "invalid_input"},
    {ErrorCode::kUnauthenticated, 401, "unauthorized"},
    {ErrorCode::kForbidden, 403, "forbidden"},
    {ErrorCode::kNotFound, 404, "not_found"},
    {ErrorCode::kMethodNotAllowed, 405, "method_not_allowed"},
    {ErrorCode::kConflict, 409, "conflict"},
    {ErrorCode::kTooLarge, 413, "too_large"},
    {ErrorCode::kRateLimited, 429, "rate_limited"},
    {ErrorCode::kUnavailable, 503, "unavailable"},
    {ErrorCode::kInternal, 500, "internal"},
};

const ErrorRow& RowFor(ErrorCode code) {
  for (const ErrorRow& row : kErrorTable) {
    if (row.code == code) return row;
  }
  return kErrorTable[std::size(kErrorTable) - 1];
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  return RowFor(code).status;
}
std::string_view ErrorName(ErrorCode code) {
  return RowFor(code).name;
}

HttpResponse ErrorResponse(const Error& error) {
  nlohmann::json body = {{"error", ErrorName(error.code)}, {"message", error.message}};
  if (!error.field.empty()) body["field"] = error.field;
  HttpResponse response;
  response.status = HttpStatusFor(error.code);
  // Messages may quote what a client sent; bytes that are not UTF-8 must not throw here.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (error.code == ErrorCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

}  // namespace pingan::api
