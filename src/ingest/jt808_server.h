// The JT/T 808 TCP server: terminals connect, register, authenticate and report locations; the
// server answers each message and hands the fixes to a PositionSink. Behaviour per message and
// on errors: docs/gps_protocols.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "ingest/jt808_codec.h"
#include "ingest/position_sink.h"

namespace pingan::ingest {

struct Jt808ServerOptions {
  int threads = 1;                         // io threads
  std::chrono::seconds idle_timeout{600};  // a connection silent this long is closed
  std::size_t max_connections = 10'000;    // further connections are closed on accept
  std::size_t max_frame_bytes = kJt808MaxFrameBytes;
  // Frames received but not yet answered, per connection. A terminal that sends more while the
  // sink is slow is disconnected (it reconnects and resends what was not acknowledged).
  std::size_t max_pending_frames = 256;
};

// Per connection, in the order received, one answer per message:
//   0x0100 register       → 0x8100, result 0 and an auth code (the device identifier) when
//                           sink.IsKnownDevice, else 4 (no such terminal)
//   0x0102 authentication → 0x8001, 0 when sink.IsKnownDevice, else 1
//   0x0002 heartbeat, 0x0003 logout → 0x8001 result 0
//   0x0200, 0x0704        → sink.Submit, then 0x8001: 0 when stored, 1 otherwise
//   0x0001 terminal response → no answer
//   other ids, encrypted or subpackaged messages → 0x8001 result 3 (unsupported)
//   a body that does not parse → 0x8001 result 2 (message error)
// A frame that does not decode is logged and dropped, answered with result 2 when its header
// can still be read; the connection stays open either way. The device identifier is
// Jt808DeviceIdentifier (the phone number without leading zeros).
class Jt808Server {
 public:
  // `sink` must outlive the server.
  Jt808Server(Jt808ServerOptions options, PositionSink& sink);
  ~Jt808Server();
  Jt808Server(const Jt808Server&) = delete;
  Jt808Server& operator=(const Jt808Server&) = delete;

  // Binds host:port (port 0: any free port), listens and starts the io threads. Returns the
  // bound port. Errors: kInvalidInput when `host` is not an IP address, kUnavailable when the
  // address cannot be bound, kConflict when already started. Call at most once.
  Result<std::uint16_t> Start(const std::string& host, std::uint16_t port);
  // Stops accepting, closes every connection and joins the io threads. Sink answers arriving
  // later are ignored (their terminals will resend). Idempotent; the destructor calls it.
  void Stop();
  // Open connections now. Thread-safe.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pingan::ingest
