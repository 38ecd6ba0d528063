// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the 接诉即办 requests, so
// that existing clients (FixMyStreet, city apps, validators) work against the bureau
// (docs/open311.md):
//
//   GET  /open311/v2/services.{json|xml}                  the topics, each with metadata=true
//   GET  /open311/v2/services/{code}.{json|xml}           a topic's definition: the required
//                                                         singlevaluelist attribute `type`
//   GET  /open311/v2/requests.{json|xml}                  service_request_id, service_code,
//                                                         start_date, end_date, status
//   POST /open311/v2/requests.{json|xml}                  form-encoded, api_key required
//   GET  /open311/v2/requests/{id}.{json|xml}
//   GET  /open311/v2/tokens/{token}.{json|xml}
//
// Errors are the standard's: a JSON array [{code, description}] or
// <errors><error><code/><description/></error></errors>, with the HTTP status in `code` (400 bad
// input, 403 no valid api_key, 404 unknown id/code/token, 413 body too large, 429 too many, with
// Retry-After). Beyond the standard every request carries `detailed_status` (the workflow state),
// `first_response_expected_datetime` and `overdue`; `expected_datetime` is the handling deadline.
// Citizens' names, phones and e-mails are never returned; requests from the resident page show
// no description, address, position or reply text (their senders were promised that).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/citizen_requests.h"
#include "api/router.h"

namespace pingan::api {

void AddOpen311Routes(Router& router, std::shared_ptr<CitizenRequestDesk> desk);

// application/x-www-form-urlencoded as browsers and LWP write it: name=value pairs joined by
// '&', '+' for a space, %XX escapes. Strict: a bad escape or text that is not UTF-8 is an
// error (kInvalidInput) naming the field it is in. Pairs keep their order and repeats.
Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);

// Text for XML character data: &, <, >, " and ' escaped; what XML 1.0 forbids — control
// characters other than tab, line feed and carriage return, U+FFFE and U+FFFF, and bytes that
// are not well-formed UTF-8 (one for each such byte) — replaced by U+FFFD, so the document
// always parses.
std::string XmlEscape(std::string_view text);

}  // namespace pingan::api
