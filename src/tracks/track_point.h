// TrackPoint: one GPS fix of one unit (警力), as its terminal reported it. The fields have the
// precision of the track file (docs/track_format.md), so what is read back is exactly what was
// appended.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/clock.h"
#include "core/domain.h"
#include "core/geo.h"

namespace pingan::tracks {

// Where a fix came from. The numbers are stored in track files: never renumber, only add.
enum class TrackSource : std::uint8_t {
  kApi = 0,        // POST to the HTTP API (the console, a phone app)
  kJt808 = 1,      // a JT/T 808 vehicle terminal
  kOsmand = 2,     // the OsmAnd/Traccar HTTP protocol (phones)
  kSimulated = 3,  // the simulator and load tests
};

struct TrackPoint {
  // speed_cm_s, heading_cdeg and accuracy_m hold this when the terminal did not say.
  static constexpr std::uint16_t kUnknown = 0xFFFF;

  UnitId unit_id = 0;       // 1 … 2^32 − 1 can be stored (files hold it as u32)
  TimePoint time;           // when the fix was taken, by the terminal's clock (UTC, ms)
  std::int32_t lon_e7 = 0;  // WGS84 longitude in units of 1e-7 degree (about 1 cm), ±180e7
  std::int32_t lat_e7 = 0;  // WGS84 latitude in units of 1e-7 degree, ±90e7
  std::uint16_t speed_cm_s = kUnknown;    // ground speed, cm/s (65 534 cm/s ≈ 2 359 km/h)
  std::uint16_t heading_cdeg = kUnknown;  // course, 0.01° clockwise from true north, 0 … 35 999
  std::uint16_t accuracy_m = kUnknown;    // horizontal accuracy (radius), metres
  TrackSource source = TrackSource::kApi;

  LonLat lon_lat() const { return LonLat{lon_e7 / 1e7, lat_e7 / 1e7}; }
  bool operator==(const TrackPoint&) const = default;
};

// Degrees to the nearest 1e-7 degree. REQUIRES: |degrees| <= 180.
inline std::int32_t ToE7(double degrees) {
  return static_cast<std::int32_t>(std::lround(degrees * 1e7));
}

}  // namespace pingan::tracks
