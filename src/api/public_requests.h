// The resident's side of 接诉即办, without a login (docs/open311.md, "The resident page"):
//
//   GET  /api/public/services               the types and topics to choose from, and the limits
//   POST /api/public/verify {phone}         sends a six-digit code by SMS (10 minutes, 5 tries)
//   POST /api/public/requests {phone, code, type, topic, description, address?, lon?, lat?,
//                              name?}       opens a request; 201 with its tracking number
//   GET  /api/public/requests/{tracking_no} status, steps, deadlines and the station's reply
//   GET  /jiesu/                            the page itself (web/public/jiesu in the build)
//
// Bodies over the limit get 413, bad fields 400 naming the field, too many codes or submissions
// from one address or for one phone 429 with Retry-After, the same text from the same phone
// within minutes 429 as a duplicate. Nothing returned names or identifies anybody.
#pragma once

#include <memory>

#include "api/citizen_requests.h"
#include "api/router.h"

namespace pingan::api {

void AddPublicRequestRoutes(Router& router, const std::shared_ptr<CitizenRequestDesk>& desk);

}  // namespace pingan::api
