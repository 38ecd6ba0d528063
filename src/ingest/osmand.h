// The OsmAnd protocol as the Traccar Client apps (Android, iOS) and many trackers speak it:
// HTTP requests carrying one position in query parameters, a form body, or a JSON body. This
// file parses a request already read off the wire; ingest/osmand_server.h does the HTTP.
// Accepted forms, units and errors: docs/gps_protocols.md.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/position_sink.h"

namespace pingan::ingest {

// Longest device identifier accepted; longer ones are refused rather than stored.
inline constexpr std::size_t kOsmAndMaxIdentifierBytes = 128;

// One HTTP request as received.
struct OsmAndRequest {
  std::string method;        // "GET" or "POST"
  std::string target;        // as sent, query string still encoded: "/?id=1&lat=39.9&lon=116.4"
  std::string content_type;  // the Content-Type header, may be empty
  std::string body;
};

// What one request reports.
struct OsmAndReport {
  std::string identifier;        // the device's id, as sent (no normalisation)
  std::vector<DeviceFix> fixes;  // at least one, in the order sent
};

// Parses the query-string form (GET, or POST with the parameters in the query string or in an
// application/x-www-form-urlencoded body; body parameters are read after query parameters and
// the first occurrence of a name wins) and the JSON form (POST with an application/json body,
// or a body starting with '{'):
//   id | deviceid            device identifier (required)
//   lat, lon | location      degrees; location is "lat,lon" (required)
//   timestamp                unix seconds, unix milliseconds (values of 2^31 and above),
//                            decimal seconds, or ISO 8601 / "yyyy-MM-dd HH:mm:ss" (no zone
//                            means UTC); missing → `received_at`
//   speed                    knots in the query form, m/s in the JSON form; negative → unknown
//   bearing | heading        degrees; negative → unknown
//   accuracy | hacc          metres
//   altitude                 metres
//   hdop, batt, others       accepted, not used (hdop is not a distance)
// JSON form: {"device_id": .., "location": {"timestamp": "ISO", "coords": {"latitude",
// "longitude", "speed", "heading", "accuracy", "altitude"}, ..}}, where "location" may also be
// an array of such objects. Errors are kInvalidInput with `field` naming the bad parameter
// ("lat", "timestamp", "location.coords.latitude", "body") and a message saying what is wrong.
Result<OsmAndReport> ParseOsmAndRequest(const OsmAndRequest& request, TimePoint received_at);

}  // namespace pingan::ingest
