// The one table from ErrorCode to HTTP status and error name.
#pragma once

#include <string_view>

#include "core/result.h"

namespace pingan::api {

int HttpStatusFor(ErrorCode code);
// "invalid_input", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
// "too_large", "rate_limited", "unavailable", "internal".
std::string_view ErrorName(ErrorCode code);

}  // namespace pingan::api
