// The OsmAnd HTTP server (Traccar Client and compatible apps), on its own port, apart from the
// API server: phones post positions here without API credentials, and the sink decides which
// identifiers belong to units. Request forms: ingest/osmand.h; behaviour:
// docs/gps_protocols.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/position_sink.h"

namespace pingan::ingest {

struct OsmAndServerOptions {
  int threads = 1;                        // io threads
  std::chrono::seconds idle_timeout{60};  // a keep-alive connection silent this long is closed
  std::size_t max_connections = 10'000;   // further connections are closed on accept
  std::size_t body_limit_bytes = 64 * 1024;
};

// Answers, all with a text/plain body (a message for a person reading the client's log):
//   200  the fixes are stored (empty body)
//   400  the request does not parse; the body names the bad parameter, e.g.
//        "invalid lat: 'abc' is not a number"; also a malformed HTTP request (then closed)
//   404  the sink does not know the device identifier. Traccar answers 400 here; a distinct
//        status lets an installer tell "wrong id" from "wrong request" in the app's log, and
//        the apps treat every non-200 answer alike (keep the fix and retry later)
//   405  a method other than GET or POST
//   413  a body over body_limit_bytes (then closed)
//   503  the sink cannot store now (the app retries later)
// Any path is accepted, as the apps differ in what they send ("/", "/osmand", "/?id=..").
// Fixes without a timestamp take the time the request was received, from `clock`.
class OsmAndServer {
 public:
  // `sink` and `clock` must outlive the server.
  OsmAndServer(OsmAndServerOptions options, PositionSink& sink, const Clock& clock);
  ~OsmAndServer();
  OsmAndServer(const OsmAndServer&) = delete;
  OsmAndServer& operator=(const OsmAndServer&) = delete;

  // Binds host:port (port 0: any free port), listens and starts the io threads. Returns the
  // bound port. Errors: kInvalidInput when `host` is not an IP address, kUnavailable when the
  // address cannot be bound, kConflict when already started. Call at most once.
  Result<std::uint16_t> Start(const std::string& host, std::uint16_t port);
  // Stops accepting, closes every connection and joins the io threads. Sink answers arriving
  // later are ignored (the apps will resend). Idempotent; the destructor calls it.
  void Stop();
  // Open connections now. Thread-safe.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pingan::ingest
