// Where the GPS protocol servers deliver what terminals report. The servers decode and answer;
// a PositionSink (implemented beside the engine) decides which device belongs to which unit and
// makes the fixes durable.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace pingan::ingest {

enum class Protocol { kJt808, kOsmAnd };

// One position as the terminal reported it.
struct DeviceFix {
  TimePoint time;  // UTC
  // As reported: WGS84 for most devices, GCJ-02 for some (phone SDKs, some Chinese terminals).
  // The sink knows per device which, and converts with core/gcj02.h.
  double lon = 0, lat = 0;
  bool is_valid_fix = true;  // JT/T 808 status bit 1 (positioned); OsmAnd always true
  double speed_mps = 0;      // metres per second, 0 when unknown
  double heading_deg = 0;    // clockwise from true north, [0, 360); 0 when unknown
  double accuracy_m = 0;     // horizontal accuracy radius; 0 when unknown (JT/T 808 has none)
  double altitude_m = 0;     // above sea level
};

enum class SinkResult { kStored, kUnknownDevice, kUnavailable };

class PositionSink {
 public:
  virtual ~PositionSink() = default;
  // True when a device with this identifier is bound to a unit (JT/T 808 registration and
  // authentication). Called from a network thread; must not block for long.
  virtual bool IsKnownDevice(Protocol protocol, const std::string& identifier) = 0;
  // Called from a network thread. `done` is called exactly once, from any thread, when the
  // fixes are durable (kStored) or refused; the server answers the terminal only then.
  // `fixes` is never empty and is in the order the terminal sent them.
  virtual void Submit(Protocol protocol, std::string identifier, std::vector<DeviceFix> fixes,
                      std::function<void(SinkResult)> done) = 0;
};

}  // namespace pingan::ingest
